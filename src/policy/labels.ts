/**
 * Label tables and formatters for explaining policies in German and English: action verbs, left
 * operands, party and asset noun phrases (with German articles chosen from the head noun), dates,
 * durations and amounts. Everything is table-driven so that the same policy always reads the same.
 */

import {
  ALLMENDE_NS,
  type Bilingual,
  type GermanGender,
  PROFILE_ACTIONS,
  PROFILE_LEFT_OPERANDS,
  PROFILE_VALUE_LABELS,
  PURPOSE_BY_IRI,
} from './profile.js'
import { ODRL_NS } from './vocabulary.js'

/** Output language of explanations. */
export type Lang = 'de' | 'en'

/** What an action's verb takes as its object. */
export type ActionObject = 'asset' | 'use' | 'party' | 'none'

/** An action's verb: German infinitive (at the end of the clause) and English base form. */
export interface ActionLabel extends Bilingual {
  readonly object: ActionObject
  /** For `party` objects: the party function it names (`informedParty`). */
  readonly party?: string
}

const v = (de: string, en: string, object: ActionObject = 'asset', party?: string): ActionLabel => ({
  de,
  en,
  object,
  ...(party !== undefined && { party }),
})

/** Verbs of the ODRL 2.2 actions (and deprecated ones still met in the wild), by local name. */
const ODRL_ACTION_LABELS: Readonly<Record<string, ActionLabel>> = {
  use: v('nutzen', 'use'),
  transfer: v('übertragen', 'transfer'),
  acceptTracking: v('die Nachverfolgung akzeptieren', 'accept tracking', 'none'),
  aggregate: v('aggregieren', 'aggregate'),
  annotate: v('annotieren', 'annotate'),
  anonymize: v('anonymisieren', 'anonymise'),
  archive: v('archivieren', 'archive'),
  attribute: v('als Quelle nennen', 'attribute', 'party', 'attributedParty'),
  compensate: v('zahlen', 'pay', 'none'),
  concurrentUse: v('gleichzeitig nutzen', 'use concurrently'),
  delete: v('löschen', 'delete'),
  derive: v('zur Ableitung neuer Daten nutzen', 'derive new data from'),
  digitize: v('digitalisieren', 'digitise'),
  display: v('anzeigen', 'display'),
  distribute: v('weitergeben', 'distribute'),
  ensureExclusivity: v('die Exklusivität sicherstellen', 'ensure exclusivity', 'none'),
  execute: v('ausführen', 'execute'),
  extract: v('extrahieren', 'extract'),
  give: v('verschenken', 'give away'),
  grantUse: v('anderen zur Nutzung überlassen', 'grant others the use of'),
  include: v('einbinden', 'include'),
  index: v('indexieren', 'index'),
  inform: v('über die Nutzung informieren', 'inform', 'party', 'informedParty'),
  install: v('installieren', 'install'),
  modify: v('verändern', 'modify'),
  move: v('verschieben', 'move'),
  nextPolicy: v('nur unter einer Folgerichtlinie weitergeben', 'pass on only under a next policy'),
  obtainConsent: v('die Einwilligung einholen', 'obtain consent', 'party', 'consentingParty'),
  play: v('abspielen', 'play'),
  present: v('vorführen', 'present'),
  print: v('drucken', 'print'),
  read: v('lesen', 'read'),
  reproduce: v('vervielfältigen', 'reproduce'),
  reviewPolicy: v('die Richtlinie prüfen lassen', 'have the policy reviewed', 'none'),
  sell: v('verkaufen', 'sell'),
  stream: v('streamen', 'stream'),
  synchronize: v('synchronisieren', 'synchronise'),
  textToSpeech: v('vorlesen lassen', 'convert to speech'),
  transform: v('umwandeln', 'transform'),
  translate: v('übersetzen', 'translate'),
  uninstall: v('deinstallieren', 'uninstall'),
  watermark: v('mit einem Wasserzeichen versehen', 'watermark'),
  adHocShare: v('spontan teilen', 'share ad hoc'),
  append: v('ergänzen', 'append to'),
  appendTo: v('ergänzen', 'append to'),
  commercialize: v('kommerziell nutzen', 'commercialise'),
  copy: v('kopieren', 'copy'),
  export: v('exportieren', 'export'),
  lease: v('vermieten', 'lease'),
  lend: v('verleihen', 'lend'),
  license: v('lizenzieren', 'license'),
  pay: v('zahlen', 'pay', 'none'),
  preview: v('in der Vorschau ansehen', 'preview'),
  secondaryUse: v('weiterverwenden', 'reuse'),
  share: v('teilen', 'share'),
  write: v('schreiben', 'write'),
  writeTo: v('beschreiben', 'write to'),
}

const PROFILE_ACTION_OBJECTS: Readonly<Record<string, ActionObject>> = {
  [`${ALLMENDE_NS}log`]: 'use',
  [`${ALLMENDE_NS}pseudonymise`]: 'asset',
}

/** The verb of an action IRI; unknown actions are quoted by their short name. */
export function actionLabel(iri: string): ActionLabel {
  if (iri.startsWith(ODRL_NS)) {
    const known = ODRL_ACTION_LABELS[iri.slice(ODRL_NS.length)]
    if (known !== undefined) return known
  }
  const profile = PROFILE_ACTIONS.get(iri)
  if (profile !== undefined) return { ...profile, object: PROFILE_ACTION_OBJECTS[iri] ?? 'asset' }
  const short = shortenIri(iri)
  return { de: `die Handlung „${short}“ ausführen an`, en: `perform “${short}” on`, object: 'asset' }
}

/** Left operand labels, German with article (nominative), for the generic "sofern ..." phrasing. */
const LEFT_OPERAND_LABELS: Readonly<Record<string, Bilingual>> = {
  absolutePosition: { de: 'die absolute Position', en: 'the absolute position' },
  absoluteSpatialPosition: { de: 'die absolute räumliche Position', en: 'the absolute spatial position' },
  absoluteTemporalPosition: { de: 'die absolute zeitliche Position', en: 'the absolute temporal position' },
  absoluteSize: { de: 'die absolute Größe', en: 'the absolute size' },
  count: { de: 'die Anzahl der Nutzungen', en: 'the number of uses' },
  dateTime: { de: 'der Zeitpunkt', en: 'the date and time' },
  delayPeriod: { de: 'die Wartezeit', en: 'the delay' },
  deliveryChannel: { de: 'der Lieferkanal', en: 'the delivery channel' },
  device: { de: 'das Gerät', en: 'the device' },
  elapsedTime: { de: 'die verstrichene Zeit', en: 'the elapsed time' },
  event: { de: 'das Ereignis', en: 'the event' },
  fileFormat: { de: 'das Dateiformat', en: 'the file format' },
  industry: { de: 'die Branche', en: 'the industry' },
  language: { de: 'die Sprache', en: 'the language' },
  media: { de: 'das Medium', en: 'the medium' },
  meteredTime: { de: 'die gemessene Nutzungszeit', en: 'the metered time' },
  payAmount: { de: 'der Betrag', en: 'the amount' },
  percentage: { de: 'der Anteil', en: 'the percentage' },
  product: { de: 'das Produkt', en: 'the product' },
  purpose: { de: 'der Zweck', en: 'the purpose' },
  recipient: { de: 'der Empfänger', en: 'the recipient' },
  relativePosition: { de: 'die relative Position', en: 'the relative position' },
  relativeSpatialPosition: { de: 'die relative räumliche Position', en: 'the relative spatial position' },
  relativeTemporalPosition: { de: 'die relative zeitliche Position', en: 'the relative temporal position' },
  relativeSize: { de: 'die relative Größe', en: 'the relative size' },
  resolution: { de: 'die Auflösung', en: 'the resolution' },
  spatial: { de: 'der Ort', en: 'the location' },
  spatialCoordinates: { de: 'die Koordinaten', en: 'the coordinates' },
  system: { de: 'das System', en: 'the system' },
  systemDevice: { de: 'das System', en: 'the system' },
  timeInterval: { de: 'das Zeitintervall', en: 'the time interval' },
  unitOfCount: { de: 'die Zähleinheit', en: 'the unit of count' },
  version: { de: 'die Version', en: 'the version' },
  virtualLocation: { de: 'der virtuelle Ort', en: 'the virtual location' },
}

const GERMAN_ARTICLE_OF_PROFILE_OPERAND: Readonly<Record<string, string>> = {
  dataSpaceMembership: 'die',
  contractRef: 'die',
  securityLevel: 'die',
  connector: 'der',
  role: 'die',
  artifactState: 'der',
}

/** Label of a left operand IRI, German with its article. */
export function leftOperandLabel(iri: string): Bilingual {
  if (iri.startsWith(ODRL_NS)) {
    const known = LEFT_OPERAND_LABELS[iri.slice(ODRL_NS.length)]
    if (known !== undefined) return known
  }
  const profile = PROFILE_LEFT_OPERANDS.find((o) => o.iri === iri)
  if (profile !== undefined) {
    return {
      de: `${GERMAN_ARTICLE_OF_PROFILE_OPERAND[profile.term] ?? 'der'} ${profile.label.de}`,
      en: `the ${profile.label.en}`,
    }
  }
  const short = shortenIri(iri)
  return { de: `der Wert „${short}“`, en: `the value “${short}”` }
}

/** Operator phrasing after the left operand in "sofern X ..." / "provided that X ...". */
export function operatorPhrase(operator: string, value: string, lang: Lang): string {
  const de: Record<string, string> = {
    eq: `${value} ist`,
    neq: `nicht ${value} ist`,
    lt: `kleiner als ${value} ist`,
    lteq: `höchstens ${value} ist`,
    gt: `größer als ${value} ist`,
    gteq: `mindestens ${value} ist`,
    isA: `eine Art von ${value} ist`,
    isPartOf: `Teil von ${value} ist`,
    hasPart: `${value} enthält`,
    isAllOf: `alle von ${value} umfasst`,
    isAnyOf: `einer von ${value} ist`,
    isNoneOf: `keiner von ${value} ist`,
  }
  const en: Record<string, string> = {
    eq: `is ${value}`,
    neq: `is not ${value}`,
    lt: `is less than ${value}`,
    lteq: `is at most ${value}`,
    gt: `is greater than ${value}`,
    gteq: `is at least ${value}`,
    isA: `is a kind of ${value}`,
    isPartOf: `is part of ${value}`,
    hasPart: `contains ${value}`,
    isAllOf: `is all of ${value}`,
    isAnyOf: `is one of ${value}`,
    isNoneOf: `is none of ${value}`,
  }
  const table = lang === 'de' ? de : en
  return table[operator] ?? `${operator} ${value}`
}

/** A short, readable form of an IRI or DID when no label is known. */
export function shortenIri(iri: string): string {
  if (iri.startsWith('did:web:')) {
    return decodeURIComponent(iri.slice('did:web:'.length).split(':').join('/'))
  }
  if (iri.startsWith('did:') && iri.length > 28) return `${iri.slice(0, 18)}…${iri.slice(-4)}`
  if (iri.startsWith('urn:uuid:')) return `${iri.slice(0, 17)}…`
  const hash = iri.lastIndexOf('#')
  if (hash >= 0 && hash < iri.length - 1) return iri.slice(hash + 1)
  const trimmed = iri.replace(/\/+$/, '')
  const slash = trimmed.lastIndexOf('/')
  if (/^https?:\/\//.test(trimmed) && slash > trimmed.indexOf('//') + 1) return trimmed.slice(slash + 1)
  return iri
}

/** Labels of well-known values: purposes, the profile's named values, units. */
export function knownValueLabel(iri: string): Bilingual | undefined {
  const purpose = PURPOSE_BY_IRI.get(iri)
  if (purpose !== undefined) return purpose.label
  return PROFILE_VALUE_LABELS.get(iri) ?? UNIT_LABELS.get(iri)
}

const UNIT_LABELS: ReadonlyMap<string, Bilingual> = new Map([
  ['http://dbpedia.org/resource/Euro', { de: 'EUR', en: 'EUR' }],
  ['https://dbpedia.org/resource/Euro', { de: 'EUR', en: 'EUR' }],
  ['http://www.wikidata.org/entity/Q4916', { de: 'EUR', en: 'EUR' }],
])

/* ---------- German noun phrases ---------- */

/** Head words (lower case, matched at the end of the first word) -> gender. Most specific first. */
const HEAD_NOUNS: readonly (readonly [string, GermanGender])[] = [
  ['daten', 'pl'],
  ['werte', 'pl'],
  ['meldungen', 'pl'],
  ['zahlen', 'pl'],
  ['werke', 'pl'],
  ['messungen', 'pl'],
  ['informationen', 'pl'],
  ['landkreis', 'm'],
  ['kreis', 'm'],
  ['zweckverband', 'm'],
  ['verband', 'm'],
  ['schutz', 'm'],
  ['betrieb', 'm'],
  ['bund', 'm'],
  ['verein', 'm'],
  ['datensatz', 'm'],
  ['satz', 'm'],
  ['stand', 'm'],
  ['bericht', 'm'],
  ['pegel', 'm'],
  ['index', 'm'],
  ['katalog', 'm'],
  ['dienst', 'm'],
  ['plan', 'm'],
  ['stadt', 'f'],
  ['gemeinde', 'f'],
  ['schule', 'f'],
  ['universität', 'f'],
  ['verwaltung', 'f'],
  ['behörde', 'f'],
  ['feuerwehr', 'f'],
  ['polizei', 'f'],
  ['direktion', 'f'],
  ['anstalt', 'f'],
  ['agentur', 'f'],
  ['gesellschaft', 'f'],
  ['genossenschaft', 'f'],
  ['reihe', 'f'],
  ['karte', 'f'],
  ['liste', 'f'],
  ['tabelle', 'f'],
  ['statistik', 'f'],
  ['ung', 'f'],
  ['ministerium', 'n'],
  ['amt', 'n'],
  ['land', 'n'],
  ['zentrum', 'n'],
  ['institut', 'n'],
  ['büro', 'n'],
  ['register', 'n'],
  ['verzeichnis', 'n'],
  ['archiv', 'n'],
  ['modell', 'n'],
  ['portal', 'n'],
]

/** Legal forms at the end of a name decide its gender (die ... GmbH, der ... e.V.). */
const LEGAL_FORMS: Readonly<Record<string, GermanGender>> = {
  gmbh: 'f',
  ag: 'f',
  kg: 'f',
  eg: 'f',
  'e.v.': 'm',
  aör: 'f',
  gbr: 'f',
  ug: 'f',
  se: 'f',
}

/** Guesses nothing: returns the gender only when the head noun or legal form is in the tables. */
export function germanGender(label: string): GermanGender | undefined {
  const words = label.trim().split(/\s+/)
  const last = words.at(-1)?.toLowerCase() ?? ''
  const legal = LEGAL_FORMS[last.replace(/[()]/g, '')]
  if (legal !== undefined && words.length > 1) return legal
  const first = (words[0] ?? '').toLowerCase()
  for (const [head, gender] of HEAD_NOUNS) if (first.endsWith(head)) return gender
  return undefined
}

/** Grammatical case of a German noun phrase. */
export type GermanCase = 'nom' | 'acc' | 'dat'

const ARTICLES: Readonly<Record<GermanGender, Readonly<Record<GermanCase, string>>>> = {
  m: { nom: 'der', acc: 'den', dat: 'dem' },
  f: { nom: 'die', acc: 'die', dat: 'der' },
  n: { nom: 'das', acc: 'das', dat: 'dem' },
  pl: { nom: 'die', acc: 'die', dat: 'den' },
}

const PRONOUNS: Readonly<Record<GermanGender, string>> = { m: 'ihn', f: 'sie', n: 'es', pl: 'sie' }

/** A thing to be named in a sentence: its label per language, and its German gender if known. */
export interface NounPhrase {
  readonly de: string
  readonly en: string
  /** Absent: a proper name without article (parties) or wrapped as "die Daten „…“" (assets). */
  readonly gender?: GermanGender
  /** True when no label was found and the text is a shortened IRI. */
  readonly fallback: boolean
}

/** German noun phrase in a case, with the article its gender needs. */
export function germanNoun(np: NounPhrase, c: GermanCase): string {
  if (np.gender === undefined) return np.de
  return `${ARTICLES[np.gender][c]} ${np.de}`
}

/** German accusative pronoun for a noun phrase (assets without a gender are "die Daten": sie). */
export function germanPronoun(np: NounPhrase): string {
  return PRONOUNS[np.gender ?? 'pl']
}

/** Upper-cases the first letter of a sentence. */
export function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]?.toUpperCase() + s.slice(1)
}

/** "A, B und C" / "A, B and C". */
export function joinList(items: readonly string[], lang: Lang, word?: string): string {
  const and = word ?? (lang === 'de' ? 'und' : 'and')
  if (items.length <= 1) return items[0] ?? ''
  return `${items.slice(0, -1).join(', ')} ${and} ${items.at(-1)}`
}

/* ---------- dates, durations, amounts ---------- */

const EN_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

/**
 * `2027-12-31` -> `31.12.2027` / `31 December 2027`; a time of day is kept as written with its
 * offset (`31.12.2027, 12:00 Uhr (UTC)`), never converted: the text must say what the policy says.
 */
export function formatDate(value: string, lang: Lang): string {
  const m =
    /^(-?\d{4,})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(
      value.trim(),
    )
  if (m === null) return value
  const [, y, mo, d, h, mi, s, tz] = m
  const date = lang === 'de' ? `${d}.${mo}.${y}` : `${Number(d)} ${EN_MONTHS[Number(mo) - 1]} ${y}`
  if (h === undefined) return date
  const time = `${h}:${mi}${s !== undefined && s !== '00' ? `:${s}` : ''}`
  const zone = tz === undefined ? '' : tz === 'Z' ? ' (UTC)' : ` (UTC${tz})`
  return lang === 'de' ? `${date}, ${time} Uhr${zone}` : `${date}, ${time}${zone}`
}

const DURATION_UNITS: readonly {
  key: string
  de: [string, string, string]
  en: [string, string]
}[] = [
  // German: singular, plural, dative plural ("innerhalb von 30 Tagen")
  { key: 'Y', de: ['Jahr', 'Jahre', 'Jahren'], en: ['year', 'years'] },
  { key: 'Mo', de: ['Monat', 'Monate', 'Monaten'], en: ['month', 'months'] },
  { key: 'W', de: ['Woche', 'Wochen', 'Wochen'], en: ['week', 'weeks'] },
  { key: 'D', de: ['Tag', 'Tage', 'Tagen'], en: ['day', 'days'] },
  { key: 'H', de: ['Stunde', 'Stunden', 'Stunden'], en: ['hour', 'hours'] },
  { key: 'Mi', de: ['Minute', 'Minuten', 'Minuten'], en: ['minute', 'minutes'] },
  { key: 'S', de: ['Sekunde', 'Sekunden', 'Sekunden'], en: ['second', 'seconds'] },
]

/** Parsed `xsd:duration` parts, or undefined when the text is not one. */
export function parseDuration(value: string): Record<string, number> | undefined {
  const m =
    /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      value.trim(),
    )
  if (m === null || value.trim() === 'P' || value.trim().endsWith('T')) return undefined
  const keys = ['Y', 'Mo', 'W', 'D', 'H', 'Mi', 'S']
  const out: Record<string, number> = {}
  keys.forEach((k, i) => {
    const part = m[i + 1]
    if (part !== undefined) out[k] = Number(part)
  })
  return Object.keys(out).length === 0 ? undefined : out
}

/** `P30D` -> `30 Tage` / `30 days`; `dative` gives `30 Tagen` (after "innerhalb von"). */
export function formatDuration(value: string, lang: Lang, dative = false): string {
  const parts = parseDuration(value)
  if (parts === undefined) return value
  const words = DURATION_UNITS.flatMap((u) => {
    const n = parts[u.key]
    if (n === undefined) return []
    const num = lang === 'de' ? String(n).replace('.', ',') : String(n)
    if (lang === 'en') return [`${num} ${n === 1 ? u.en[0] : u.en[1]}`]
    return [`${num} ${n === 1 ? u.de[0] : dative ? u.de[2] : u.de[1]}`]
  })
  return joinList(words, lang)
}

/** `500` -> `500,00 EUR` / `EUR 500.00`. */
export function formatAmount(value: string, unit: string | undefined, lang: Lang): string {
  const n = Number(value)
  const currency = unit === undefined ? undefined : (knownValueLabel(unit)?.en ?? shortenIri(unit))
  if (!Number.isFinite(n)) return currency === undefined ? value : `${value} ${currency}`
  const [int, frac] = n.toFixed(2).split('.') as [string, string]
  const sep = lang === 'de' ? '.' : ','
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, sep)
  const text = lang === 'de' ? `${grouped},${frac}` : `${grouped}.${frac}`
  if (currency === undefined) return text
  return lang === 'de' ? `${text} ${currency}` : `${currency} ${text}`
}

/** `10` -> `10-mal` / `10 times`, `1` -> `einmal` / `once`. */
export function formatTimes(value: string, lang: Lang): string {
  if (value === '1') return lang === 'de' ? 'einmal' : 'once'
  return lang === 'de' ? `${value}-mal` : `${value} times`
}
