import type { DatasetView, JsonObject, OdrlOffer } from './dataset.js'
import { FOAF, ODRL_NS } from './vocabulary.js'

/** The DSP 2025-1 JSON-LD context every catalog message names. */
export const DSP_CONTEXT = 'https://w3id.org/dspace/2025/1/context.jsonld'

/** Transfer format offered when neither the dataset nor the options name one. */
export const DEFAULT_TRANSFER_FORMATS: readonly string[] = ['HttpData-PULL']

/** How this node presents itself in DSP catalogs. */
export interface DspCatalogOptions {
  /** The provider's DID (`participantId`). */
  readonly participantId: string
  /** Base URL (or libp2p address) of this node's DSP negotiation/transfer endpoint, in DSP version 2025-1. */
  readonly endpointURL: string
  /** `@id` of the catalog; defaults to `urn:allmende:catalog:<participantId>`. */
  readonly catalogId?: string
  /** `@id` of the DataService; defaults to `urn:allmende:dsp:<participantId>`. */
  readonly serviceId?: string
  /** Transfer formats for datasets that name none; defaults to {@link DEFAULT_TRANSFER_FORMATS}. */
  readonly transferFormats?: readonly string[]
}

/** A DSP `DataService`. */
export interface DspDataService {
  readonly '@id': string
  readonly '@type': 'DataService'
  readonly endpointURL: string
}

/** A DSP `Distribution`: a transfer format and the service that delivers it. */
export interface DspDistribution {
  readonly '@type': 'Distribution'
  readonly format: string
  readonly accessService: string | DspDataService
}

/** A DSP `Dataset` (dcat:Dataset) with its offers and DCAT metadata under `dct:`/`dcat:` keys. */
export type DspDataset = JsonObject & {
  readonly '@id': string
  readonly '@type': 'Dataset'
  readonly hasPolicy: readonly JsonObject[]
  readonly distribution: readonly DspDistribution[]
}

/** A DSP `Catalog` answer (DSP 2025-1 §1.2, `catalog-schema.json`). */
export interface DspCatalog {
  readonly '@context': readonly string[]
  readonly '@id': string
  readonly '@type': 'Catalog'
  readonly participantId: string
  readonly service: readonly DspDataService[]
  readonly dataset?: readonly DspDataset[]
}

/** A DSP `Dataset` answer to `GET /catalog/datasets/:id` (`dataset-schema.json`). */
export type DspRootDataset = DspDataset & { readonly '@context': readonly string[] }

function serviceOf(options: DspCatalogOptions): DspDataService {
  return {
    '@id': options.serviceId ?? `urn:allmende:dsp:${options.participantId}`,
    '@type': 'DataService',
    endpointURL: options.endpointURL,
  }
}

const RULE_KEYS = ['permission', 'prohibition', 'obligation', 'duty'] as const
const LOGICAL_KEYS = ['and', 'or', 'xone', 'andSequence'] as const

/** `odrl:use` and `http://www.w3.org/ns/odrl/2/use` become `use`, as the DSP context and schema want. */
function compactOdrl(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && '@id' in value) {
    return compactOdrl((value as JsonObject)['@id'])
  }
  if (typeof value !== 'string') return value
  if (value.startsWith(ODRL_NS)) return value.slice(ODRL_NS.length)
  if (value.startsWith('odrl:')) return value.slice('odrl:'.length)
  return value
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

function dspConstraint(constraint: unknown): unknown {
  if (typeof constraint !== 'object' || constraint === null || Array.isArray(constraint)) return constraint
  const c = { ...(constraint as JsonObject) }
  for (const key of LOGICAL_KEYS) {
    if (c[key] === undefined) continue
    // ODRL JSON-LD may wrap logical operands in an @list.
    const inner = (c[key] as JsonObject | undefined)?.['@list'] ?? c[key]
    c[key] = asArray(inner).map(dspConstraint)
  }
  if (c.leftOperand !== undefined) c.leftOperand = compactOdrl(c.leftOperand)
  if (c.operator !== undefined) c.operator = compactOdrl(c.operator)
  if (c.rightOperand !== undefined) c.rightOperand = typedLiteral(c.rightOperand)
  return c
}

const XSD = 'http://www.w3.org/2001/XMLSchema#'

/**
 * JSON numbers and booleans as typed literals: the DSP schema allows a right operand only as a
 * string, object or array, and a consumer refuses a catalog that breaks it (`count lteq 2`).
 */
function typedLiteral(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(typedLiteral)
  if (typeof value === 'boolean') return { '@value': String(value), '@type': `${XSD}boolean` }
  if (typeof value !== 'number') return value
  return { '@value': String(value), '@type': `${XSD}${Number.isInteger(value) ? 'integer' : 'decimal'}` }
}

function dspRule(rule: unknown): unknown {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return rule
  const r = { ...(rule as JsonObject) }
  delete r.target
  // The DSP schema wants one action per rule; the policy engine's atomic form has exactly one.
  if (r.action !== undefined) r.action = compactOdrl(Array.isArray(r.action) ? r.action[0] : r.action)
  if (r.constraint !== undefined) r.constraint = asArray(r.constraint).map(dspConstraint)
  if (r.duty !== undefined) r.duty = asArray(r.duty).map(dspRule)
  return r
}

/**
 * An offer as DSP 2025-1 lists it in a catalog: `@type` `Offer`, rules as arrays, ODRL terms
 * compacted (`use`, `eq`), and no `target` anywhere: the dataset is the target (DSP §1.2).
 */
export function toDspOffer(offer: OdrlOffer): JsonObject {
  const prefixes = prefixesOf(offer['@context'])
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(offer)) {
    if (key === '@context' || key === 'target' || key === 'uid' || key === '@type') continue
    const expanded = expandPrefixed(value, prefixes)
    out[key] = (RULE_KEYS as readonly string[]).includes(key) ? asArray(expanded).map(dspRule) : expanded
  }
  return { '@id': offer['@id'], '@type': 'Offer', ...out }
}

/** Prefix definitions (`"allmende": "https://…#"`) of an offer's own inline contexts. */
function prefixesOf(context: unknown): Map<string, string> {
  const prefixes = new Map<string, string>()
  for (const entry of asArray(context)) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue
    for (const [term, value] of Object.entries(entry as JsonObject)) {
      if (typeof value === 'string' && /[#/]$/.test(value)) prefixes.set(term, value)
    }
  }
  return prefixes
}

/**
 * The offer's own context is dropped in the DSP form (the DSP context replaces it), so compact IRIs
 * that rely on its prefixes (`allmende:FloodWarning`) are written out in full, or they would lose
 * their meaning at the consumer and in the agreement.
 */
function expandPrefixed(value: unknown, prefixes: Map<string, string>): unknown {
  if (prefixes.size === 0) return value
  if (typeof value === 'string') {
    const colon = value.indexOf(':')
    const base = colon > 0 ? prefixes.get(value.slice(0, colon)) : undefined
    return base === undefined || value.startsWith(`${value.slice(0, colon)}://`)
      ? value
      : base + value.slice(colon + 1)
  }
  if (Array.isArray(value)) return value.map((v) => expandPrefixed(v, prefixes))
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandPrefixed(v, prefixes)]))
  }
  return value
}

const iri = (id: string): JsonObject => ({ '@id': id })

/** The DCAT metadata of a dataset under `dct:`/`dcat:` keys (prefixes the DSP context defines). */
function dspMetadata(view: DatasetView): JsonObject {
  const m: JsonObject = {
    'dct:title': view.title,
    'dct:description': view.description,
    'dct:publisher': {
      ...(view.publisher.id === undefined ? {} : { '@id': view.publisher.id }),
      '@type': `${FOAF}Agent`,
      [`${FOAF}name`]: view.publisher.name,
    },
    'dcat:version': String(view.version),
    'dct:issued': view.created,
    'dct:modified': view.modified,
  }
  if (view.keyword.length > 0) m['dcat:keyword'] = [...view.keyword]
  if (view.theme.length > 0) m['dcat:theme'] = view.theme.map(iri)
  if (view.spatial.length > 0) m['dct:spatial'] = view.spatial.map(iri)
  if (view.temporal !== undefined) {
    m['dct:temporal'] = {
      '@type': 'dct:PeriodOfTime',
      ...(view.temporal.start === undefined ? {} : { 'dcat:startDate': view.temporal.start }),
      ...(view.temporal.end === undefined ? {} : { 'dcat:endDate': view.temporal.end }),
    }
  }
  if (view.license !== undefined) m['dct:license'] = iri(view.license)
  if (view.accrualPeriodicity !== undefined) m['dct:accrualPeriodicity'] = iri(view.accrualPeriodicity)
  return m
}

/**
 * One dataset as a DSP `Dataset` (without `@context`), or undefined when it has no visible offer:
 * DSP 2025-1 requires every catalog dataset to carry at least one offer. Its distributions are one
 * per transfer format, each pointing at the catalog's DataService.
 */
export function toDspDataset(view: DatasetView, options: DspCatalogOptions): DspDataset | undefined {
  if (view.offers.length === 0) return undefined
  const service = serviceOf(options)
  const formats = view.transferFormats ?? options.transferFormats ?? DEFAULT_TRANSFER_FORMATS
  return {
    '@id': view.id,
    '@type': 'Dataset',
    ...dspMetadata(view),
    hasPolicy: view.offers.map(toDspOffer),
    distribution: formats.map((format) => ({
      '@type': 'Distribution' as const,
      format,
      accessService: service['@id'],
    })),
  }
}

/**
 * The DSP 2025-1 `Catalog` answer for a requester, from the views the requester may see
 * (see `Catalog.catalogFor`). Datasets listed for their public metadata but without a visible offer
 * are left out, as DSP requires an offer per dataset; their metadata reaches the public through the
 * DCAT-AP.de export. Sources and access rules are not in views, so they cannot leak here.
 */
export function buildDspCatalog(views: readonly DatasetView[], options: DspCatalogOptions): DspCatalog {
  const datasets: DspDataset[] = []
  for (const view of views) {
    const dataset = toDspDataset(view, options)
    if (dataset !== undefined) datasets.push(dataset)
  }
  return {
    '@context': [DSP_CONTEXT],
    '@id': options.catalogId ?? `urn:allmende:catalog:${options.participantId}`,
    '@type': 'Catalog',
    participantId: options.participantId,
    service: [serviceOf(options)],
    // The schema wants at least one dataset when the key is present.
    ...(datasets.length > 0 ? { dataset: datasets } : {}),
  }
}

/**
 * The DSP answer to `GET /catalog/datasets/:id`, with the DataService inlined; undefined when the
 * requester sees no offer of it (answer 404, as for an unknown dataset).
 */
export function buildDspDataset(view: DatasetView, options: DspCatalogOptions): DspRootDataset | undefined {
  const dataset = toDspDataset(view, options)
  if (dataset === undefined) return undefined
  const service = serviceOf(options)
  return {
    '@context': [DSP_CONTEXT],
    ...dataset,
    distribution: dataset.distribution.map((d) => ({ ...d, accessService: service })),
  }
}
