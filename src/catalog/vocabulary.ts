/**
 * The controlled vocabularies DCAT-AP.de 3.0 asks for, and the namespaces the catalog writes.
 * Codes may be given short (`ENVI`, `HOURLY`, `CSV`) and are stored as full IRIs.
 */

export const DCAT = 'http://www.w3.org/ns/dcat#'
export const DCT = 'http://purl.org/dc/terms/'
export const FOAF = 'http://xmlns.com/foaf/0.1/'
export const VCARD = 'http://www.w3.org/2006/vcard/ns#'
export const DCATDE = 'http://dcat-ap.de/def/dcatde/'
export const XSD = 'http://www.w3.org/2001/XMLSchema#'
export const ODRL_NS = 'http://www.w3.org/ns/odrl/2/'

/** EU data theme vocabulary (`dcat:theme`), http://publications.europa.eu/resource/authority/data-theme. */
export const DATA_THEME_BASE = 'http://publications.europa.eu/resource/authority/data-theme/'
export const DATA_THEMES: readonly string[] = [
  'AGRI',
  'ECON',
  'EDUC',
  'ENER',
  'ENVI',
  'GOVE',
  'HEAL',
  'INTR',
  'JUST',
  'REGI',
  'SOCI',
  'TECH',
  'TRAN',
]

/** EU frequency vocabulary (`dct:accrualPeriodicity`), http://publications.europa.eu/resource/authority/frequency. */
export const FREQUENCY_BASE = 'http://publications.europa.eu/resource/authority/frequency/'
export const FREQUENCIES: readonly string[] = [
  '1MIN',
  '5MIN',
  '10MIN',
  '15MIN',
  '30MIN',
  'HOURLY',
  'BIHOURLY',
  'TRIHOURLY',
  '12HRS',
  'CONT',
  'UPDATE_CONT',
  'DAILY',
  'DAILY_2',
  'WEEKLY',
  'WEEKLY_2',
  'WEEKLY_3',
  'BIWEEKLY',
  'MONTHLY',
  'MONTHLY_2',
  'MONTHLY_3',
  'BIMONTHLY',
  'QUARTERLY',
  'ANNUAL',
  'ANNUAL_2',
  'ANNUAL_3',
  'BIENNIAL',
  'TRIENNIAL',
  'QUADRENNIAL',
  'QUINQUENNIAL',
  'DECENNIAL',
  'BIDECENNIAL',
  'TRIDECENNIAL',
  'IRREG',
  'NEVER',
  'OTHER',
  'UNKNOWN',
  'OP_DATPRO',
]

/** EU file-type vocabulary (`dct:format` of a DCAT distribution). */
export const FILE_TYPE_BASE = 'http://publications.europa.eu/resource/authority/file-type/'

/** DCAT-AP.de licence IRIs (`dct:license`), e.g. `http://dcat-ap.de/def/licenses/dl-by-de/2.0`. */
export const LICENSE_BASE = 'http://dcat-ap.de/def/licenses/'

/** IANA media types as IRIs, as DCAT-AP 3 writes `dcat:mediaType`. */
export const MEDIA_TYPE_BASE = 'http://www.iana.org/assignments/media-types/'

/** Expands a short code (`ENVI`) under `base`; a full IRI is returned unchanged. */
export function expandCode(value: string, base: string): string {
  return value.includes(':') ? value : base + value
}

/** The short code of a vocabulary IRI, or undefined when `iri` is not under `base` or not in `codes`. */
export function codeOf(iri: string, base: string, codes: readonly string[]): string | undefined {
  if (!iri.startsWith(base)) return undefined
  const code = iri.slice(base.length)
  return codes.includes(code) ? code : undefined
}
