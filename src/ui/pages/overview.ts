import { ApiError, get } from '../api.js'
import { type Child, facts, h, replace, table } from '../dom.js'
import { formatDate, formatNumber, formatTime, t } from '../i18n.js'
import { inTurn } from '../in-turn.js'
import { learnNames, nameOf, shortDid } from '../names.js'
import type { Page } from '../page.js'

interface Identity {
  name: string
  did: string
  peerId: string
  multiaddrs: string[]
  dataspace: string
}

interface Peer {
  peerId: string
  did: string | null
  name?: string
  connected: boolean
  admitted: boolean
  latencyMs: number | null
  lastSeen: string | null
}

interface DataspaceSummary {
  id: string
  title?: string
  anchor: boolean
  endorsedBy: string[]
  trustAnchor?: string[]
  membership?: { since?: string; validUntil?: string; revoked?: boolean; anchor?: string }
}

interface Transfer {
  state: string
  created: string
  role: string
}

async function dataspaceOrNone(): Promise<DataspaceSummary | undefined> {
  try {
    return await get<DataspaceSummary>('/api/v1/dataspace')
  } catch (error) {
    if (error instanceof ApiError && error.code === 'ALLMENDE_NO_DATASPACE') return undefined
    throw error
  }
}

/** Transfers per day over the last 14 days, as bars and as a table for screen readers. */
function activityChart(transfers: readonly Transfer[]): HTMLElement {
  const days: { key: string; label: string; count: number }[] = []
  const today = new Date()
  for (let i = 13; i >= 0; i--) {
    const d = new Date(today.getFullYear(), today.getMonth(), today.getDate() - i)
    const key = `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`
    days.push({ key, label: formatDate(d.toISOString()), count: 0 })
  }
  for (const transfer of transfers) {
    const d = new Date(transfer.created)
    const day = days.find((x) => x.key === `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`)
    if (day !== undefined) day.count++
  }
  const max = Math.max(1, ...days.map((d) => d.count))
  const width = 14 * 24
  const bars = days
    .map((d, i) => {
      const height = Math.round((d.count / max) * 80)
      return `<rect x="${i * 24 + 4}" y="${90 - height}" width="16" height="${height}" rx="2"></rect>`
    })
    .join('')
  const svg = h('div', { class: 'chart', 'aria-hidden': 'true' })
  // Built from numbers only: no user text reaches this markup.
  svg.innerHTML = `<svg viewBox="0 0 ${width} 92" width="100%" height="120" focusable="false">${bars}<line x1="0" y1="90.5" x2="${width}" y2="90.5"></line></svg>`
  return h(
    'section',
    { 'aria-labelledby': 'activity-h' },
    h('h2', { id: 'activity-h' }, t('overview.activity')),
    svg,
    h(
      'details',
      {},
      h('summary', {}, t('common.details')),
      table(
        t('overview.activity'),
        [t('overview.activityDay'), t('overview.activityCount')],
        days.map((d) => [d.label, String(d.count)]),
      ),
    ),
  )
}

function membership(summary: DataspaceSummary | undefined): Child {
  if (summary === undefined) return h('p', {}, t('overview.noMembership'))
  const m = summary.membership
  return facts([
    [t('overview.dataspace'), summary.title === undefined ? summary.id : `${summary.title} (${summary.id})`],
    ...(summary.anchor ? [[t('overview.anchor'), t('overview.isAnchor')] as [string, Child]] : []),
    ...(summary.endorsedBy.length > 0
      ? [[t('overview.anchor'), summary.endorsedBy.map((d) => nameOf(d)).join(', ')] as [string, Child]]
      : []),
    ...(m?.since === undefined ? [] : [[t('overview.memberSince'), formatTime(m.since)] as [string, Child]]),
    ...(m?.validUntil === undefined
      ? []
      : [[t('overview.expires'), formatTime(m.validUntil)] as [string, Child]]),
    ...(m?.revoked === undefined
      ? []
      : [[t('overview.revoked'), t(m.revoked ? 'common.yes' : 'common.no')] as [string, Child]]),
  ])
}

function count(label: string, value: number): HTMLElement {
  return h(
    'div',
    { class: 'count' },
    h('span', { class: 'value' }, formatNumber(value)),
    h('span', {}, label),
  )
}

/** One draw at a time: see {@link inTurn}. */
const draw = inTurn(drawPage)

async function drawPage(main: HTMLElement): Promise<void> {
  const [identity, peers, health, dataspace, datasets, agreements, transfers] = await Promise.all([
    get<Identity>('/api/v1/identity'),
    get<{ peers: Peer[] }>('/api/v1/peers'),
    get<{ status: string }>('/api/v1/health'),
    dataspaceOrNone(),
    get<{ datasets: { offers: unknown[] }[] }>('/api/v1/datasets'),
    get<{ agreements: { id: string; role: string }[] }>('/api/v1/agreements'),
    get<{ transfers: Transfer[] }>('/api/v1/transfers'),
  ])
  learnNames(Object.fromEntries(peers.peers.filter((p) => p.did !== null).map((p) => [p.did, p.name])))
  const given = agreements.agreements.filter((a) => a.role === 'provider')
  const duties = await Promise.all(
    agreements.agreements
      .slice(0, 100)
      .map((a) =>
        get<{ state: string }[]>(`/api/v1/agreements/${encodeURIComponent(a.id)}/duties`).catch(() => []),
      ),
  )
  const openDuties = duties.flat().filter((d) => d.state === 'pending').length
  const connected = peers.peers.filter((p) => p.connected)
  replace(
    main,
    h('h1', { tabindex: '-1' }, t('page.overview')),
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { 'aria-labelledby': 'identity-h', class: 'card' },
        h('h2', { id: 'identity-h' }, t('overview.identity')),
        facts([
          [t('overview.name'), identity.name],
          [t('overview.did'), h('code', { class: 'id' }, identity.did)],
          [t('overview.peerId'), h('code', { class: 'id' }, identity.peerId)],
          [
            t('overview.addresses'),
            h(
              'ul',
              { class: 'plain' },
              identity.multiaddrs.map((a) => h('li', {}, h('code', {}, a))),
            ),
          ],
        ]),
      ),
      h(
        'section',
        { 'aria-labelledby': 'membership-h', class: 'card' },
        h('h2', { id: 'membership-h' }, t('overview.membership')),
        membership(dataspace),
        h('h3', {}, t('overview.health')),
        h('p', { class: health.status === 'ok' ? 'ok' : 'bad' }, t('overview.healthy')),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'counts-h' },
      h('h2', { id: 'counts-h' }, t('overview.counts')),
      h(
        'div',
        { class: 'counts' },
        count(t('overview.datasets'), datasets.datasets.length),
        count(
          t('overview.offers'),
          datasets.datasets.reduce((n, d) => n + d.offers.length, 0),
        ),
        count(t('overview.agreementsGiven'), given.length),
        count(t('overview.agreementsReceived'), agreements.agreements.length - given.length),
        count(t('overview.transfers'), transfers.transfers.length),
        count(t('overview.openDuties'), openDuties),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'peers-h' },
      h('h2', { id: 'peers-h' }, t('overview.peers')),
      connected.length === 0
        ? h('p', {}, t('overview.noPeers'))
        : table(
            t('overview.peers'),
            [t('overview.name'), t('overview.did'), t('overview.admitted'), t('overview.latency')],
            connected.map((p) => [
              p.did === null ? shortDid(p.peerId) : nameOf(p.did),
              p.did === null ? '–' : h('code', { title: p.did }, shortDid(p.did)),
              t(p.admitted ? 'common.yes' : 'common.no'),
              p.latencyMs === null ? '–' : `${formatNumber(p.latencyMs)} ms`,
            ]),
          ),
    ),
    activityChart(transfers.transfers),
  )
}

export const overviewPage: Page = {
  path: 'uebersicht',
  title: 'page.overview',
  async render(ctx) {
    await draw(ctx.main)
    ctx.live(
      ['peer', 'negotiation', 'agreement', 'transfer', 'catalog', 'dataspace'],
      () => void draw(ctx.main),
    )
  },
}
