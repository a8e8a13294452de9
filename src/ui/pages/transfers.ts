import { enc, get, post } from '../api.js'
import { announce, field, h, replace, uid } from '../dom.js'
import { errorBox } from '../error-box.js'
import { defineTexts, formatBytes, formatTime, t } from '../i18n.js'
import { inTurn } from '../in-turn.js'
import { onLive } from '../live.js'
import { nameOf } from '../names.js'
import type { Page, PageContext } from '../page.js'
import { stateText } from './negotiations.js'

defineTexts({
  'tr.start': ['Übertragung starten', 'Start a transfer'],
  'tr.agreement': ['Vertrag', 'Agreement'],
  'tr.out': ['Zieldatei im Download-Ordner des Knotens', 'Output file in the node’s download folder'],
  'tr.go': ['Starten', 'Start'],
  'tr.started': ['Übertragung gestartet.', 'Transfer started.'],
  'tr.none': ['Noch keine Übertragungen.', 'No transfers yet.'],
  'tr.list': ['Übertragungen', 'Transfers'],
  'tr.progress': ['Fortschritt', 'Progress'],
  'tr.bytes': ['Bytes', 'Bytes'],
  'tr.throughput': ['Durchsatz', 'Throughput'],
  'tr.suspend': ['Anhalten', 'Suspend'],
  'tr.resume': ['Fortsetzen', 'Resume'],
  'tr.cancel': ['Abbrechen', 'Cancel'],
  'tr.receipt': ['Quittung', 'Receipt'],
  'tr.receiptText': [
    '{bytes}, SHA-256 {hash}, von beiden signiert',
    '{bytes}, SHA-256 {hash}, signed by both',
  ],
  'tr.duties': ['Pflichten', 'Duties'],
  'tr.duty.pending': ['offen', 'pending'],
  'tr.duty.fulfilled': ['erfüllt', 'fulfilled'],
  'tr.duty.violated': ['verletzt', 'violated'],
  'tr.due': ['fällig {when}', 'due {when}'],
  'tr.evidence': ['Nachweis signiert, geprüft', 'evidence signed, verified'],
  'tr.history': ['Verlauf', 'History'],
})

interface Transfer {
  id: string
  role: 'provider' | 'consumer'
  counterparty: string
  agreementId: string
  datasetId: string
  state: string
  out?: string
  bytes?: number
  received?: number
  sha256?: string
  receipt?: Record<string, unknown>
  history: { state: string; at: string; reason?: string }[]
  created: string
  updated: string
}

interface Duty {
  duty: string
  action: string
  state: 'pending' | 'fulfilled' | 'violated'
  due?: string
  fulfilledAt?: string
  verified?: boolean
}

/** Bytes per second between two samples of one transfer, kept while the page is open. */
const samples = new Map<string, { at: number; bytes: number; rate?: number }>()

function throughput(id: string, bytes: number | undefined): string {
  if (bytes === undefined) return '–'
  const now = performance.now()
  const last = samples.get(id)
  if (last === undefined || bytes < last.bytes) {
    samples.set(id, { at: now, bytes })
    return '–'
  }
  if (bytes > last.bytes && now > last.at)
    samples.set(id, { at: now, bytes, rate: ((bytes - last.bytes) * 1000) / (now - last.at) })
  const rate = samples.get(id)?.rate
  return rate === undefined ? '–' : `${formatBytes(rate)}/s`
}

function controls(tr: Transfer, refresh: () => void): HTMLElement | null {
  const act = (what: 'suspend' | 'resume' | 'terminate') => async () => {
    try {
      await post(`/api/v1/transfers/${enc(tr.id)}/${what}`, {})
      refresh()
    } catch (error) {
      announce(error instanceof Error ? error.message : String(error))
    }
  }
  const buttons = [
    tr.state === 'STARTED'
      ? h('button', { type: 'button', class: 'secondary', onclick: act('suspend') }, t('tr.suspend'))
      : null,
    tr.state === 'SUSPENDED' ? h('button', { type: 'button', onclick: act('resume') }, t('tr.resume')) : null,
    ['STARTED', 'SUSPENDED', 'REQUESTED'].includes(tr.state)
      ? h('button', { type: 'button', class: 'danger', onclick: act('terminate') }, t('tr.cancel'))
      : null,
  ].filter((b) => b !== null)
  return buttons.length === 0 ? null : h('div', { class: 'row' }, buttons)
}

function dutyList(duties: Duty[]): HTMLElement | null {
  if (duties.length === 0) return null
  return h(
    'div',
    {},
    h('h4', {}, t('tr.duties')),
    h(
      'ul',
      {},
      duties.map((d) =>
        h(
          'li',
          {},
          `${d.action.replace(/^.*[#/:]/, '')}: `,
          h(
            'strong',
            { class: d.state === 'violated' ? 'bad' : d.state === 'fulfilled' ? 'ok' : '' },
            t(`tr.duty.${d.state}`),
          ),
          d.due === undefined ? null : ` · ${t('tr.due', { when: formatTime(d.due) })}`,
          d.verified === true ? ` · ${t('tr.evidence')}` : null,
        ),
      ),
    ),
  )
}

function card(tr: Transfer, duties: Duty[], refresh: () => void): HTMLElement {
  const bytes = tr.received ?? tr.bytes
  return h(
    'li',
    { class: 'hit', id: `tr-${tr.id}` },
    h(
      'h3',
      {},
      `${stateText(tr.state)}: ${tr.role === 'provider' ? t('common.roleProvider') : t('common.roleConsumer')} – ${nameOf(tr.counterparty)}`,
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('common.dataset')),
      h('dd', {}, h('code', {}, tr.datasetId)),
      h('dt', {}, t('tr.agreement')),
      h('dd', {}, h('a', { href: `#/vertraege?id=${enc(tr.agreementId)}` }, tr.agreementId)),
      tr.out === undefined ? null : [h('dt', {}, t('tr.out')), h('dd', {}, h('code', {}, tr.out))],
      h('dt', {}, t('tr.progress')),
      h('dd', { 'data-progress': tr.id }, formatBytes(bytes)),
      h('dt', {}, t('tr.throughput')),
      h('dd', { 'data-rate': tr.id }, tr.state === 'STARTED' ? throughput(tr.id, bytes) : '–'),
      tr.receipt === undefined
        ? null
        : [
            h('dt', {}, t('tr.receipt')),
            h(
              'dd',
              { class: 'receipt' },
              t('tr.receiptText', {
                bytes: formatBytes(tr.bytes),
                hash: `${(tr.sha256 ?? '').slice(0, 16)}…`,
              }),
            ),
          ],
    ),
    tr.state === 'STARTED' ? h('progress', { 'aria-label': t('tr.progress') }) : null,
    controls(tr, refresh),
    dutyList(duties),
    h(
      'details',
      {},
      h('summary', {}, t('tr.history')),
      h(
        'ol',
        { class: 'timeline' },
        tr.history.map((s) =>
          h(
            'li',
            {},
            `${stateText(s.state)} · ${formatTime(s.at)}`,
            s.reason === undefined ? null : ` · ${s.reason}`,
          ),
        ),
      ),
    ),
  )
}

function startForm(ctx: PageContext, refresh: () => void): HTMLElement {
  const agreement = h('input', { type: 'text', required: true, id: uid('agr') })
  agreement.value = ctx.params.get('agreement') ?? ''
  const out = h('input', { type: 'text', required: true, id: uid('out') })
  const status = h('div', { 'aria-live': 'polite' })
  return h(
    'form',
    {
      'aria-labelledby': 'start-h',
      onsubmit: async (event: Event) => {
        event.preventDefault()
        try {
          await post('/api/v1/transfers', { agreement: agreement.value.trim(), out: out.value.trim() })
          replace(status, h('p', { class: 'notice', role: 'status' }, t('tr.started')))
          refresh()
        } catch (error) {
          replace(status, errorBox(error))
        }
      },
    },
    h('h2', { id: 'start-h' }, t('tr.start')),
    field(t('tr.agreement'), agreement),
    field(t('tr.out'), out),
    h('button', { type: 'submit' }, t('tr.go')),
    status,
  )
}

/** One draw at a time: see {@link inTurn}. */
const draw = inTurn(drawPage)

async function drawPage(ctx: PageContext, list: HTMLElement): Promise<void> {
  const { transfers } = await get<{ transfers: Transfer[] }>('/api/v1/transfers')
  transfers.sort((a, b) => b.created.localeCompare(a.created))
  const agreements = [...new Set(transfers.map((tr) => tr.agreementId))]
  const duties = new Map(
    await Promise.all(
      agreements.map(
        async (id) =>
          [id, await get<Duty[]>(`/api/v1/agreements/${enc(id)}/duties`).catch(() => [])] as const,
      ),
    ),
  )
  const refresh = () => void draw(ctx, list)
  replace(
    list,
    transfers.length === 0
      ? h('p', {}, t('tr.none'))
      : h(
          'ul',
          { class: 'plain' },
          transfers.map((tr) => card(tr, duties.get(tr.agreementId) ?? [], refresh)),
        ),
  )
}

export const transfersPage: Page = {
  path: 'uebertragungen',
  title: 'page.transfers',
  async render(ctx) {
    const list = h('div', { 'aria-live': 'polite' })
    await draw(ctx, list)
    replace(
      ctx.main,
      h('h1', { tabindex: '-1' }, t('page.transfers')),
      startForm(ctx, () => void draw(ctx, list)),
      h('section', { 'aria-labelledby': 'list-h' }, h('h2', { id: 'list-h' }, t('tr.list')), list),
    )
    // Byte counts of running pulls update in place; state changes redraw the list.
    ctx.onCleanup(
      onLive(['transfer'], (_kind, data) => {
        const id = String(data.id ?? '')
        const progress = list.querySelector(`[data-progress="${CSS.escape(id)}"]`)
        if (typeof data.received === 'number' && progress !== null) {
          progress.textContent = formatBytes(data.received)
          const rate = list.querySelector(`[data-rate="${CSS.escape(id)}"]`)
          if (rate !== null) rate.textContent = throughput(id, data.received)
        } else void draw(ctx, list)
      }),
    )
  },
}
