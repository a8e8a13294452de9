import { ARTIFACT_STATES } from '../policy/profile.js'
import { InvalidDatasetError } from './errors.js'
import {
  codeOf,
  DATA_THEME_BASE,
  DATA_THEMES,
  expandCode,
  FILE_TYPE_BASE,
  FILE_TYPES,
  FREQUENCIES,
  FREQUENCY_BASE,
  LICENSE_BASE,
  LICENSES,
  POLITICAL_GEOCODING_BASE,
  POLITICAL_GEOCODING_LEVELS,
} from './vocabulary.js'

/** A plain JSON object. */
export type JsonObject = { [key: string]: unknown }

/** An ODRL `Offer` as JSON-LD; the catalog reads only its `@id`, the policy engine the rest. */
export type OdrlOffer = JsonObject & { '@id': string }

/**
 * Who may see an offer in the catalog: everyone, data space members, named DIDs, or any requester
 * satisfying an ODRL constraint (evaluated by the policy engine).
 */
export type AccessPolicy =
  | { readonly kind: 'public' }
  | { readonly kind: 'members' }
  | { readonly kind: 'dids'; readonly dids: readonly string[] }
  | { readonly kind: 'constraint'; readonly constraint: JsonObject }

/**
 * Who may see a dataset's metadata: `public` everyone (metadata public, data under contract),
 * `members` data space members and anyone with a visible offer, `offer` only requesters with a
 * visible offer.
 */
export type MetadataVisibility = 'public' | 'members' | 'offer'

/** `dct:publisher`: a foaf:Agent with a name and, if it has one, its IRI. */
export interface Publisher {
  readonly name: string
  readonly id?: string
}

/** `dcat:contactPoint`: a vcard:Organization, reachable by at least one of e-mail, URL or phone. */
export interface ContactPoint {
  /** vcard:fn, e.g. "Kreisverwaltung Kusel, Umweltamt". */
  readonly fn: string
  readonly email?: string
  readonly url?: string
  /** Phone number, e.g. `+49 6381 424-0`. */
  readonly tel?: string
}

/** `dct:temporal`: a dct:PeriodOfTime, `xsd:date` or `xsd:dateTime` lexical forms; at least one end. */
export interface Temporal {
  readonly start?: string
  readonly end?: string
}

/** A DCAT distribution: a form the data comes in. */
export interface Distribution {
  /** EU file type IRI (`.../file-type/CSV`), given short (`CSV`) or full. */
  readonly format: string
  /** IANA media type, e.g. `text/csv`. */
  readonly mediaType?: string
  readonly title?: string
  /** Public URL for open data portals; the export falls back to the node's own access URL. */
  readonly accessURL?: string
  readonly downloadURL?: string
  /** Overrides the dataset's licence for this distribution. */
  readonly license?: string
}

/** An offer of a dataset and who may see it. */
export interface DatasetOffer {
  readonly offer: OdrlOffer
  readonly access: AccessPolicy
  /** `manual`: a data officer approves each agreement (`POST /api/v1/negotiations/:id/approve`). */
  readonly approval: OfferApproval
}

/** Whether agreements on an offer are concluded as soon as the policy permits, or after approval. */
export type OfferApproval = 'automatic' | 'manual'

/** The DCAT-AP.de metadata of a dataset, normalised (codes expanded to IRIs, empty lists present). */
export interface DatasetMetadata {
  readonly title: string
  readonly description: string
  readonly publisher: Publisher
  readonly keyword: readonly string[]
  /** EU data theme IRIs. */
  readonly theme: readonly string[]
  /**
   * Where the data is about: political geocoding IRIs (`http://dcat-ap.de/def/politicalGeocoding/districtKey/07336`,
   * exported as `dcatde:politicalGeocodingURI`) or other location IRIs (exported as `dct:spatial`).
   */
  readonly spatial: readonly string[]
  readonly temporal?: Temporal
  /**
   * DCAT-AP.de licence IRI (short codes such as `dl-by-de/2.0` are expanded); written as
   * `dct:license` on every distribution. Required when the metadata is public (open data portals).
   */
  readonly license?: string
  /** `dcatde:licenseAttributionByText`, e.g. "Wasserstraßen- und Schifffahrtsverwaltung des Bundes". */
  readonly licenseAttributionByText?: string
  /** EU frequency IRI. */
  readonly accrualPeriodicity?: string
  readonly contactPoint?: ContactPoint
  /** `dcatde:contributorID` IRI (GovData asks for it). */
  readonly contributorID?: string
  readonly distributions: readonly Distribution[]
  /** DSP transfer formats (`HttpData-PULL`); when absent the catalog's default applies. */
  readonly transferFormats?: readonly string[]
  readonly metadataVisibility: MetadataVisibility
}

/**
 * A dataset record of the local catalog. `source` says where the data lives (the transfer sources'
 * `SourceSpec`, possibly with credentials): it is stored as given and never leaves the node; use
 * {@link viewOfDataset} for anything shown to others.
 */
export interface Dataset extends DatasetMetadata {
  /** `urn:uuid:...`, stable for the dataset's life. */
  readonly id: string
  /** 1 when added, +1 on every update. */
  readonly version: number
  /** ISO date-times. */
  readonly created: string
  readonly modified: string
  readonly offers: readonly DatasetOffer[]
  readonly source: JsonObject
  /** The states the data is delivered in (`allmende:artifactState`), as the provider states them. */
  readonly artifactState?: readonly string[]
}

/** What a requester may be shown of a dataset: no source, no access rules, only visible offers. */
export interface DatasetView extends DatasetMetadata {
  readonly id: string
  readonly version: number
  readonly created: string
  readonly modified: string
  readonly offers: readonly OdrlOffer[]
}

/** What a user gives to add a dataset; short vocabulary codes are accepted. */
export interface DatasetInput {
  readonly title: string
  readonly description: string
  readonly publisher: Publisher | string
  readonly keyword?: readonly string[]
  readonly theme?: readonly string[]
  readonly spatial?: readonly string[]
  readonly temporal?: Temporal
  readonly license?: string
  readonly licenseAttributionByText?: string
  readonly accrualPeriodicity?: string
  readonly contactPoint?: ContactPoint
  readonly contributorID?: string
  readonly distributions: readonly Distribution[]
  readonly transferFormats?: readonly string[]
  /** Offers; `access` defaults to `members`. */
  readonly offers: readonly {
    readonly offer: JsonObject
    readonly access?: AccessPolicy
    readonly approval?: OfferApproval
  }[]
  /** Defaults to `members`. */
  readonly metadataVisibility?: MetadataVisibility
  readonly source: JsonObject
  /**
   * The states the data is delivered in, for offers constraining `allmende:artifactState`:
   * `Encrypted`, `Pseudonymised`, `Anonymised`, `Aggregated` (or their `allmende:` IRIs).
   */
  readonly artifactState?: readonly string[]
}

/** Optional fields of an update: a value replaces, `null` clears, absent leaves unchanged. */
type Clearable =
  | 'keyword'
  | 'theme'
  | 'spatial'
  | 'temporal'
  | 'license'
  | 'licenseAttributionByText'
  | 'accrualPeriodicity'
  | 'contactPoint'
  | 'contributorID'
  | 'transferFormats'
  | 'artifactState'

/** A partial update of a dataset; the result is validated as a whole. */
export type DatasetPatch = { readonly [K in Exclude<keyof DatasetInput, Clearable>]?: DatasetInput[K] } & {
  readonly [K in Clearable]?: DatasetInput[K] | null
}

/** A dataset after validation, before it gets its id, version and dates. */
export interface ValidDatasetInput extends DatasetMetadata {
  readonly offers: readonly DatasetOffer[]
  readonly source: JsonObject
  readonly artifactState?: readonly string[]
}

const VISIBILITIES: readonly MetadataVisibility[] = ['public', 'members', 'offer']
const DATE = /^\d{4}-\d{2}-\d{2}$/
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/
const PHONE = /^\+?[0-9][0-9 ()/-]{3,}[0-9]$/
const SHORT_CODE = /^[A-Z0-9_]+$/

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0
}

/** True for an absolute IRI with a scheme (`https://...`, `urn:...`, `did:...`). */
export function isAbsoluteIri(value: unknown): value is string {
  return typeof value === 'string' && /^[a-z][a-z0-9+.-]*:[^\s<>"{}|\\^`]+$/i.test(value)
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

function isDateLiteral(value: string): boolean {
  if (DATE.test(value)) return !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && validDay(value)
  return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)) && validDay(value.slice(0, 10))
}

/** Rejects 2025-02-30, which Date.parse silently rolls over. */
function validDay(date: string): boolean {
  const d = new Date(`${date}T00:00:00Z`)
  return d.toISOString().slice(0, 10) === date
}

/** Comparable instant of a date or date-time literal (dates as their first instant in UTC). */
function instantOf(value: string): number {
  return DATE.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value)
}

/** Collects issues while reading untyped input. */
class Issues {
  readonly list: string[] = []
  add(message: string): void {
    this.list.push(message)
  }
}

function readStringList(value: unknown, field: string, issues: Issues): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    issues.add(`${field} must be a list of strings`)
    return []
  }
  const out: string[] = []
  value.forEach((item, i) => {
    if (isNonEmptyString(item)) out.push(item.trim())
    else issues.add(`${field}[${i}] must be a non-empty string`)
  })
  return out
}

function readOptionalString(value: unknown, field: string, issues: Issues): string | undefined {
  if (value === undefined) return undefined
  if (!isNonEmptyString(value)) {
    issues.add(`${field} must be a non-empty string`)
    return undefined
  }
  return value.trim()
}

function readPublisher(value: unknown, issues: Issues): Publisher {
  if (isNonEmptyString(value)) return { name: value.trim() }
  if (!isObject(value)) {
    issues.add(value === undefined ? 'publisher is missing' : 'publisher must be a name or {name, id}')
    return { name: '' }
  }
  if (!isNonEmptyString(value.name)) issues.add('publisher.name is missing')
  const name = isNonEmptyString(value.name) ? value.name.trim() : ''
  if (value.id === undefined) return { name }
  if (!isAbsoluteIri(value.id)) issues.add(`publisher.id '${String(value.id)}' is not an absolute IRI`)
  return { name, id: String(value.id) }
}

function readThemes(value: unknown, issues: Issues): string[] {
  return readStringList(value, 'theme', issues).flatMap((theme, i) => {
    if (SHORT_CODE.test(theme) && DATA_THEMES.includes(theme)) return [DATA_THEME_BASE + theme]
    if (codeOf(theme, DATA_THEME_BASE, DATA_THEMES) !== undefined) return [theme]
    issues.add(
      `theme[${i}] '${theme}' is not an EU data theme: use ${DATA_THEME_BASE}<CODE> with CODE one of ${DATA_THEMES.join(', ')}`,
    )
    return []
  })
}

function readIriList(value: unknown, field: string, issues: Issues): string[] {
  return readStringList(value, field, issues).filter((iri, i) => {
    if (isAbsoluteIri(iri)) return true
    issues.add(`${field}[${i}] '${iri}' is not an absolute IRI`)
    return false
  })
}

/** Spatial IRIs; those of the political geocoding vocabulary must name a level and a key. */
function readSpatial(value: unknown, issues: Issues): string[] {
  return readIriList(value, 'spatial', issues).filter((iri, i) => {
    if (!iri.startsWith(POLITICAL_GEOCODING_BASE)) return true
    const [level, key, ...rest] = iri.slice(POLITICAL_GEOCODING_BASE.length).split('/')
    if (
      level !== undefined &&
      POLITICAL_GEOCODING_LEVELS.includes(level) &&
      /^\w+$/.test(key ?? '') &&
      rest.length === 0
    )
      return true
    issues.add(
      `spatial[${i}] '${iri}' is not a DCAT-AP.de political geocoding IRI: use ${POLITICAL_GEOCODING_BASE}<level>/<key> with level one of ${POLITICAL_GEOCODING_LEVELS.join(', ')}`,
    )
    return false
  })
}

function readTemporal(value: unknown, issues: Issues): Temporal | undefined {
  if (value === undefined) return undefined
  if (!isObject(value)) {
    issues.add('temporal must be {start, end}')
    return undefined
  }
  const start = readOptionalString(value.start, 'temporal.start', issues)
  const end = readOptionalString(value.end, 'temporal.end', issues)
  if (start === undefined && end === undefined) {
    issues.add('temporal needs a start or an end date')
    return undefined
  }
  let ok = true
  for (const [field, date] of [
    ['temporal.start', start],
    ['temporal.end', end],
  ] as const) {
    if (date !== undefined && !isDateLiteral(date)) {
      issues.add(`${field} '${date}' is not a date (YYYY-MM-DD) or a date-time with zone`)
      ok = false
    }
  }
  if (ok && start !== undefined && end !== undefined && instantOf(start) > instantOf(end)) {
    issues.add(`temporal.start ${start} is after temporal.end ${end}`)
  }
  return { ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) }
}

/** A licence from the DCAT-AP.de licence vocabulary, as IRI or code (`dl-by-de/2.0`); stored as IRI. */
function readLicense(value: unknown, field: string, issues: Issues): string | undefined {
  const license = readOptionalString(value, field, issues)
  if (license === undefined) return undefined
  const iri = license.startsWith('http') ? license : LICENSE_BASE + license
  if (codeOf(iri, LICENSE_BASE, LICENSES) === undefined) {
    issues.add(
      `${field} '${license}' is not in the DCAT-AP.de licence list (${LICENSE_BASE}...): use e.g. dl-by-de/2.0, dl-zero-de/2.0, cc-by/4.0 or cc-zero`,
    )
  }
  return iri
}

function readFrequency(value: unknown, issues: Issues): string | undefined {
  const frequency = readOptionalString(value, 'accrualPeriodicity', issues)
  if (frequency === undefined) return undefined
  const iri = expandCode(frequency, FREQUENCY_BASE)
  if (codeOf(iri, FREQUENCY_BASE, FREQUENCIES) === undefined) {
    issues.add(
      `accrualPeriodicity '${frequency}' is not in the EU frequency vocabulary (${FREQUENCY_BASE}HOURLY, DAILY, ...)`,
    )
  }
  return iri
}

function readContactPoint(value: unknown, issues: Issues): ContactPoint | undefined {
  if (value === undefined) return undefined
  if (!isObject(value)) {
    issues.add('contactPoint must be {fn, email?, url?, tel?}')
    return undefined
  }
  const fn = isNonEmptyString(value.fn) ? value.fn.trim() : ''
  if (fn === '') issues.add('contactPoint.fn (the organisation name) is missing')
  const email = readOptionalString(value.email, 'contactPoint.email', issues)
  if (email !== undefined && !EMAIL.test(email.replace(/^mailto:/, ''))) {
    issues.add(`contactPoint.email '${email}' is not an e-mail address`)
  }
  const url = readOptionalString(value.url, 'contactPoint.url', issues)
  if (url !== undefined && !isHttpUrl(url)) issues.add(`contactPoint.url '${url}' is not an http(s) URL`)
  const tel = readOptionalString(value.tel, 'contactPoint.tel', issues)
  if (tel !== undefined && !PHONE.test(tel.replace(/^tel:/, ''))) {
    issues.add(`contactPoint.tel '${tel}' is not a phone number such as +49 6381 424-0`)
  }
  // DCAT-AP.de: a contact point must say how to reach it, a name alone is no contact
  if (email === undefined && url === undefined && tel === undefined) {
    issues.add(
      'contactPoint needs a way to reach it: contactPoint.email, contactPoint.url or contactPoint.tel',
    )
  }
  return {
    fn,
    ...(email === undefined ? {} : { email: email.replace(/^mailto:/, '') }),
    ...(url === undefined ? {} : { url }),
    ...(tel === undefined ? {} : { tel: tel.replace(/^tel:/, '') }),
  }
}

function readDistributions(value: unknown, issues: Issues): Distribution[] {
  if (!Array.isArray(value) || value.length === 0) {
    issues.add('distributions must list at least one distribution ({format, mediaType?, ...})')
    return []
  }
  return value.map((item, i): Distribution => {
    const field = `distributions[${i}]`
    if (!isObject(item)) {
      issues.add(`${field} must be an object`)
      return { format: '' }
    }
    const format = readOptionalString(item.format, `${field}.format`, issues)
    if (format === undefined) issues.add(`${field}.format is missing (an EU file type such as CSV or JSON)`)
    else if (codeOf(expandCode(format, FILE_TYPE_BASE), FILE_TYPE_BASE, FILE_TYPES) === undefined) {
      issues.add(
        `${field}.format '${format}' is not in the EU file-type list (${FILE_TYPE_BASE}...): use a code such as CSV, JSON, GEOJSON, XML or XLSX`,
      )
    }
    const mediaType = readOptionalString(item.mediaType, `${field}.mediaType`, issues)
    if (mediaType !== undefined && !MEDIA_TYPE.test(mediaType)) {
      issues.add(`${field}.mediaType '${mediaType}' is not a media type such as text/csv`)
    }
    const title = readOptionalString(item.title, `${field}.title`, issues)
    const urls: Record<string, string> = {}
    for (const key of ['accessURL', 'downloadURL'] as const) {
      const url = readOptionalString(item[key], `${field}.${key}`, issues)
      if (url === undefined) continue
      if (!isHttpUrl(url)) issues.add(`${field}.${key} '${url}' is not an http(s) URL`)
      urls[key] = url
    }
    const license = readLicense(item.license, `${field}.license`, issues)
    return {
      format: format === undefined ? '' : expandCode(format, FILE_TYPE_BASE),
      ...(mediaType === undefined ? {} : { mediaType }),
      ...(title === undefined ? {} : { title }),
      ...urls,
      ...(license === undefined ? {} : { license }),
    }
  })
}

/** Checks an access policy; returns it normalised or undefined after adding issues. */
export function readAccessPolicy(
  value: unknown,
  field: string,
  issues: { add(message: string): void },
): AccessPolicy | undefined {
  if (value === undefined) return { kind: 'members' } as AccessPolicy
  if (!isObject(value)) {
    issues.add(`${field} must be {kind: 'public'|'members'|'dids'|'constraint', ...}`)
    return undefined
  }
  switch (value.kind) {
    case 'public':
    case 'members':
      return { kind: value.kind } as AccessPolicy
    case 'dids': {
      const dids = value.dids
      if (!Array.isArray(dids) || dids.length === 0) {
        issues.add(`${field}.dids must list at least one DID`)
        return undefined
      }
      const bad = dids.filter((d) => typeof d !== 'string' || !/^did:[a-z0-9]+:.+/.test(d))
      if (bad.length > 0) {
        issues.add(`${field}.dids holds values that are not DIDs: ${bad.map(String).join(', ')}`)
        return undefined
      }
      return { kind: 'dids', dids: [...new Set(dids as string[])] } as AccessPolicy
    }
    case 'constraint':
      if (!isObject(value.constraint)) {
        issues.add(`${field}.constraint must be an ODRL constraint object`)
        return undefined
      }
      return { kind: 'constraint', constraint: value.constraint } as AccessPolicy
    default:
      issues.add(`${field}.kind '${String(value.kind)}' is not one of public, members, dids, constraint`)
      return undefined
  }
}

function readOffers(value: unknown, issues: Issues): DatasetOffer[] {
  if (!Array.isArray(value) || value.length === 0) {
    issues.add('offers must list at least one {offer, access?} (an ODRL Offer with an @id)')
    return []
  }
  const seen = new Set<string>()
  const out: DatasetOffer[] = []
  value.forEach((item, i) => {
    const field = `offers[${i}]`
    if (!isObject(item) || !isObject(item.offer)) {
      issues.add(`${field} must be {offer: <ODRL Offer>, access?}`)
      return
    }
    // ODRL names a policy by `uid` (the ODRL context maps it to @id); either is accepted, kept as @id
    // only (both at once collide in JSON-LD).
    const { uid, ...rest } = item.offer
    const id = rest['@id'] ?? uid
    const offer = { ...rest, '@id': id }
    if (!isAbsoluteIri(id)) {
      issues.add(`${field}.offer has no @id or uid (an IRI such as urn:uuid:...)`)
      return
    }
    if (seen.has(id)) issues.add(`${field}.offer @id ${id} is used twice in this dataset`)
    seen.add(id)
    const access = readAccessPolicy(item.access, `${field}.access`, issues)
    const approval = item.approval ?? 'automatic'
    if (approval !== 'automatic' && approval !== 'manual') {
      issues.add(`${field}.approval '${String(approval)}' is not one of automatic, manual`)
      return
    }
    if (access !== undefined) out.push({ offer: offer as OdrlOffer, access, approval })
  })
  return out
}

/**
 * Validates what a user gave for a dataset and normalises it (trims, expands vocabulary codes to
 * IRIs). Throws {@link InvalidDatasetError} listing every problem; offers are checked here only for
 * shape (`@id`, access rule), their ODRL content is the policy validator's business.
 */
export function validateDatasetInput(input: unknown): ValidDatasetInput {
  const issues = new Issues()
  if (!isObject(input)) throw new InvalidDatasetError(['a dataset must be a JSON object'])
  const title = isNonEmptyString(input.title) ? input.title.trim() : ''
  if (title === '')
    issues.add(input.title === undefined ? 'title is missing' : 'title must be a non-empty string')
  const description = isNonEmptyString(input.description) ? input.description.trim() : ''
  if (description === '') {
    issues.add(
      input.description === undefined ? 'description is missing' : 'description must be a non-empty string',
    )
  }
  const publisher = readPublisher(input.publisher, issues)
  const keyword = [...new Set(readStringList(input.keyword, 'keyword', issues))]
  const theme = [...new Set(readThemes(input.theme, issues))]
  const spatial = readSpatial(input.spatial, issues)
  const temporal = readTemporal(input.temporal, issues)
  const license = readLicense(input.license, 'license', issues)
  const licenseAttributionByText = readOptionalString(
    input.licenseAttributionByText,
    'licenseAttributionByText',
    issues,
  )
  const accrualPeriodicity = readFrequency(input.accrualPeriodicity, issues)
  const contactPoint = readContactPoint(input.contactPoint, issues)
  const contributorID = readOptionalString(input.contributorID, 'contributorID', issues)
  if (contributorID !== undefined && !isAbsoluteIri(contributorID)) {
    issues.add(
      `contributorID '${contributorID}' is not an IRI such as http://dcat-ap.de/def/contributors/...`,
    )
  }
  const distributions = readDistributions(input.distributions, issues)
  let transferFormats: string[] | undefined
  if (input.transferFormats !== undefined) {
    transferFormats = readStringList(input.transferFormats, 'transferFormats', issues)
    if (transferFormats.length === 0) issues.add('transferFormats, when given, must name at least one format')
  }
  const offers = readOffers(input.offers, issues)
  const artifactState = readArtifactState(input.artifactState, issues)
  const metadataVisibility = input.metadataVisibility ?? 'members'
  if (!VISIBILITIES.includes(metadataVisibility as MetadataVisibility)) {
    issues.add(`metadataVisibility '${String(metadataVisibility)}' is not one of ${VISIBILITIES.join(', ')}`)
  }
  // public metadata is exported to open data portals, and DCAT-AP.de requires a licence there
  const unlicensed = distributions.findIndex((d) => d.license === undefined)
  if (metadataVisibility === 'public' && license === undefined && unlicensed >= 0) {
    issues.add(
      `license is missing: public metadata goes to open data portals, which need a licence from the DCAT-AP.de list on every distribution (license, e.g. dl-by-de/2.0, or distributions[${unlicensed}].license)`,
    )
  }
  if (!isObject(input.source)) issues.add('source is missing (where the data lives: a source specification)')
  if (issues.list.length > 0) throw new InvalidDatasetError(issues.list)
  return {
    title,
    description,
    publisher,
    keyword,
    theme,
    spatial,
    ...(temporal === undefined ? {} : { temporal }),
    ...(license === undefined ? {} : { license }),
    ...(licenseAttributionByText === undefined ? {} : { licenseAttributionByText }),
    ...(accrualPeriodicity === undefined ? {} : { accrualPeriodicity }),
    ...(contactPoint === undefined ? {} : { contactPoint }),
    ...(contributorID === undefined ? {} : { contributorID }),
    distributions,
    ...(transferFormats === undefined ? {} : { transferFormats }),
    offers,
    metadataVisibility: metadataVisibility as MetadataVisibility,
    source: input.source as JsonObject,
    ...(artifactState === undefined ? {} : { artifactState }),
  }
}

/** Artifact states as full IRIs; short names (`Pseudonymised`) and `allmende:` names are accepted. */
function readArtifactState(value: unknown, issues: Issues): string[] | undefined {
  if (value === undefined) return undefined
  const states = readStringList(value, 'artifactState', issues).map((given) => {
    const local = given.replace(/^(allmende:|https:\/\/w3id\.org\/allmende\/odrl#)/, '')
    const iri = ARTIFACT_STATES.find((state) => state.endsWith(`#${local}`))
    if (iri === undefined) {
      issues.add(
        `artifactState '${given}' is not one of ${ARTIFACT_STATES.map((s) => s.split('#')[1]).join(', ')}`,
      )
    }
    return iri ?? given
  })
  return [...new Set(states)]
}

const RECORD_FIELDS = new Set(['id', 'version', 'created', 'modified'])

/**
 * The input an update produces: the stored dataset with the patch laid over it (`null` clears an
 * optional field). Id, version and dates cannot be patched.
 */
export function mergeDatasetPatch(dataset: Dataset, patch: unknown): JsonObject {
  if (!isObject(patch)) throw new InvalidDatasetError(['an update must be a JSON object'])
  const fixed = Object.keys(patch).filter((k) => RECORD_FIELDS.has(k))
  if (fixed.length > 0) throw new InvalidDatasetError([`${fixed.join(', ')} cannot be changed by an update`])
  const merged: JsonObject = { ...dataset }
  for (const field of RECORD_FIELDS) delete merged[field]
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key]
    else if (value !== undefined) merged[key] = value
  }
  return merged
}

/**
 * The requester-facing view of a dataset, `offers` being the visible ones. Fields are copied by name,
 * so the source (and anything else a record may carry) never reaches a view.
 */
export function viewOfDataset(dataset: Dataset, offers: readonly OdrlOffer[]): DatasetView {
  const d = dataset
  return {
    id: d.id,
    version: d.version,
    created: d.created,
    modified: d.modified,
    title: d.title,
    description: d.description,
    publisher: d.publisher,
    keyword: d.keyword,
    theme: d.theme,
    spatial: d.spatial,
    ...(d.temporal === undefined ? {} : { temporal: d.temporal }),
    ...(d.license === undefined ? {} : { license: d.license }),
    ...(d.licenseAttributionByText === undefined
      ? {}
      : { licenseAttributionByText: d.licenseAttributionByText }),
    ...(d.accrualPeriodicity === undefined ? {} : { accrualPeriodicity: d.accrualPeriodicity }),
    ...(d.contactPoint === undefined ? {} : { contactPoint: d.contactPoint }),
    ...(d.contributorID === undefined ? {} : { contributorID: d.contributorID }),
    distributions: d.distributions,
    ...(d.transferFormats === undefined ? {} : { transferFormats: d.transferFormats }),
    metadataVisibility: d.metadataVisibility,
    offers,
  }
}
