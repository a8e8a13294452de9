import type { JsonLdDocument, Options } from 'jsonld'
import { Parser, Writer } from 'n3'
import { loadJsonld } from '../util/jsonld.js'
import type { ContactPoint, Dataset, Distribution, JsonObject, Publisher, Temporal } from './dataset.js'
import { isAbsoluteIri } from './dataset.js'
import {
  DATA_THEME_BASE,
  DATA_THEME_LABELS_DE,
  DCAT,
  DCATDE,
  DCT,
  FOAF,
  MEDIA_TYPE_BASE,
  ODRL_NS,
  POLITICAL_GEOCODING_BASE,
  SKOS,
  VCARD,
  XSD,
} from './vocabulary.js'

/** The JSON-LD context of the export (and the Turtle prefixes). */
export const DCAT_AP_DE_CONTEXT = {
  dcat: DCAT,
  dct: DCT,
  foaf: FOAF,
  vcard: VCARD,
  dcatde: DCATDE,
  xsd: XSD,
  odrl: ODRL_NS,
  skos: SKOS,
} as const

/** The `dcat:Catalog` this node publishes to open data portals (GovData harvests it). */
export interface DcatApDeExportOptions {
  /** IRI of the catalog, e.g. `https://daten.kusel.de/catalog`. */
  readonly catalogIri: string
  readonly title: string
  readonly description: string
  readonly publisher: Publisher
  /** Page of the catalog for people (`foaf:homepage`). */
  readonly homepage?: string
  /**
   * `dcat:accessURL` of distributions that give none: where to ask for the data, the node's public
   * landing page or its public DSP endpoint. Never the management API: portals publish this URL.
   */
  readonly accessURL: string
  /** Language tag of titles, descriptions and keywords; default `de`. */
  readonly language?: string
}

function text(value: string, language: string): JsonObject {
  return { '@value': value, '@language': language }
}

function dateLiteral(value: string): JsonObject {
  return { '@value': value, '@type': value.includes('T') ? 'xsd:dateTime' : 'xsd:date' }
}

function agent(publisher: Publisher): JsonObject {
  return {
    ...(publisher.id === undefined ? {} : { '@id': publisher.id }),
    '@type': 'foaf:Agent',
    'foaf:name': publisher.name,
  }
}

function contact(point: ContactPoint): JsonObject {
  return {
    '@type': ['vcard:Kind', 'vcard:Organization'],
    'vcard:fn': point.fn,
    ...(point.email === undefined ? {} : { 'vcard:hasEmail': { '@id': `mailto:${point.email}` } }),
    ...(point.url === undefined ? {} : { 'vcard:hasURL': { '@id': point.url } }),
    ...(point.tel === undefined
      ? {}
      : { 'vcard:hasTelephone': { '@id': `tel:${point.tel.replace(/[^+0-9]/g, '')}` } }),
  }
}

/**
 * A reference to a term of a controlled vocabulary, typed with the class DCAT-AP 3 expects there,
 * so that the shapes' class checks hold for a harvester that has not loaded the vocabulary.
 */
function term(iri: string, type: string): JsonObject {
  return { '@id': iri, '@type': type }
}

/** A data theme is a skos:Concept, which DCAT-AP 3 wants with its label. */
function theme(iri: string): JsonObject {
  const label = DATA_THEME_LABELS_DE[iri.slice(DATA_THEME_BASE.length)]
  return {
    ...term(iri, 'skos:Concept'),
    ...(label === undefined ? {} : { 'skos:prefLabel': { '@value': label, '@language': 'de' } }),
  }
}

function period(temporal: Temporal): JsonObject {
  return {
    '@type': 'dct:PeriodOfTime',
    ...(temporal.start === undefined ? {} : { 'dcat:startDate': dateLiteral(temporal.start) }),
    ...(temporal.end === undefined ? {} : { 'dcat:endDate': dateLiteral(temporal.end) }),
  }
}

function distribution(dataset: Dataset, d: Distribution, options: DcatApDeExportOptions, language: string) {
  const license = d.license ?? dataset.license
  const publicOffers = dataset.offers
    .filter((o) => o.access.kind === 'public' && isAbsoluteIri(o.offer['@id']))
    .map((o) => ({ '@id': o.offer['@id'], '@type': ['odrl:Policy', 'odrl:Offer'] }))
  return {
    '@type': 'dcat:Distribution',
    ...(d.title === undefined ? {} : { 'dct:title': text(d.title, language) }),
    'dct:format': term(d.format, 'dct:MediaTypeOrExtent'),
    ...(d.mediaType === undefined
      ? {}
      : { 'dcat:mediaType': term(MEDIA_TYPE_BASE + d.mediaType, 'dct:MediaType') }),
    'dcat:accessURL': { '@id': d.accessURL ?? options.accessURL },
    ...(d.downloadURL === undefined ? {} : { 'dcat:downloadURL': { '@id': d.downloadURL } }),
    ...(license === undefined ? {} : { 'dct:license': term(license, 'dct:LicenseDocument') }),
    ...(dataset.licenseAttributionByText === undefined
      ? {}
      : { 'dcatde:licenseAttributionByText': text(dataset.licenseAttributionByText, language) }),
    // Offers anyone may see are named by IRI: the data is under contract, its terms are public.
    ...(publicOffers.length === 0 ? {} : { 'odrl:hasPolicy': publicOffers }),
  }
}

function datasetNode(dataset: Dataset, options: DcatApDeExportOptions, language: string): JsonObject {
  const geocoding = dataset.spatial.filter((s) => s.startsWith(POLITICAL_GEOCODING_BASE))
  const locations = dataset.spatial.filter((s) => !s.startsWith(POLITICAL_GEOCODING_BASE))
  return {
    '@id': dataset.id,
    '@type': 'dcat:Dataset',
    'dct:identifier': dataset.id,
    'dct:title': text(dataset.title, language),
    'dct:description': text(dataset.description, language),
    'dct:publisher': agent(dataset.publisher),
    ...(dataset.keyword.length === 0
      ? {}
      : { 'dcat:keyword': dataset.keyword.map((k) => text(k, language)) }),
    ...(dataset.theme.length === 0 ? {} : { 'dcat:theme': dataset.theme.map(theme) }),
    ...(geocoding.length === 0
      ? {}
      : { 'dcatde:politicalGeocodingURI': geocoding.map((s) => ({ '@id': s })) }),
    ...(locations.length === 0 ? {} : { 'dct:spatial': locations.map((s) => term(s, 'dct:Location')) }),
    ...(dataset.temporal === undefined ? {} : { 'dct:temporal': period(dataset.temporal) }),
    ...(dataset.accrualPeriodicity === undefined
      ? {}
      : { 'dct:accrualPeriodicity': term(dataset.accrualPeriodicity, 'dct:Frequency') }),
    ...(dataset.contactPoint === undefined ? {} : { 'dcat:contactPoint': contact(dataset.contactPoint) }),
    ...(dataset.contributorID === undefined
      ? {}
      : { 'dcatde:contributorID': { '@id': dataset.contributorID } }),
    'dct:issued': dateLiteral(dataset.created),
    'dct:modified': dateLiteral(dataset.modified),
    'dcat:version': String(dataset.version),
    'dcat:distribution': dataset.distributions.map((d) => distribution(dataset, d, options, language)),
  }
}

/**
 * The public part of the local catalog as DCAT-AP.de 3.0 JSON-LD: a `dcat:Catalog` with every dataset
 * whose metadata is public. Fields are written by name from the metadata, so sources, access rules
 * and non-public offers never reach it.
 */
export function toDcatApDeJsonLd(datasets: readonly Dataset[], options: DcatApDeExportOptions): JsonObject {
  const language = options.language ?? 'de'
  const published = datasets.filter((d) => d.metadataVisibility === 'public')
  return {
    '@context': DCAT_AP_DE_CONTEXT,
    '@id': options.catalogIri,
    '@type': 'dcat:Catalog',
    'dct:title': text(options.title, language),
    'dct:description': text(options.description, language),
    'dct:publisher': agent(options.publisher),
    ...(options.homepage === undefined ? {} : { 'foaf:homepage': term(options.homepage, 'foaf:Document') }),
    'dcat:dataset': published.map((d) => datasetNode(d, options, language)),
  }
}

/**
 * The same graph as {@link toDcatApDeJsonLd}, as Turtle: the JSON-LD is turned into RDF (safe mode:
 * an unmapped term fails instead of vanishing) and written with the n3 Writer.
 */
export async function toDcatApDeTurtle(
  datasets: readonly Dataset[],
  options: DcatApDeExportOptions,
): Promise<string> {
  const doc = toDcatApDeJsonLd(datasets, options)
  const jsonld = await loadJsonld()
  const nquads = (await jsonld.toRDF(
    doc as JsonLdDocument,
    {
      format: 'application/n-quads',
      safe: true,
    } as Options.ToRdf,
  )) as unknown as string
  const quads = new Parser({ format: 'N-Quads', blankNodePrefix: '' }).parse(nquads)
  const writer = new Writer({ prefixes: { ...DCAT_AP_DE_CONTEXT } })
  writer.addQuads(quads)
  return await new Promise<string>((resolve, reject) => {
    writer.end((error, result) => (error ? reject(error) : resolve(result)))
  })
}
