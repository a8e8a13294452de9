import { ApiError, del, enc, get, post } from '../api.js'
import { announce, facts, field, h, replace, table, uid } from '../dom.js'
import { errorBox } from '../error-box.js'
import { defineTexts, formatTime, t } from '../i18n.js'
import { inTurn } from '../in-turn.js'
import { learnNames, nameOf } from '../names.js'
import type { Page, PageContext } from '../page.js'

defineTexts({
  'ds2.none': [
    'Dieser Knoten gehört keinem Datenraum mit Beschreibung an. Beitreten: allmende dataspace join --descriptor DATEI',
    'This node belongs to no data space with a descriptor. Join with: allmende dataspace join --descriptor FILE',
  ],
  'ds2.descriptor': ['Beschreibung des Datenraums', 'Data space descriptor'],
  'ds2.id': ['Kennung', 'Identifier'],
  'ds2.title': ['Titel', 'Title'],
  'ds2.anchors': ['Vertrauensanker', 'Trust anchors'],
  'ds2.required': ['Nötige Bestätigungen', 'Endorsements required'],
  'ds2.profile': ['ODRL-Profil', 'ODRL profile'],
  'ds2.bootstrap': ['Einstiegsknoten', 'Bootstrap nodes'],
  'ds2.refresh': ['Prüfintervall für Widerrufe', 'Revocation check interval'],
  'ds2.seconds': ['{n} Sekunden', '{n} seconds'],
  'ds2.json': ['Beschreibung als JSON', 'Descriptor as JSON'],
  'ds2.members': ['Mitglieder', 'Members'],
  'ds2.state': ['Stand', 'State'],
  'ds2.active': ['aktiv', 'active'],
  'ds2.revokedState': ['widerrufen', 'revoked'],
  'ds2.endorsed': ['Bestätigt am', 'Endorsed on'],
  'ds2.connected': ['Verbunden', 'Connected'],
  'ds2.endorse': ['Mitglied aufnehmen (bestätigen)', 'Endorse a member'],
  'ds2.endorseDid': ['DID des neuen Mitglieds', 'DID of the new member'],
  'ds2.endorseButton': ['Bestätigen', 'Endorse'],
  'ds2.endorsedDone': ['{who} ist jetzt Mitglied.', '{who} is now a member.'],
  'ds2.revoke': ['Widerrufen', 'Revoke'],
  'ds2.revokeConfirm': [
    'Mitgliedschaft von {who} wirklich widerrufen?',
    'Really revoke the membership of {who}?',
  ],
  'ds2.revokedDone': ['Mitgliedschaft von {who} widerrufen.', 'Membership of {who} revoked.'],
  'ds2.notAnchor': [
    'Nur Vertrauensanker nehmen Mitglieder auf und widerrufen sie.',
    'Only trust anchors endorse and revoke members.',
  ],
  'ds2.endorsedBy': ['Bestätigt von', 'Endorsed by'],
})

interface Summary {
  id: string
  title: string
  trustAnchor: string[]
  endorsementsRequired: number
  bootstrap: string[]
  odrlProfile?: string
  anchor: boolean
  endorsedBy: string[]
  refreshSeconds: number
  descriptor: unknown
}

interface Member {
  did: string
  name?: string
  state: 'active' | 'revoked'
  endorsedAt: string
  revokedAt?: string
  connected: boolean
}

function membersSection(refresh: () => void, members: Member[]): HTMLElement {
  const did = h('input', {
    type: 'text',
    required: true,
    id: uid('did'),
    pattern: 'did:key:z[1-9A-HJ-NP-Za-km-z]+',
  })
  const status = h('div', { 'aria-live': 'polite' })
  return h(
    'section',
    { 'aria-labelledby': 'members-h' },
    h('h2', { id: 'members-h' }, t('ds2.members')),
    table(
      t('ds2.members'),
      [t('overview.name'), 'DID', t('ds2.state'), t('ds2.endorsed'), t('ds2.connected'), t('common.actions')],
      members.map((m) => [
        nameOf(m.did),
        h('code', { class: 'id' }, m.did),
        m.state === 'active' ? t('ds2.active') : `${t('ds2.revokedState')} (${formatTime(m.revokedAt)})`,
        formatTime(m.endorsedAt),
        t(m.connected ? 'common.yes' : 'common.no'),
        m.state === 'active'
          ? h(
              'button',
              {
                type: 'button',
                class: 'danger',
                'aria-label': `${t('ds2.revoke')}: ${nameOf(m.did)}`,
                onclick: async () => {
                  if (!confirm(t('ds2.revokeConfirm', { who: nameOf(m.did) }))) return
                  try {
                    await del(`/api/v1/dataspace/members/${enc(m.did)}`)
                    announce(t('ds2.revokedDone', { who: nameOf(m.did) }))
                    refresh()
                  } catch (error) {
                    replace(status, errorBox(error))
                  }
                },
              },
              t('ds2.revoke'),
            )
          : '–',
      ]),
    ),
    h(
      'form',
      {
        'aria-labelledby': 'endorse-h',
        onsubmit: async (event: Event) => {
          event.preventDefault()
          try {
            await post('/api/v1/dataspace/members', { did: did.value.trim() })
            announce(t('ds2.endorsedDone', { who: nameOf(did.value.trim()) }))
            refresh()
          } catch (error) {
            replace(status, errorBox(error))
          }
        },
      },
      h('h3', { id: 'endorse-h' }, t('ds2.endorse')),
      field(t('ds2.endorseDid'), did),
      h('button', { type: 'submit' }, t('ds2.endorseButton')),
    ),
    status,
  )
}

/** One draw at a time: see {@link inTurn}. */
const draw = inTurn(drawPage)

async function drawPage(ctx: PageContext): Promise<void> {
  let summary: Summary
  try {
    summary = await get<Summary>('/api/v1/dataspace')
  } catch (error) {
    if (error instanceof ApiError && error.code === 'ALLMENDE_NO_DATASPACE') {
      replace(ctx.main, h('h1', { tabindex: '-1' }, t('page.dataspace')), h('p', {}, t('ds2.none')))
      return
    }
    throw error
  }
  const members = summary.anchor
    ? (await get<{ members: Member[] }>('/api/v1/dataspace/members')).members
    : []
  learnNames(Object.fromEntries(members.map((m) => [m.did, m.name])))
  const refresh = () => void draw(ctx).catch((e) => replace(ctx.main, errorBox(e)))
  replace(
    ctx.main,
    h('h1', { tabindex: '-1' }, t('page.dataspace')),
    h(
      'section',
      { 'aria-labelledby': 'desc-h' },
      h('h2', { id: 'desc-h' }, t('ds2.descriptor')),
      facts([
        [t('ds2.title'), summary.title],
        [t('ds2.id'), h('code', {}, summary.id)],
        [
          t('ds2.anchors'),
          h(
            'ul',
            { class: 'plain' },
            summary.trustAnchor.map((a) => h('li', {}, nameOf(a), ' ', h('code', { class: 'id' }, a))),
          ),
        ],
        [t('ds2.required'), String(summary.endorsementsRequired)],
        ...(summary.endorsedBy.length === 0
          ? []
          : [[t('ds2.endorsedBy'), summary.endorsedBy.map(nameOf).join(', ')] as [string, string]]),
        [
          t('ds2.bootstrap'),
          h(
            'ul',
            { class: 'plain' },
            summary.bootstrap.map((b) => h('li', {}, h('code', { class: 'id' }, b))),
          ),
        ],
        [t('ds2.refresh'), t('ds2.seconds', { n: summary.refreshSeconds })],
        ...(summary.odrlProfile === undefined
          ? []
          : [[t('ds2.profile'), h('code', {}, summary.odrlProfile)] as [string, HTMLElement]]),
      ]),
      h(
        'details',
        {},
        h('summary', {}, t('ds2.json')),
        h('pre', {}, JSON.stringify(summary.descriptor, null, 2)),
      ),
    ),
    summary.anchor ? membersSection(refresh, members) : h('p', {}, t('ds2.notAnchor')),
  )
}

export const dataspacePage: Page = {
  path: 'datenraum',
  title: 'page.dataspace',
  async render(ctx) {
    await draw(ctx)
    ctx.live(['dataspace', 'peer'], () => void draw(ctx).catch(() => undefined), 1000)
  },
}
