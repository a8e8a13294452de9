import { enc, get, post } from '../api.js'
import { announce, field, h, replace, uid } from '../dom.js'
import { errorBox } from '../error-box.js'
import { defineTexts, formatTime, lang, t } from '../i18n.js'
import { inTurn } from '../in-turn.js'
import { nameOf } from '../names.js'
import type { Page, PageContext } from '../page.js'

defineTexts({
  'agr.none': ['Noch keine Verträge.', 'No agreements yet.'],
  'agr.asProvider': ['Wir liefern an', 'We provide to'],
  'agr.asConsumer': ['Wir beziehen von', 'We receive from'],
  'agr.list': ['Verträge', 'Agreements'],
  'agr.concluded': ['Geschlossen', 'Concluded'],
  'agr.terms': ['Bedingungen in Worten', 'Terms in words'],
  'agr.proofs': ['Nachweise (Signaturen)', 'Proofs (signatures)'],
  'agr.proofBy': ['signiert von {who} am {when}', 'signed by {who} on {when}'],
  'agr.revocation': ['Widerruf', 'Revocation'],
  'agr.revoked': ['widerrufen', 'revoked'],
  'agr.valid': ['gültig, nicht widerrufen', 'valid, not revoked'],
  'agr.revoke': ['Vertrag widerrufen', 'Revoke agreement'],
  'agr.revokeReason': ['Grund des Widerrufs', 'Reason for revocation'],
  'agr.revokeConfirm': [
    'Vertrag wirklich widerrufen? Laufende Übertragungen enden.',
    'Really revoke? Running transfers end.',
  ],
  'agr.revokedDone': ['Vertrag widerrufen.', 'Agreement revoked.'],
  'agr.prove': ['Nachweis für eine prüfende Stelle herunterladen', 'Download a proof for a verifier'],
  'agr.challenge': ['Prüfcode (challenge) der prüfenden Stelle', "Verifier's challenge"],
  'agr.domain': ['Domäne der prüfenden Stelle (optional)', "Verifier's domain (optional)"],
  'agr.proveButton': ['Nachweis erzeugen und herunterladen', 'Create and download the proof'],
  'agr.check': ['Vorgelegten Nachweis prüfen', 'Check a proof handed in'],
  'agr.checkFile': ['Nachweis-Datei (JSON)', 'Proof file (JSON)'],
  'agr.checkText': ['… oder den Nachweis hier einfügen', '… or paste the proof here'],
  'agr.checkButton': ['Prüfen', 'Check'],
  'agr.checkOk': ['Gültig: alle Prüfungen bestanden.', 'Valid: every check passed.'],
  'agr.checkFailed': ['Ungültig ({check}).', 'Invalid ({check}).'],
  'agr.assigner': ['Anbieter', 'Provider'],
  'agr.assignee': ['Empfänger', 'Consumer'],
  'agr.holder': ['Vorgelegt von', 'Presented by'],
  'agr.nameProven': [
    'Name aus der Mitgliedsbescheinigung, signiert von Vertrauensanker {anchor} des Datenraums „{space}“',
    'name from its membership credential, signed by trust anchor {anchor} of data space “{space}”',
  ],
  'agr.nameUnproven': ['Name nicht durch den Nachweis belegt', 'name not proven by the proof'],
  'agr.statusUnknown': [
    'Widerrufsstatus offline nicht prüfbar',
    'revocation status cannot be checked offline',
  ],
  'agr.transfer': ['Daten übertragen', 'Transfer data'],
})

/** A party's name as a checked proof proves it (`POST /api/v1/agreements/verify`). */
interface ProvenName {
  name?: string
  issuer?: string
  dataspaceTitle?: string
}

/** A party in a checked proof: the name the proof proves and where from; else its DID, said to be unproven. */
function provenParty(did: string | undefined, names: Record<string, ProvenName>) {
  if (did === undefined) return h('dd', {}, '–')
  const proven = names[did]
  if (proven?.name === undefined) return h('dd', {}, did, h('br', {}), h('small', {}, t('agr.nameUnproven')))
  return h(
    'dd',
    {},
    `${proven.name} (${did})`,
    h('br', {}),
    h(
      'small',
      {},
      t('agr.nameProven', { anchor: nameOf(proven.issuer), space: proven.dataspaceTitle ?? '' }),
    ),
  )
}

interface Agreement {
  id: string
  role: 'provider' | 'consumer'
  provider: string
  consumer: string
  datasetId: string
  purpose?: string
  concluded: string
}

interface Summary {
  revoked: boolean
  terms: { de: string[]; en: string[] }
  proofs: { verificationMethod?: string; created?: string }[]
}

function signer(method: string | undefined): string {
  return method === undefined ? '–' : nameOf(method.split('#')[0])
}

function proveForm(a: Agreement): HTMLElement {
  const challenge = h('input', { type: 'text', required: true, id: uid('ch') })
  const domain = h('input', { type: 'text', id: uid('dom') })
  const status = h('div', { 'aria-live': 'polite' })
  return h(
    'form',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault()
        try {
          const presentation = await post<unknown>(`/api/v1/agreements/${enc(a.id)}/presentation`, {
            challenge: challenge.value.trim(),
            ...(domain.value.trim() === '' ? {} : { domain: domain.value.trim() }),
          })
          const blob = new Blob([`${JSON.stringify(presentation, null, 2)}\n`], { type: 'application/json' })
          const link = h('a', {
            href: URL.createObjectURL(blob),
            download: `vertrag-${a.id.replace(/[^\w-]/g, '_')}.json`,
          })
          link.click()
          URL.revokeObjectURL(link.href)
          replace(status)
        } catch (error) {
          replace(status, errorBox(error))
        }
      },
    },
    h('h4', {}, t('agr.prove')),
    field(t('agr.challenge'), challenge),
    field(t('agr.domain'), domain),
    h('button', { type: 'submit', class: 'secondary' }, t('agr.proveButton')),
    status,
  )
}

function revokeForm(a: Agreement, done: () => void): HTMLElement {
  const reason = h('input', { type: 'text', id: uid('why') })
  const status = h('div', { 'aria-live': 'polite' })
  return h(
    'form',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault()
        if (!confirm(t('agr.revokeConfirm'))) return
        try {
          await post(
            `/api/v1/agreements/${enc(a.id)}/revoke`,
            reason.value.trim() === '' ? {} : { reason: reason.value.trim() },
          )
          announce(t('agr.revokedDone'))
          done()
        } catch (error) {
          replace(status, errorBox(error))
        }
      },
    },
    field(t('agr.revokeReason'), reason),
    h('button', { type: 'submit', class: 'danger' }, t('agr.revoke')),
    status,
  )
}

async function agreementCard(a: Agreement, refresh: () => void): Promise<HTMLElement> {
  const summary = await get<Summary>(`/api/v1/agreements/${enc(a.id)}/summary`)
  const other = a.role === 'provider' ? a.consumer : a.provider
  return h(
    'li',
    { class: 'hit', id: `agr-${a.id}` },
    h('h3', {}, `${t(a.role === 'provider' ? 'agr.asProvider' : 'agr.asConsumer')} – ${nameOf(other)}`),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('common.dataset')),
      h('dd', {}, h('code', {}, a.datasetId)),
      h('dt', {}, t('agr.concluded')),
      h('dd', {}, formatTime(a.concluded)),
      h('dt', {}, t('agr.revocation')),
      h('dd', { class: summary.revoked ? 'bad' : 'ok' }, t(summary.revoked ? 'agr.revoked' : 'agr.valid')),
      h('dt', {}, 'ID'),
      h('dd', {}, h('code', { class: 'id' }, a.id)),
    ),
    h('h4', {}, t('agr.terms')),
    h(
      'div',
      { class: 'explanation' },
      summary.terms[lang()].map((s) => h('p', {}, s)),
    ),
    h('h4', {}, t('agr.proofs')),
    h(
      'ul',
      {},
      summary.proofs.map((p) =>
        h('li', {}, t('agr.proofBy', { who: signer(p.verificationMethod), when: formatTime(p.created) })),
      ),
    ),
    a.role === 'consumer' && !summary.revoked
      ? h(
          'p',
          {},
          h('a', { class: 'button', href: `#/uebertragungen?agreement=${enc(a.id)}` }, t('agr.transfer')),
        )
      : null,
    h('details', {}, h('summary', {}, t('agr.prove')), proveForm(a)),
    a.role === 'provider' && !summary.revoked
      ? h('details', {}, h('summary', {}, t('agr.revoke')), revokeForm(a, refresh))
      : null,
  )
}

/** Checks a presentation or credential someone hands in, offline, like `allmende contract verify`. */
function checkSection(): HTMLElement {
  const file = h('input', { type: 'file', accept: 'application/json,.json', id: uid('file') })
  const text = h('textarea', { rows: '6', spellcheck: 'false', id: uid('proof') })
  const challenge = h('input', { type: 'text', id: uid('ch') })
  const out = h('div', { 'aria-live': 'polite' })
  file.addEventListener('change', async () => {
    const chosen = file.files?.[0]
    if (chosen !== undefined) text.value = await chosen.text()
  })
  return h(
    'section',
    { 'aria-labelledby': 'check-h' },
    h('h2', { id: 'check-h' }, t('agr.check')),
    h(
      'form',
      {
        onsubmit: async (event: Event) => {
          event.preventDefault()
          try {
            const document = JSON.parse(text.value) as unknown
            const result = await post<Record<string, unknown>>('/api/v1/agreements/verify', {
              document,
              ...(challenge.value.trim() === '' ? {} : { challenge: challenge.value.trim() }),
            })
            if (result.verified !== true) {
              replace(
                out,
                h(
                  'div',
                  { class: 'error', role: 'alert' },
                  h('p', {}, t('agr.checkFailed', { check: String(result.check) })),
                  h('p', { lang: 'en' }, String(result.message)),
                ),
              )
              return
            }
            const agreement =
              (result.agreement as {
                assigner?: string
                assignee?: string
                agreement?: unknown
                status?: { state: string }
              }) ?? {}
            const inner = (agreement.agreement === undefined ? result : agreement) as {
              assigner?: string
              assignee?: string
              status?: { state: string }
            }
            const terms = result.terms as { de: string[]; en: string[] }
            const names = (result.names ?? {}) as Record<string, ProvenName>
            replace(
              out,
              h('p', { class: 'ok', role: 'status' }, t('agr.checkOk')),
              h(
                'dl',
                { class: 'facts' },
                h('dt', {}, t('agr.assigner')),
                provenParty(inner.assigner, names),
                h('dt', {}, t('agr.assignee')),
                provenParty(inner.assignee, names),
                result.holder === undefined
                  ? null
                  : [h('dt', {}, t('agr.holder')), provenParty(String(result.holder), names)],
                h('dt', {}, t('agr.revocation')),
                h('dd', {}, inner.status?.state === 'unknown' ? t('agr.statusUnknown') : t('agr.valid')),
              ),
              h(
                'div',
                { class: 'explanation' },
                terms[lang()].map((s) => h('p', {}, s)),
              ),
            )
          } catch (error) {
            replace(out, errorBox(error))
          }
        },
      },
      field(t('agr.checkFile'), file),
      field(t('agr.checkText'), text),
      field(t('agr.challenge'), challenge),
      h('button', { type: 'submit' }, t('agr.checkButton')),
    ),
    out,
  )
}

/** One draw at a time: see {@link inTurn}. */
const draw = inTurn(drawPage)

async function drawPage(ctx: PageContext): Promise<void> {
  const { agreements } = await get<{ agreements: Agreement[] }>('/api/v1/agreements')
  agreements.sort((a, b) => b.concluded.localeCompare(a.concluded))
  const refresh = () => void draw(ctx).catch((e) => replace(ctx.main, errorBox(e)))
  const cards = await Promise.all(agreements.map((a) => agreementCard(a, refresh)))
  replace(
    ctx.main,
    h('h1', { tabindex: '-1' }, t('page.agreements')),
    h(
      'section',
      { 'aria-labelledby': 'list-h' },
      h('h2', { id: 'list-h' }, t('agr.list')),
      agreements.length === 0 ? h('p', {}, t('agr.none')) : h('ul', { class: 'plain' }, cards),
    ),
    checkSection(),
  )
}

export const agreementsPage: Page = {
  path: 'vertraege',
  title: 'page.agreements',
  async render(ctx) {
    await draw(ctx)
    ctx.live(['agreement'], () => void draw(ctx))
  },
}
