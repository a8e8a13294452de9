import { del, enc, get, post } from '../api.js'
import { announce, h, replace, uid } from '../dom.js'
import { errorBox } from '../error-box.js'
import { defineTexts, formatDate, formatTime, lang, t } from '../i18n.js'
import { inTurn } from '../in-turn.js'
import { learnNames, nameOf } from '../names.js'
import type { Page, PageContext } from '../page.js'
import { type DatasetRecord, datasetForm } from './dataset-form.js'

defineTexts({
  'cat.own': ['Eigene Datensätze', 'Own datasets'],
  'cat.add': ['Datensatz hinzufügen', 'Add dataset'],
  'cat.noOwn': ['Dieser Knoten bietet noch keine Datensätze an.', 'This node offers no datasets yet.'],
  'cat.offers': ['{n} Angebot(e)', '{n} offer(s)'],
  'cat.version': ['Version {v}', 'version {v}'],
  'cat.editPolicy': ['Angebot im Editor öffnen', 'Open offer in the editor'],
  'cat.removeConfirm': [
    'Datensatz „{title}“ wirklich zurückziehen? Bestehende Verträge bleiben.',
    'Really withdraw dataset “{title}”? Existing agreements stay.',
  ],
  'cat.removed': ['Datensatz „{title}“ zurückgezogen.', 'Dataset “{title}” withdrawn.'],
  'cat.federated': ['Katalog des Datenraums', 'Catalog of the data space'],
  'cat.searchLabel': ['Suchbegriffe', 'Search terms'],
  'cat.refresh': ['Bei allen Mitgliedern nachfragen', 'Ask all members'],
  'cat.hits': ['{n} Treffer', '{n} results'],
  'cat.noHits': ['Nichts gefunden.', 'Nothing found.'],
  'cat.more': ['Weitere anzeigen', 'Show more'],
  'cat.offer': ['Angebot', 'Offer'],
  'cat.terms': ['Bedingungen', 'Terms'],
  'cat.validFrom': ['gültig ab', 'valid from'],
  'cat.validUntil': ['gültig bis', 'valid until'],
  'cat.purposes': ['Erlaubte Zwecke', 'Permitted purposes'],
  'cat.anyPurpose': ['kein Zweck verlangt', 'no purpose required'],
  'cat.request': ['Vertrag anfragen', 'Request contract'],
  'cat.requestFor': ['Vertrag anfragen: {title}', 'Request a contract: {title}'],
  'cat.purpose': ['Zweck der Nutzung', 'Purpose of use'],
  'cat.send': ['Anfrage senden', 'Send request'],
  'cat.requested': ['Anfrage gesendet; Verhandlung {id}.', 'Request sent; negotiation {id}.'],
  'cat.toNegotiation': ['Zur Verhandlung', 'Go to the negotiation'],
  'cat.fetched': ['abgerufen', 'fetched'],
})

interface OfferSummary {
  id: string
  terms: { de: string; en: string }
  purposes: { iri: string; label?: { de: string; en: string } }[]
  validFrom?: string
  validUntil?: string
}

interface Hit {
  provider: string
  datasetId: string
  version: number
  title: string
  description: string
  keyword: string[]
  publisher?: string
  local: boolean
  fetchedAt?: string
  offers: OfferSummary[]
}

const PAGE_SIZE = 50
/** The API's largest page: past a thousand hits a narrower search helps more than scrolling. */
const MAX_SHOWN = 1000

function purposeLabel(p: OfferSummary['purposes'][number]): string {
  return p.label?.[lang()] ?? p.iri.slice(Math.max(p.iri.lastIndexOf('#'), p.iri.lastIndexOf('/')) + 1)
}

/** The contract request form for one offer: the purpose is chosen from what the offer allows. */
function requestForm(hit: Hit, offer: OfferSummary): HTMLElement {
  const headingId = uid('req')
  const purpose = h(
    'select',
    { id: uid('purpose') },
    offer.purposes.length === 0 ? h('option', { value: '' }, t('cat.anyPurpose')) : null,
    offer.purposes.map((p) => h('option', { value: p.iri }, purposeLabel(p))),
  )
  const status = h('div', { 'aria-live': 'polite' })
  const submit = async (event: Event) => {
    event.preventDefault()
    try {
      const negotiation = await post<{ id: string }>('/api/v1/negotiations', {
        provider: hit.provider,
        dataset: hit.datasetId,
        offer: offer.id,
        ...(purpose.value === '' ? {} : { purpose: purpose.value }),
      })
      replace(
        status,
        h(
          'p',
          { class: 'notice', role: 'status' },
          t('cat.requested', { id: negotiation.id }),
          ' ',
          h('a', { href: `#/verhandlungen?id=${enc(negotiation.id)}` }, t('cat.toNegotiation')),
        ),
      )
    } catch (error) {
      replace(status, errorBox(error))
    }
  }
  return h(
    'form',
    { class: 'request', 'aria-labelledby': headingId, onsubmit: (e: Event) => void submit(e) },
    h('h4', { id: headingId }, t('cat.requestFor', { title: hit.title })),
    h('div', { class: 'field' }, h('label', { for: purpose.id }, t('cat.purpose')), purpose),
    h('button', { type: 'submit' }, t('cat.send')),
    status,
  )
}

function offerView(hit: Hit, offer: OfferSummary): HTMLElement {
  const slot = h('div', {})
  const button = h(
    'button',
    {
      type: 'button',
      'aria-expanded': 'false',
      onclick: () => {
        const open = button.getAttribute('aria-expanded') === 'true'
        button.setAttribute('aria-expanded', String(!open))
        replace(slot, open ? null : requestForm(hit, offer))
        slot.querySelector('select')?.focus()
      },
    },
    t('cat.request'),
  )
  return h(
    'div',
    { class: 'offer' },
    h('p', { class: 'terms' }, h('strong', {}, `${t('cat.terms')}: `), offer.terms[lang()]),
    h(
      'p',
      {},
      h('strong', {}, `${t('cat.purposes')}: `),
      offer.purposes.length === 0 ? t('cat.anyPurpose') : offer.purposes.map(purposeLabel).join(', '),
      offer.validFrom === undefined ? null : ` · ${t('cat.validFrom')} ${formatDate(offer.validFrom)}`,
      offer.validUntil === undefined ? null : ` · ${t('cat.validUntil')} ${formatDate(offer.validUntil)}`,
    ),
    h('p', { class: 'hint' }, `${t('cat.offer')}: `, h('code', {}, offer.id)),
    hit.local ? null : [button, slot],
  )
}

function hitView(hit: Hit): HTMLElement {
  return h(
    'li',
    { class: 'hit' },
    h('h3', {}, hit.title),
    h(
      'p',
      { class: 'hint' },
      `${t('common.provider')}: `,
      h('span', { class: 'provider' }, hit.local ? t('common.thisNode') : nameOf(hit.provider)),
      hit.fetchedAt === undefined ? null : ` · ${t('cat.fetched')} ${formatTime(hit.fetchedAt)}`,
    ),
    h('p', {}, hit.description),
    hit.offers.map((o) => offerView(hit, o)),
  )
}

function federatedSection(ctx: PageContext): HTMLElement {
  const q = h('input', { type: 'search', id: uid('q'), name: 'q' })
  q.value = ctx.params.get('q') ?? ''
  const results = h('div', { 'aria-live': 'polite', 'aria-busy': 'false' })
  let shown = PAGE_SIZE
  let refreshNext = false
  // In turn: a live event during a search must not let the older answer land last.
  const load = inTurn(async () => {
    results.setAttribute('aria-busy', 'true')
    // The node's own datasets are listed in their own section; this one pages through the others'.
    const query = new URLSearchParams({ local: 'false', limit: String(shown) })
    if (q.value.trim() !== '') query.set('q', q.value.trim())
    if (refreshNext) query.set('refresh', 'true')
    refreshNext = false
    try {
      const { datasets: remote, total } = await get<{ datasets: Hit[]; total: number }>(
        `/api/v1/catalog?${query}`,
      )
      learnNames(Object.fromEntries(remote.map((d) => [d.provider, d.publisher])))
      const list = h('ul', { class: 'plain hits' }, remote.map(hitView))
      replace(
        results,
        h('p', { role: 'status' }, total === 0 ? t('cat.noHits') : t('cat.hits', { n: total })),
        list,
        total > remote.length && shown < MAX_SHOWN
          ? h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                onclick: () => {
                  shown = Math.min(shown + PAGE_SIZE, MAX_SHOWN)
                  void load()
                },
              },
              t('cat.more'),
            )
          : null,
      )
      performance.mark('allmende:catalog')
    } catch (error) {
      replace(results, errorBox(error))
    }
    results.setAttribute('aria-busy', 'false')
  })
  ctx.live(['catalog', 'peer'], () => void load())
  void load()
  return h(
    'section',
    { 'aria-labelledby': 'fed-h' },
    h('h2', { id: 'fed-h' }, t('cat.federated')),
    h(
      'form',
      {
        role: 'search',
        class: 'row',
        onsubmit: (e: Event) => {
          e.preventDefault()
          shown = PAGE_SIZE
          void load()
        },
      },
      h('label', { for: q.id }, t('cat.searchLabel')),
      q,
      h('button', { type: 'submit' }, t('common.search')),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            refreshNext = true
            void load()
          },
        },
        t('cat.refresh'),
      ),
    ),
    results,
  )
}

function ownSection(ctx: PageContext): HTMLElement {
  const body = h('div', {})
  // `#/katalog?new=1` (from the policy editor) opens the form once, with the offer handed over.
  let openForm = ctx.params.get('new') === '1'
  const draw = inTurn(async () => {
    const { datasets } = await get<{ datasets: DatasetRecord[] }>('/api/v1/datasets')
    const showForm = (existing?: DatasetRecord) => {
      replace(
        body,
        datasetForm(ctx.self, existing, () => {
          void draw()
          body.querySelector<HTMLElement>('h2, button')?.focus()
        }),
      )
      body.querySelector<HTMLElement>('input')?.focus()
    }
    replace(
      body,
      h('button', { type: 'button', onclick: () => showForm() }, t('cat.add')),
      datasets.length === 0
        ? h('p', {}, t('cat.noOwn'))
        : h(
            'ul',
            { class: 'plain' },
            datasets.map((d) =>
              h(
                'li',
                { class: 'hit' },
                h('h3', {}, d.title),
                h(
                  'p',
                  { class: 'hint' },
                  `${t('cat.version', { v: d.version })} · ${t('cat.offers', { n: d.offers.length })} · `,
                  h('code', {}, d.id),
                ),
                h('p', {}, d.description),
                h(
                  'div',
                  { class: 'row' },
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'secondary',
                      'aria-label': `${t('common.edit')}: ${d.title}`,
                      onclick: () => showForm(d),
                    },
                    t('common.edit'),
                  ),
                  d.offers.map((_offer, i) =>
                    h(
                      'a',
                      { class: 'button secondary', href: `#/richtlinien?dataset=${enc(d.id)}&offer=${i}` },
                      `${t('cat.editPolicy')} ${d.offers.length > 1 ? i + 1 : ''}`,
                    ),
                  ),
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'danger',
                      'aria-label': `${t('common.remove')}: ${d.title}`,
                      onclick: async () => {
                        if (!confirm(t('cat.removeConfirm', { title: d.title }))) return
                        await del(`/api/v1/datasets/${enc(d.id)}`)
                        announce(t('cat.removed', { title: d.title }))
                        void draw()
                      },
                    },
                    t('common.remove'),
                  ),
                ),
              ),
            ),
          ),
    )
    if (openForm) showForm()
    openForm = false
  })
  void draw().catch((error) => replace(body, errorBox(error)))
  return h('section', { 'aria-labelledby': 'own-h' }, h('h2', { id: 'own-h' }, t('cat.own')), body)
}

export const catalogPage: Page = {
  path: 'katalog',
  title: 'page.catalog',
  async render(ctx) {
    replace(ctx.main, h('h1', { tabindex: '-1' }, t('page.catalog')), ownSection(ctx), federatedSection(ctx))
  },
}
