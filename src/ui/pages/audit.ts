import { get } from '../api.js'
import { h, replace, table, uid } from '../dom.js'
import { errorBox } from '../error-box.js'
import { defineTexts, formatNumber, formatTime, t } from '../i18n.js'
import { inTurn } from '../in-turn.js'
import type { Page, PageContext } from '../page.js'

defineTexts({
  'aud.chain': ['Kette geprüft', 'Chain verified'],
  'aud.ok': [
    'Die Kette ist lückenlos, jede Signatur und jeder Hash stimmt ({n} Einträge).',
    'The chain is complete; every signature and hash is valid ({n} entries).',
  ],
  'aud.bad': ['Eintrag {seq} ist fehlerhaft: {reason}', 'Entry {seq} is faulty: {reason}'],
  'aud.filters': ['Filter', 'Filters'],
  'aud.area': ['Bereich', 'Area'],
  'aud.all': ['alle', 'all'],
  'aud.area.negotiation': ['Verhandlungen', 'negotiations'],
  'aud.area.agreement': ['Verträge', 'agreements'],
  'aud.area.transfer': ['Übertragungen', 'transfers'],
  'aud.area.duty': ['Pflichten', 'duties'],
  'aud.area.catalog': ['Katalog', 'catalog'],
  'aud.area.membership': ['Mitgliedschaft', 'membership'],
  'aud.subject': ['Betreff enthält', 'Subject contains'],
  'aud.since': ['ab Datum', 'from date'],
  'aud.entries': ['Einträge (neueste zuerst, bis zu 500)', 'Entries (newest first, up to 500)'],
  'aud.seq': ['Nr.', 'No.'],
  'aud.type': ['Ereignis', 'Event'],
  'aud.subjectCol': ['Betreff', 'Subject'],
  'aud.shown': ['{n} von {total} Einträgen', '{n} of {total} entries'],
})

interface Entry {
  seq: number
  time: string
  type: string
  subject: string
}

const WINDOW = 500
const AREAS = ['negotiation', 'agreement', 'transfer', 'duty', 'catalog', 'membership'] as const

async function latest(): Promise<Entry[]> {
  const first = await get<{ head: { seq: number } }>('/api/v1/audit?limit=1')
  const since = Math.max(0, first.head.seq - WINDOW)
  const page = await get<{ entries: Entry[] }>(`/api/v1/audit?since=${since}&limit=${WINDOW}`)
  return page.entries.reverse()
}

/** One draw at a time: see {@link inTurn}. */
const draw = inTurn(drawPage)

async function drawPage(ctx: PageContext): Promise<void> {
  const [verification, entries] = await Promise.all([
    get<{ ok: boolean; entries: number; firstBad?: { seq: number; reason: string } }>('/api/v1/audit/verify'),
    latest(),
  ])
  const area = h(
    'select',
    { id: uid('area') },
    h('option', { value: '' }, t('aud.all')),
    AREAS.map((a) => h('option', { value: a }, t(`aud.area.${a}`))),
  )
  const subject = h('input', { type: 'search', id: uid('subj') })
  const since = h('input', { type: 'date', id: uid('since') })
  const tableSlot = h('div', { 'aria-live': 'polite' })
  const apply = () => {
    const shown = entries.filter(
      (e) =>
        (area.value === '' || e.type.startsWith(`${area.value}.`)) &&
        (subject.value.trim() === '' ||
          e.subject.toLowerCase().includes(subject.value.trim().toLowerCase())) &&
        (since.value === '' || e.time >= since.value),
    )
    replace(
      tableSlot,
      h(
        'p',
        { role: 'status' },
        t('aud.shown', { n: formatNumber(shown.length), total: formatNumber(entries.length) }),
      ),
      table(
        t('aud.entries'),
        [t('aud.seq'), t('common.time'), t('aud.type'), t('aud.subjectCol')],
        shown.map((e) => [
          String(e.seq),
          formatTime(e.time),
          h('code', {}, e.type),
          h('code', { class: 'id' }, e.subject),
        ]),
      ),
    )
  }
  for (const control of [area, subject, since]) control.addEventListener('input', apply)
  replace(
    ctx.main,
    h('h1', { tabindex: '-1' }, t('page.audit')),
    h(
      'section',
      { 'aria-labelledby': 'chain-h' },
      h('h2', { id: 'chain-h' }, t('aud.chain')),
      verification.ok
        ? h(
            'p',
            { class: 'ok', id: 'chain-state' },
            `✔ ${t('aud.ok', { n: formatNumber(verification.entries) })}`,
          )
        : h(
            'p',
            { class: 'bad', role: 'alert', id: 'chain-state' },
            `✘ ${t('aud.bad', { seq: verification.firstBad?.seq ?? '?', reason: verification.firstBad?.reason ?? '' })}`,
          ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'filter-h' },
      h('h2', { id: 'filter-h' }, t('aud.filters')),
      h(
        'div',
        { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: area.id }, t('aud.area')), area),
        h('div', { class: 'field' }, h('label', { for: subject.id }, t('aud.subject')), subject),
        h('div', { class: 'field' }, h('label', { for: since.id }, t('aud.since')), since),
      ),
    ),
    tableSlot,
  )
  apply()
}

export const auditPage: Page = {
  path: 'protokoll',
  title: 'page.audit',
  async render(ctx) {
    await draw(ctx)
    ctx.live(['audit'], () => void draw(ctx).catch((e) => replace(ctx.main, errorBox(e))), 1000)
  },
}
