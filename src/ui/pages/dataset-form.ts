import { ApiError, enc, post, put } from '../api.js'
import { announce, field, h, replace, uid } from '../dom.js'
import { errorBox } from '../error-box.js'
import { defineTexts, lang, t } from '../i18n.js'
import { takeDraftOffer } from '../policy/draft.js'

defineTexts({
  'ds.new': ['Neuer Datensatz', 'New dataset'],
  'ds.edit': ['Datensatz bearbeiten', 'Edit dataset'],
  'ds.meta': ['Beschreibung (DCAT-AP.de)', 'Description (DCAT-AP.de)'],
  'ds.title': ['Titel', 'Title'],
  'ds.description': ['Beschreibung', 'Description'],
  'ds.publisher': ['Herausgeber', 'Publisher'],
  'ds.keywords': ['Schlagwörter', 'Keywords'],
  'ds.keywordsHint': ['durch Kommas getrennt', 'separated by commas'],
  'ds.theme': ['Thema', 'Theme'],
  'ds.spatial': ['Raumbezug (IRI)', 'Spatial coverage (IRI)'],
  'ds.spatialHint': [
    'z. B. http://dcat-ap.de/def/politicalGeocoding/districtKey/07336',
    'e.g. http://dcat-ap.de/def/politicalGeocoding/districtKey/07336',
  ],
  'ds.temporalStart': ['Zeitraum von', 'Period from'],
  'ds.temporalEnd': ['Zeitraum bis', 'Period until'],
  'ds.license': ['Lizenz', 'Licence'],
  'ds.frequency': ['Aktualisierung', 'Update frequency'],
  'ds.contact': ['Ansprechstelle', 'Contact point'],
  'ds.contactEmail': ['E-Mail der Ansprechstelle', 'Contact e-mail'],
  'ds.format': ['Format', 'Format'],
  'ds.mediaType': ['Medientyp', 'Media type'],
  'ds.visibility': ['Wer sieht die Beschreibung?', 'Who sees the description?'],
  'ds.visPublic': ['alle', 'everyone'],
  'ds.visMembers': ['Mitglieder des Datenraums', 'members of the data space'],
  'ds.visOffer': ['nur wer ein Angebot sieht', 'only who sees an offer'],
  'ds.source': ['Quelle der Daten', 'Source of the data'],
  'ds.sourceHint': [
    'Die Quelle bleibt auf diesem Knoten; niemand sonst sieht sie.',
    'The source stays on this node; nobody else sees it.',
  ],
  'ds.sourceKind': ['Art der Quelle', 'Kind of source'],
  'ds.kindFile': ['Datei auf diesem Rechner', 'File on this machine'],
  'ds.kindHttp': ['HTTP-Adresse', 'HTTP address'],
  'ds.kindSta': ['SensorThings-Datenstrom', 'SensorThings datastream'],
  'ds.kindNgsi': ['NGSI-LD-Abfrage', 'NGSI-LD query'],
  'ds.path': ['Pfad der Datei', 'File path'],
  'ds.url': ['Adresse (URL)', 'Address (URL)'],
  'ds.baseUrl': ['Adresse des SensorThings-Dienstes', 'SensorThings service address'],
  'ds.datastream': ['Datastream-Kennung', 'Datastream id'],
  'ds.broker': ['Adresse des Context Brokers', 'Context broker address'],
  'ds.entityType': ['Entitätstyp', 'Entity type'],
  'ds.offer': ['Angebot (ODRL-Richtlinie)', 'Offer (ODRL policy)'],
  'ds.offerFromEditor': [
    'Angebot aus dem Richtlinien-Editor übernommen.',
    'Offer taken from the policy editor.',
  ],
  'ds.offerKept': ['Die bisherigen Angebote bleiben unverändert.', 'The existing offers stay unchanged.'],
  'ds.offerNone': [
    'Noch kein Angebot: Erstellen Sie eines unter „Richtlinien“ und übernehmen Sie es hierher.',
    'No offer yet: author one under “Policies” and take it over here.',
  ],
  'ds.offerJson': ['Angebot als JSON-LD', 'Offer as JSON-LD'],
  'ds.access': ['Wer sieht das Angebot?', 'Who sees the offer?'],
  'ds.accessMembers': ['Mitglieder des Datenraums', 'members of the data space'],
  'ds.accessPublic': ['alle', 'everyone'],
  'ds.approval': ['Zustimmung', 'Approval'],
  'ds.approvalAuto': ['automatisch, wenn die Richtlinie es erlaubt', 'automatic when the policy permits'],
  'ds.approvalManual': ['jede Anfrage von Hand freigeben', 'approve each request by hand'],
  'ds.publish': ['Veröffentlichen', 'Publish'],
  'ds.published': ['Datensatz „{title}“ veröffentlicht.', 'Dataset “{title}” published.'],
  'ds.saved': ['Datensatz „{title}“ gespeichert.', 'Dataset “{title}” saved.'],
  'ds.warnings': ['Hinweise des Knotens', 'Notes of the node'],
})

/** EU data themes with their German and English names (DCAT-AP.de uses the EU vocabulary). */
const THEMES: readonly [string, string, string][] = [
  [
    'AGRI',
    'Landwirtschaft, Fischerei, Forstwirtschaft und Nahrungsmittel',
    'Agriculture, fisheries, forestry and food',
  ],
  ['ECON', 'Wirtschaft und Finanzen', 'Economy and finance'],
  ['EDUC', 'Bildung, Kultur und Sport', 'Education, culture and sport'],
  ['ENER', 'Energie', 'Energy'],
  ['ENVI', 'Umwelt', 'Environment'],
  ['GOVE', 'Regierung und öffentlicher Sektor', 'Government and public sector'],
  ['HEAL', 'Gesundheit', 'Health'],
  ['INTR', 'Internationale Themen', 'International issues'],
  ['JUST', 'Justiz, Rechtssystem und öffentliche Sicherheit', 'Justice, legal system and public safety'],
  ['REGI', 'Regionen und Städte', 'Regions and cities'],
  ['SOCI', 'Bevölkerung und Gesellschaft', 'Population and society'],
  ['TECH', 'Wissenschaft und Technologie', 'Science and technology'],
  ['TRAN', 'Verkehr', 'Transport'],
]

const LICENSES: readonly [string, string][] = [
  ['http://dcat-ap.de/def/licenses/dl-by-de/2.0', 'Datenlizenz Deutschland – Namensnennung – 2.0'],
  ['http://dcat-ap.de/def/licenses/dl-zero-de/2.0', 'Datenlizenz Deutschland – Zero – 2.0'],
  ['http://dcat-ap.de/def/licenses/cc-by/4.0', 'Creative Commons Namensnennung 4.0'],
  ['http://dcat-ap.de/def/licenses/cc-zero', 'Creative Commons Zero'],
  ['http://dcat-ap.de/def/licenses/other-closed', 'nicht offen / not open'],
]

const FREQUENCIES: readonly [string, string, string][] = [
  ['15MIN', 'alle 15 Minuten', 'every 15 minutes'],
  ['HOURLY', 'stündlich', 'hourly'],
  ['DAILY', 'täglich', 'daily'],
  ['WEEKLY', 'wöchentlich', 'weekly'],
  ['MONTHLY', 'monatlich', 'monthly'],
  ['ANNUAL', 'jährlich', 'annually'],
  ['IRREG', 'unregelmäßig', 'irregularly'],
  ['UNKNOWN', 'unbekannt', 'unknown'],
]

/** A dataset as the node's API returns it (the fields this form edits). */
export interface DatasetRecord {
  id: string
  version: number
  title: string
  description: string
  publisher: { name: string; id?: string }
  keyword: string[]
  theme: string[]
  spatial: string[]
  temporal?: { start?: string; end?: string }
  license?: string
  accrualPeriodicity?: string
  contactPoint?: { fn: string; email?: string }
  distributions: { format: string; mediaType?: string }[]
  metadataVisibility: string
  source: Record<string, unknown>
  offers: { offer: Record<string, unknown>; access: { kind: string }; approval: string }[]
}

const lastSegment = (iri: string | undefined) =>
  iri === undefined ? '' : iri.slice(iri.lastIndexOf('/') + 1)

function input(value = '', attrs: Record<string, string | boolean> = {}): HTMLInputElement {
  const el = h('input', { type: 'text', ...attrs })
  el.value = value
  return el
}

function select(options: readonly [string, string][], value: string, attrs: Record<string, string> = {}) {
  const el = h(
    'select',
    attrs,
    options.map(([v, label]) => h('option', { value: v }, label)),
  )
  el.value = value
  return el
}

/** The source picker: a kind and the fields that kind needs. */
function sourcePicker(initial: Record<string, unknown> | undefined) {
  const kind = select(
    [
      ['file', t('ds.kindFile')],
      ['http', t('ds.kindHttp')],
      ['sensorthings', t('ds.kindSta')],
      ['ngsi-ld', t('ds.kindNgsi')],
    ],
    String(initial?.kind ?? 'file'),
  )
  const fields = h('div', {})
  const str = (name: string) => (initial?.[name] === undefined ? '' : String(initial[name]))
  const controls: Record<string, HTMLInputElement> = {
    path: input(str('path'), { required: true }),
    url: input(str('url'), { type: 'url', required: true }),
    baseUrl: input(str('baseUrl'), { type: 'url', required: true }),
    datastreamId: input(str('datastreamId'), { required: true }),
    brokerUrl: input(str('brokerUrl'), { type: 'url', required: true }),
    type: input(str('type'), { required: true }),
  }
  const show = () => {
    const k = kind.value
    replace(
      fields,
      k === 'file' ? field(t('ds.path'), controls.path!) : null,
      k === 'http' ? field(t('ds.url'), controls.url!) : null,
      k === 'sensorthings'
        ? [field(t('ds.baseUrl'), controls.baseUrl!), field(t('ds.datastream'), controls.datastreamId!)]
        : null,
      k === 'ngsi-ld'
        ? [field(t('ds.broker'), controls.brokerUrl!), field(t('ds.entityType'), controls.type!)]
        : null,
    )
  }
  kind.addEventListener('change', show)
  show()
  const spec = (): Record<string, unknown> => {
    // Fields of the spec this form does not show (headers, credentialRef, paging) are kept as they were.
    const kept = initial?.kind === kind.value ? { ...initial } : {}
    switch (kind.value) {
      case 'file':
        return { ...kept, kind: 'file', path: controls.path!.value.trim() }
      case 'http':
        return { ...kept, kind: 'http', url: controls.url!.value.trim() }
      case 'sensorthings':
        return {
          ...kept,
          kind: 'sensorthings',
          baseUrl: controls.baseUrl!.value.trim(),
          datastreamId: controls.datastreamId!.value.trim(),
        }
      default:
        return {
          ...kept,
          kind: 'ngsi-ld',
          brokerUrl: controls.brokerUrl!.value.trim(),
          type: controls.type!.value.trim(),
        }
    }
  }
  return {
    element: h(
      'fieldset',
      {},
      h('legend', {}, t('ds.source')),
      h('p', { class: 'hint' }, t('ds.sourceHint')),
      field(t('ds.sourceKind'), kind),
      fields,
    ),
    spec,
  }
}

/**
 * The DCAT-AP.de form for one of this node's datasets: metadata, source and (for a new dataset)
 * the offer authored in the policy editor. Calls `done` after a successful save.
 */
export function datasetForm(
  self: { name: string; did: string },
  existing: DatasetRecord | undefined,
  done: () => void,
): HTMLElement {
  const title = input(existing?.title, { required: true, 'aria-required': 'true' })
  const description = h('textarea', { rows: '3', required: true, 'aria-required': 'true' })
  description.value = existing?.description ?? ''
  const publisher = input(existing?.publisher.name ?? self.name, { required: true })
  const keywords = input(existing?.keyword.join(', '))
  const theme = select(
    [['', '–'], ...THEMES.map(([code, de, en]) => [code, lang() === 'de' ? de : en] as [string, string])],
    lastSegment(existing?.theme[0]),
  )
  const spatial = input(existing?.spatial[0], { type: 'url' })
  const start = input(existing?.temporal?.start, { type: 'date' })
  const end = input(existing?.temporal?.end, { type: 'date' })
  const license = select([['', '–'], ...LICENSES], existing?.license ?? '')
  const frequency = select(
    [['', '–'], ...FREQUENCIES.map(([c, de, en]) => [c, lang() === 'de' ? de : en] as [string, string])],
    lastSegment(existing?.accrualPeriodicity),
  )
  const contact = input(existing?.contactPoint?.fn)
  const email = input(existing?.contactPoint?.email, { type: 'email' })
  const format = input(existing?.distributions[0]?.format.replace(/^.*\//, '') ?? 'JSON', { required: true })
  const mediaType = input(existing?.distributions[0]?.mediaType ?? 'application/json')
  const visibility = select(
    [
      ['members', t('ds.visMembers')],
      ['public', t('ds.visPublic')],
      ['offer', t('ds.visOffer')],
    ],
    existing?.metadataVisibility ?? 'members',
  )
  const source = sourcePicker(existing?.source)
  const draft = existing === undefined ? takeDraftOffer() : undefined
  const offerJson = h('textarea', { rows: '8', spellcheck: 'false' })
  if (draft !== undefined) offerJson.value = JSON.stringify(draft, null, 2)
  const access = select(
    [
      ['members', t('ds.accessMembers')],
      ['public', t('ds.accessPublic')],
    ],
    'members',
  )
  const approval = select(
    [
      ['automatic', t('ds.approvalAuto')],
      ['manual', t('ds.approvalManual')],
    ],
    'automatic',
  )
  const status = h('div', { 'aria-live': 'polite' })
  const headingId = uid('ds')

  const offerSection =
    existing !== undefined
      ? h('p', {}, t('ds.offerKept'))
      : [
          h('p', {}, draft === undefined ? t('ds.offerNone') : t('ds.offerFromEditor')),
          field(t('ds.offerJson'), offerJson),
          field(t('ds.access'), access),
          field(t('ds.approval'), approval),
        ]

  const submit = async (event: Event) => {
    event.preventDefault()
    replace(status)
    const body: Record<string, unknown> = {
      title: title.value.trim(),
      description: description.value.trim(),
      publisher: { name: publisher.value.trim(), id: self.did },
      keyword: keywords.value
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k !== ''),
      theme: theme.value === '' ? [] : [theme.value],
      spatial: spatial.value.trim() === '' ? [] : [spatial.value.trim()],
      ...(start.value === '' && end.value === ''
        ? {}
        : {
            temporal: {
              ...(start.value === '' ? {} : { start: start.value }),
              ...(end.value === '' ? {} : { end: end.value }),
            },
          }),
      ...(license.value === '' ? {} : { license: license.value }),
      ...(frequency.value === '' ? {} : { accrualPeriodicity: frequency.value }),
      ...(contact.value.trim() === ''
        ? {}
        : {
            contactPoint: {
              fn: contact.value.trim(),
              ...(email.value.trim() === '' ? {} : { email: email.value.trim() }),
            },
          }),
      distributions: [
        {
          format: format.value.trim(),
          ...(mediaType.value.trim() === '' ? {} : { mediaType: mediaType.value.trim() }),
        },
      ],
      metadataVisibility: visibility.value,
      source: source.spec(),
    }
    try {
      if (existing === undefined) {
        let offer: Record<string, unknown>
        try {
          offer = JSON.parse(offerJson.value) as Record<string, unknown>
        } catch {
          offerJson.setAttribute('aria-invalid', 'true')
          throw new ApiError(400, 'ALLMENDE_INVALID_OFFER', t('ds.offerNone'))
        }
        body.offers = [{ offer, access: { kind: access.value }, approval: approval.value }]
        const result = await post<{ warnings: unknown[] }>('/api/v1/datasets', body)
        announce(t('ds.published', { title: String(body.title) }))
        if (result.warnings.length > 0) console.info(result.warnings)
      } else {
        await put(`/api/v1/datasets/${enc(existing.id)}`, body)
        announce(t('ds.saved', { title: String(body.title) }))
      }
      done()
    } catch (error) {
      replace(status, errorBox(error))
      status.querySelector<HTMLElement>('[role=alert]')?.focus()
    }
  }

  return h(
    'form',
    { class: 'dataset-form', 'aria-labelledby': headingId, onsubmit: (e: Event) => void submit(e) },
    h('h2', { id: headingId }, existing === undefined ? t('ds.new') : t('ds.edit')),
    h(
      'fieldset',
      {},
      h('legend', {}, t('ds.meta')),
      field(t('ds.title'), title),
      field(t('ds.description'), description),
      field(t('ds.publisher'), publisher),
      field(t('ds.keywords'), keywords, t('ds.keywordsHint')),
      field(t('ds.theme'), theme),
      field(t('ds.spatial'), spatial, t('ds.spatialHint')),
      h('div', { class: 'row' }, field(t('ds.temporalStart'), start), field(t('ds.temporalEnd'), end)),
      field(t('ds.license'), license),
      field(t('ds.frequency'), frequency),
      field(t('ds.contact'), contact),
      field(t('ds.contactEmail'), email),
      h('div', { class: 'row' }, field(t('ds.format'), format), field(t('ds.mediaType'), mediaType)),
      field(t('ds.visibility'), visibility),
    ),
    source.element,
    h('fieldset', {}, h('legend', {}, t('ds.offer')), offerSection),
    status,
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit' }, existing === undefined ? t('ds.publish') : t('common.save')),
      h('button', { type: 'button', class: 'secondary', onclick: done }, t('common.cancel')),
    ),
  )
}
