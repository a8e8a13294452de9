import { enc, get, post } from '../api.js'
import { announce, field, h, replace, uid } from '../dom.js'
import { errorBox } from '../error-box.js'
import { defineTexts, formatTime, t } from '../i18n.js'
import { inTurn } from '../in-turn.js'
import { nameOf } from '../names.js'
import type { Page, PageContext } from '../page.js'

defineTexts({
  'neg.none': ['Noch keine Verhandlungen.', 'No negotiations yet.'],
  'neg.waiting': ['Warten auf Ihre Zustimmung', 'Waiting for your approval'],
  'neg.all': ['Alle Verhandlungen', 'All negotiations'],
  'neg.title': ['{dataset} – {party}', '{dataset} – {party}'],
  'neg.purpose': ['Erklärter Zweck', 'Declared purpose'],
  'neg.timeline': ['Verlauf', 'Timeline'],
  'neg.approve': ['Zustimmen', 'Approve'],
  'neg.terminate': ['Beenden', 'Terminate'],
  'neg.reason': ['Grund für das Beenden', 'Reason for terminating'],
  'neg.reasonDefault': ['vom Datenverantwortlichen beendet', 'ended by the data officer'],
  'neg.approved': ['Zugestimmt.', 'Approved.'],
  'neg.terminated': ['Beendet.', 'Terminated.'],
  'neg.agreement': ['Vertrag', 'Agreement'],
  'neg.awaiting': ['Wartet auf Freigabe: {why}', 'Awaiting approval: {why}'],
  'state.REQUESTED': ['angefragt', 'requested'],
  'state.OFFERED': ['angeboten', 'offered'],
  'state.ACCEPTED': ['angenommen', 'accepted'],
  'state.AGREED': ['vereinbart', 'agreed'],
  'state.VERIFIED': ['bestätigt', 'verified'],
  'state.FINALIZED': ['abgeschlossen', 'finalized'],
  'state.TERMINATED': ['beendet', 'terminated'],
  'state.STARTED': ['läuft', 'running'],
  'state.SUSPENDED': ['angehalten', 'suspended'],
  'state.COMPLETED': ['fertig', 'completed'],
  'state.INITIAL': ['begonnen', 'initial'],
})

interface Step {
  state: string
  at: string
  reason?: string
  code?: string
}

interface Negotiation {
  id: string
  role: 'provider' | 'consumer'
  counterparty: string
  state: string
  datasetId: string
  purpose?: string
  agreementId?: string
  awaitingApproval?: string
  history: Step[]
  created: string
  updated: string
}

/** A state in words (`FINALIZED` → „abgeschlossen“). */
export function stateText(state: string): string {
  const key = `state.${state}`
  const text = t(key)
  return text === key ? state : text
}

function purposeText(iri: string | undefined): string {
  if (iri === undefined) return '–'
  return iri.slice(Math.max(iri.lastIndexOf('#'), iri.lastIndexOf('/')) + 1)
}

function timeline(n: Negotiation): HTMLElement {
  return h(
    'ol',
    { class: 'timeline', 'aria-label': t('neg.timeline') },
    n.history.map((s) =>
      h(
        'li',
        {},
        h('strong', {}, stateText(s.state)),
        ` · ${formatTime(s.at)}`,
        s.reason === undefined ? null : [' · ', h('span', { lang: 'en' }, s.reason)],
        s.code === undefined ? null : [' ', h('code', {}, s.code)],
      ),
    ),
  )
}

/** Approve or terminate (with a reason) a request that waits for the data officer. */
function decision(n: Negotiation, done: () => void): HTMLElement {
  const reason = h('input', { type: 'text', id: uid('reason') })
  reason.placeholder = t('neg.reasonDefault')
  const status = h('div', { 'aria-live': 'polite' })
  const act = async (what: 'approve' | 'terminate') => {
    try {
      await post(
        `/api/v1/negotiations/${enc(n.id)}/${what}`,
        what === 'terminate' ? { reason: reason.value.trim() || t('neg.reasonDefault') } : {},
      )
      announce(t(what === 'approve' ? 'neg.approved' : 'neg.terminated'))
      done()
    } catch (error) {
      replace(status, errorBox(error))
    }
  }
  return h(
    'div',
    { class: 'decision' },
    h('p', { class: 'notice' }, t('neg.awaiting', { why: n.awaitingApproval ?? '' })),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', onclick: () => void act('approve') }, t('neg.approve')),
      field(t('neg.reason'), reason),
      h(
        'button',
        { type: 'button', class: 'danger', onclick: () => void act('terminate') },
        t('neg.terminate'),
      ),
    ),
    status,
  )
}

function card(n: Negotiation, focus: boolean, refresh: () => void): HTMLElement {
  const party = nameOf(n.counterparty)
  return h(
    'li',
    { class: `hit${focus ? ' focus' : ''}`, id: `neg-${n.id}` },
    h(
      'h3',
      {},
      `${stateText(n.state)}: `,
      n.role === 'provider' ? t('common.roleProvider') : t('common.roleConsumer'),
      ` – ${party}`,
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('common.dataset')),
      h('dd', {}, h('code', {}, n.datasetId)),
      h('dt', {}, t('common.counterparty')),
      h('dd', {}, party, ' ', h('code', { class: 'id' }, n.counterparty)),
      h('dt', {}, t('neg.purpose')),
      h('dd', {}, purposeText(n.purpose)),
      n.agreementId === undefined
        ? null
        : [
            h('dt', {}, t('neg.agreement')),
            h('dd', {}, h('a', { href: `#/vertraege?id=${enc(n.agreementId)}` }, n.agreementId)),
          ],
    ),
    timeline(n),
    n.role === 'provider' && n.awaitingApproval !== undefined && n.state === 'REQUESTED'
      ? decision(n, refresh)
      : null,
  )
}

/** One draw at a time: see {@link inTurn}. */
const draw = inTurn(drawPage)

async function drawPage(ctx: PageContext): Promise<void> {
  const { negotiations } = await get<{ negotiations: Negotiation[] }>('/api/v1/negotiations')
  negotiations.sort((a, b) => b.updated.localeCompare(a.updated))
  const focusId = ctx.params.get('id')
  const refresh = () => void draw(ctx).catch((e) => replace(ctx.main, errorBox(e)))
  const waiting = negotiations.filter(
    (n) => n.role === 'provider' && n.awaitingApproval !== undefined && n.state === 'REQUESTED',
  )
  const others = negotiations.filter((n) => !waiting.includes(n))
  replace(
    ctx.main,
    h('h1', { tabindex: '-1' }, t('page.negotiations')),
    negotiations.length === 0 ? h('p', {}, t('neg.none')) : null,
    waiting.length === 0
      ? null
      : h(
          'section',
          { 'aria-labelledby': 'wait-h' },
          h('h2', { id: 'wait-h' }, t('neg.waiting')),
          h(
            'ul',
            { class: 'plain' },
            waiting.map((n) => card(n, n.id === focusId, refresh)),
          ),
        ),
    others.length === 0
      ? null
      : h(
          'section',
          { 'aria-labelledby': 'all-h' },
          h('h2', { id: 'all-h' }, t('neg.all')),
          h(
            'ul',
            { class: 'plain' },
            others.map((n) => card(n, n.id === focusId, refresh)),
          ),
        ),
  )
}

export const negotiationsPage: Page = {
  path: 'verhandlungen',
  title: 'page.negotiations',
  async render(ctx) {
    await draw(ctx)
    ctx.live(['negotiation', 'agreement'], () => void draw(ctx))
  },
}
