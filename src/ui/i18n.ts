/** The dashboard's languages: German first, English too. */
export type Lang = 'de' | 'en'

const STORAGE_KEY = 'allmende-lang'

/** Every text of the dashboard: key -> [German, English]. `{name}` marks a parameter. */
const TEXTS = {
  'app.name': ['Allmende', 'Allmende'],
  'app.skip': ['Zum Inhalt springen', 'Skip to content'],
  'app.nav': ['Hauptnavigation', 'Main navigation'],
  'app.language': ['Sprache', 'Language'],
  'app.switchTo': ['English', 'Deutsch'],
  'app.switchLang': ['Switch to English', 'Auf Deutsch umschalten'],
  'app.logout': ['Abmelden', 'Log out'],
  'app.loading': ['Wird geladen …', 'Loading …'],
  'app.live': ['Live-Aktualisierung aktiv', 'Live updates on'],
  'app.offline': [
    'Live-Aktualisierung unterbrochen, neuer Versuch …',
    'Live updates interrupted, retrying …',
  ],
  'app.notFound': ['Diese Seite gibt es nicht.', 'There is no such page.'],
  'login.title': ['Anmeldung nötig', 'Please log in'],
  'login.text': [
    'Öffnen Sie den Anmeldelink, den „allmende start“ ausgegeben hat, oder lassen Sie sich einen neuen geben:',
    'Open the login link printed by “allmende start”, or get a fresh one:',
  ],
  'page.overview': ['Übersicht', 'Overview'],
  'page.catalog': ['Katalog', 'Catalog'],
  'page.policies': ['Richtlinien', 'Policies'],
  'page.negotiations': ['Verhandlungen', 'Negotiations'],
  'page.agreements': ['Verträge', 'Agreements'],
  'page.transfers': ['Übertragungen', 'Transfers'],
  'page.audit': ['Protokoll', 'Audit log'],
  'page.dataspace': ['Datenraum', 'Data space'],
  'common.none': ['keine', 'none'],
  'common.yes': ['ja', 'yes'],
  'common.no': ['nein', 'no'],
  'common.save': ['Speichern', 'Save'],
  'common.cancel': ['Abbrechen', 'Cancel'],
  'common.remove': ['Entfernen', 'Remove'],
  'common.add': ['Hinzufügen', 'Add'],
  'common.edit': ['Bearbeiten', 'Edit'],
  'common.close': ['Schließen', 'Close'],
  'common.search': ['Suchen', 'Search'],
  'common.state': ['Zustand', 'State'],
  'common.time': ['Zeit', 'Time'],
  'common.reason': ['Grund', 'Reason'],
  'common.details': ['Einzelheiten', 'Details'],
  'common.actions': ['Aktionen', 'Actions'],
  'common.dataset': ['Datensatz', 'Dataset'],
  'common.provider': ['Anbieter', 'Provider'],
  'common.consumer': ['Empfänger', 'Consumer'],
  'common.counterparty': ['Gegenseite', 'Counterparty'],
  'common.role': ['Rolle', 'Role'],
  'common.roleProvider': ['Anbieter', 'provider'],
  'common.roleConsumer': ['Empfänger', 'consumer'],
  'common.unknown': ['unbekannt', 'unknown'],
  'common.done': ['Erledigt.', 'Done.'],
  'common.thisNode': ['dieser Knoten', 'this node'],
  'common.download': ['Herunterladen', 'Download'],
  'error.title': ['Fehler', 'Error'],
  'error.network': ['Der Knoten antwortet nicht.', 'The node does not answer.'],
  'error.ALLMENDE_UNAUTHORIZED': [
    'Sie sind nicht (mehr) angemeldet.',
    'You are not (or no longer) logged in.',
  ],
  'error.ALLMENDE_CSRF': [
    'Die Anfrage wurde aus Sicherheitsgründen abgewiesen. Bitte laden Sie die Seite neu.',
    'The request was refused for security reasons. Please reload the page.',
  ],
  'error.ALLMENDE_NOT_FOUND': ['Nicht gefunden.', 'Not found.'],
  'error.ALLMENDE_INVALID_INPUT': ['Die Eingabe ist ungültig.', 'The input is invalid.'],
  'error.ALLMENDE_INVALID_DATASET': [
    'Der Datensatz ist unvollständig oder fehlerhaft.',
    'The dataset is incomplete or wrong.',
  ],
  'error.ALLMENDE_INVALID_OFFER': [
    'Das Angebot ist keine gültige Richtlinie.',
    'The offer is not a valid policy.',
  ],
  'error.ALLMENDE_PEER_UNREACHABLE': [
    'Der andere Knoten ist nicht erreichbar.',
    'The other node cannot be reached.',
  ],
  'error.ALLMENDE_NOT_AN_ANCHOR': [
    'Nur ein Vertrauensanker des Datenraums darf das.',
    'Only a trust anchor of the data space may do this.',
  ],
  'error.ALLMENDE_NO_DATASPACE': [
    'Dieser Knoten gehört keinem Datenraum mit Beschreibung an.',
    'This node belongs to no data space with a descriptor.',
  ],
  'error.ALLMENDE_POLICY_TEMPLATE_PARAMETER': [
    'Ein Wert passt nicht zur Vorlage.',
    'A value does not fit the template.',
  ],
  'error.ALLMENDE_DATASET_VERSION_CONFLICT': [
    'Der Datensatz wurde inzwischen geändert; bitte neu laden.',
    'The dataset changed in the meantime; please reload.',
  ],
  'error.ALLMENDE_PAYLOAD_TOO_LARGE': ['Die Anfrage ist zu groß.', 'The request is too large.'],
  'error.detail': ['Meldung des Knotens', 'Message of the node'],
  'overview.identity': ['Identität', 'Identity'],
  'overview.name': ['Name', 'Name'],
  'overview.did': ['DID', 'DID'],
  'overview.peerId': ['PeerId', 'PeerId'],
  'overview.addresses': ['Adressen', 'Addresses'],
  'overview.dataspace': ['Datenraum', 'Data space'],
  'overview.membership': ['Mitgliedschaft', 'Membership'],
  'overview.memberSince': ['Mitglied seit', 'Member since'],
  'overview.anchor': ['Vertrauensanker', 'Trust anchor'],
  'overview.expires': ['Gültig bis', 'Valid until'],
  'overview.revoked': ['Widerrufen', 'Revoked'],
  'overview.isAnchor': ['Dieser Knoten ist Vertrauensanker.', 'This node is a trust anchor.'],
  'overview.noMembership': [
    'Keine Datenraum-Beschreibung: aufgenommen wird, wer dieselbe Datenraum-Kennung nennt.',
    'No data space descriptor: any peer naming the same data space id is admitted.',
  ],
  'overview.health': ['Zustand des Knotens', 'Node health'],
  'overview.healthy': ['Der Knoten läuft.', 'The node is running.'],
  'overview.peers': ['Verbundene Knoten', 'Connected peers'],
  'overview.noPeers': ['Noch keine anderen Knoten verbunden.', 'No other nodes connected yet.'],
  'overview.latency': ['Latenz', 'Latency'],
  'overview.connected': ['verbunden', 'connected'],
  'overview.admitted': ['aufgenommen', 'admitted'],
  'overview.counts': ['Zahlen', 'Figures'],
  'overview.datasets': ['Eigene Datensätze', 'Own datasets'],
  'overview.offers': ['Angebote', 'Offers'],
  'overview.agreementsGiven': ['Verträge als Anbieter', 'Agreements as provider'],
  'overview.agreementsReceived': ['Verträge als Empfänger', 'Agreements as consumer'],
  'overview.transfers': ['Übertragungen', 'Transfers'],
  'overview.openDuties': ['Offene Pflichten', 'Open duties'],
  'overview.activity': ['Übertragungen der letzten 14 Tage', 'Transfers in the last 14 days'],
  'overview.activityDay': ['Tag', 'Day'],
  'overview.activityCount': ['Anzahl', 'Count'],
} as const satisfies Record<string, readonly [string, string]>

export type TextKey = keyof typeof TEXTS

let current: Lang = initialLang()

function initialLang(): Lang {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY)
  if (stored === 'de' || stored === 'en') return stored
  for (const tag of globalThis.navigator?.languages ?? []) {
    if (tag.toLowerCase().startsWith('de')) return 'de'
    if (tag.toLowerCase().startsWith('en')) return 'en'
  }
  return 'de'
}

export function lang(): Lang {
  return current
}

/** Switches the language and remembers it for this browser. */
export function setLang(next: Lang): void {
  current = next
  globalThis.localStorage?.setItem(STORAGE_KEY, next)
}

/** Texts of one area, registered by its page module. */
const extra: Record<string, readonly [string, string]> = {}

/** Adds texts of one area (each page module registers its own). */
export function defineTexts(texts: Readonly<Record<string, readonly [string, string]>>): void {
  Object.assign(extra, texts)
}

/** The text for `key` in the current language, `{name}` replaced from `params`. */
export function t(
  key: TextKey | (string & {}),
  params: Readonly<Record<string, string | number>> = {},
): string {
  const pair = (TEXTS as Record<string, readonly [string, string]>)[key] ?? extra[key]
  const text = pair === undefined ? key : pair[current === 'de' ? 0 : 1]
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    params[name] === undefined ? m : String(params[name]),
  )
}

/** Whether a text exists (error codes without a translation fall back to the node's message). */
export function hasText(key: string): boolean {
  return key in TEXTS || key in extra
}

const locale = () => (current === 'de' ? 'de-DE' : 'en-GB')

/** A date and time as people of the current language write it. */
export function formatTime(iso: string | undefined): string {
  if (iso === undefined || iso === '') return '–'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return d.toLocaleString(locale(), { dateStyle: 'medium', timeStyle: 'short' })
}

export function formatDate(iso: string | undefined): string {
  if (iso === undefined || iso === '') return '–'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return d.toLocaleDateString(locale(), { dateStyle: 'medium' })
}

export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString(locale(), { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

/** Bytes in B, kB, MB, GB (decimal units). */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '–'
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${formatNumber(value, unit === 0 ? 0 : 1)} ${units[unit]}`
}
