/**
 * The policy validator's messages in German and English. The validator reports a stable `code`
 * with `params` (plain JSON values); a caller renders them in the user's language with
 * {@link issueMessage}, so the CLI, the API and the dashboard say the same thing in both languages.
 */

import type { Lang } from './labels.js'

/** Values filled into a message: IRIs shortened to local names, raw JSON written out as text. */
export type IssueParams = Readonly<Record<string, string | number | boolean | readonly string[]>>

type Template = (p: IssueParams) => string

const s = (v: IssueParams[string] | undefined): string =>
  v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v)

const ROLE_EN: Readonly<Record<string, string>> = {
  permission: 'permission',
  prohibition: 'prohibition',
  obligation: 'obligation',
  duty: 'duty',
  remedy: 'remedy',
  consequence: 'consequence',
}

/** German rule names with their article: nominative (`die Erlaubnis`) and "this" (`diese Erlaubnis`). */
const ROLE_DE: Readonly<Record<string, { readonly the: string; readonly this: string }>> = {
  permission: { the: 'die Erlaubnis', this: 'diese Erlaubnis' },
  prohibition: { the: 'das Verbot', this: 'dieses Verbot' },
  obligation: { the: 'die Verpflichtung', this: 'diese Verpflichtung' },
  duty: { the: 'die Pflicht', this: 'diese Pflicht' },
  remedy: { the: 'die Abhilfe', this: 'diese Abhilfe' },
  consequence: { the: 'die Folgepflicht', this: 'diese Folgepflicht' },
}

const roleEn = (p: IssueParams) => ROLE_EN[s(p.role)] ?? s(p.role)
const roleDe = (p: IssueParams) => ROLE_DE[s(p.role)] ?? { the: s(p.role), this: s(p.role) }
const cap = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

/** What a value must be (`expected` of `bad-right-operand`), in both languages. */
const EXPECTED: Readonly<Record<string, { readonly en: string; readonly de: string }>> = {
  date: {
    en: 'an xsd:date or xsd:dateTime such as 2027-12-31',
    de: 'ein xsd:date oder xsd:dateTime wie 2027-12-31',
  },
  duration: { en: 'an xsd:duration such as P30D', de: 'eine xsd:duration wie P30D' },
  number: { en: 'a number', de: 'eine Zahl' },
  count: { en: 'a non-negative integer', de: 'eine ganze Zahl ab 0' },
  percentage: { en: 'a percentage between 0 and 100', de: 'einen Prozentwert zwischen 0 und 100' },
}

const expected = (p: IssueParams, lang: Lang) =>
  p.expected === 'one-of'
    ? lang === 'de'
      ? `einen der Werte ${s(p.values)}`
      : `one of ${s(p.values)}`
    : (EXPECTED[s(p.expected)]?.[lang] ?? s(p.expected))

/** Both texts of each message, keyed by issue code. */
const MESSAGES: Readonly<Record<string, { readonly en: Template; readonly de: Template }>> = {
  'not-an-object': {
    en: () => 'A policy must be a JSON object (JSON-LD node).',
    de: () => 'Eine Richtlinie muss ein JSON-Objekt sein (ein JSON-LD-Knoten).',
  },
  'no-policy': {
    en: () => 'The @graph holds no node typed as an ODRL policy (Set, Offer, Agreement, ...).',
    de: () => 'Der @graph enthält keinen Knoten vom Typ einer ODRL-Richtlinie (Set, Offer, Agreement, …).',
  },
  'missing-type': {
    en: () => 'The policy has no @type; give one of Set, Offer or Agreement.',
    de: () => 'Die Richtlinie hat keinen @type; geben Sie Set, Offer oder Agreement an.',
  },
  'unknown-policy-type': {
    en: (p) => `@type ${s(p.types)} is not an ODRL policy type (Set, Offer, Agreement, ...).`,
    de: (p) => `@type ${s(p.types)} ist kein ODRL-Richtlinientyp (Set, Offer, Agreement, …).`,
  },
  'missing-uid': {
    en: () => 'The policy has no uid (@id); ODRL requires exactly one.',
    de: () => 'Die Richtlinie hat keine uid (@id); ODRL verlangt genau eine.',
  },
  'bad-conflict': {
    en: (p) => `conflict must be perm, prohibit or invalid, not ${s(p.value)}.`,
    de: (p) => `conflict muss perm, prohibit oder invalid sein, nicht ${s(p.value)}.`,
  },
  'no-rules': {
    en: () => 'The policy has no permission, prohibition or obligation.',
    de: () => 'Die Richtlinie hat weder Erlaubnis noch Verbot noch Verpflichtung.',
  },
  'not-an-iri': {
    en: (p) => `Expected an IRI, found ${s(p.value)}.`,
    de: (p) => `Erwartet wird eine IRI, gefunden wurde ${s(p.value)}.`,
  },
  'bad-party': {
    en: (p) =>
      p.value === undefined
        ? 'The party has neither an IRI (@id/uid) nor a refinement saying who is meant.'
        : `Expected the IRI or node of a party, found ${s(p.value)}.`,
    de: (p) =>
      p.value === undefined
        ? 'Die Partei hat weder eine IRI (@id/uid) noch eine Verfeinerung, die sagt, wer gemeint ist.'
        : `Erwartet wird die IRI oder der Knoten einer Partei, gefunden wurde ${s(p.value)}.`,
  },
  'bad-asset': {
    en: (p) =>
      p.value === undefined
        ? 'The asset has neither an IRI (@id/uid) nor a refinement saying what is meant.'
        : `Expected the IRI or node of an asset, found ${s(p.value)}.`,
    de: (p) =>
      p.value === undefined
        ? 'Das Ziel hat weder eine IRI (@id/uid) noch eine Verfeinerung, die sagt, was gemeint ist.'
        : `Erwartet wird die IRI oder der Knoten eines Ziels (Asset), gefunden wurde ${s(p.value)}.`,
  },
  'bad-action': {
    en: (p) => `Expected an action name or {"rdf:value": action, "refinement": ...}, found ${s(p.value)}.`,
    de: (p) =>
      `Erwartet wird ein Aktionsname oder {"rdf:value": Aktion, "refinement": …}, gefunden wurde ${s(p.value)}.`,
  },
  'not-a-rule': {
    en: (p) => `A ${roleEn(p)} must be a JSON object, found ${s(p.value)}.`,
    de: (p) => `${cap(roleDe(p).the)} muss ein JSON-Objekt sein, gefunden wurde ${s(p.value)}.`,
  },
  'misplaced-rule': {
    en: (p) =>
      `A ${roleEn(p)} cannot have a ${s(p.child)} (ODRL: permission->duty, prohibition->remedy, duty->consequence).`,
    de: (p) =>
      `${cap(roleDe(p).the)} kann kein „${s(p.child)}“ haben (ODRL: permission→duty, prohibition→remedy, duty→consequence).`,
  },
  'bad-constraint': {
    en: (p) => `A constraint must be a JSON object, found ${s(p.value)}.`,
    de: (p) => `Eine Bedingung muss ein JSON-Objekt sein, gefunden wurde ${s(p.value)}.`,
  },
  'bad-logical-constraint': {
    en: (p) =>
      p.variant === 'several'
        ? `A logical constraint takes exactly one operand, found ${s(p.operands)}.`
        : p.variant === 'mixed'
          ? 'A constraint is either atomic (leftOperand ...) or logical (and/or/...), not both.'
          : `"${s(p.operand)}" needs at least one constraint.`,
    de: (p) =>
      p.variant === 'several'
        ? `Eine logische Bedingung hat genau einen Operanden, gefunden wurden ${s(p.operands)}.`
        : p.variant === 'mixed'
          ? 'Eine Bedingung ist entweder atomar (leftOperand …) oder logisch (and/or/…), nicht beides.'
          : `„${s(p.operand)}“ braucht mindestens eine Bedingung.`,
  },
  'missing-left-operand': {
    en: () => 'The constraint has no leftOperand.',
    de: () => 'Der Bedingung fehlt der leftOperand.',
  },
  'bad-left-operand': {
    en: (p) => `leftOperand must name a term, found ${s(p.value)}.`,
    de: (p) => `leftOperand muss einen Begriff nennen, gefunden wurde ${s(p.value)}.`,
  },
  'missing-operator': {
    en: () => 'The constraint has no operator.',
    de: () => 'Der Bedingung fehlt der operator.',
  },
  'unknown-operator': {
    en: (p) => `Unknown operator ${s(p.value)}; use one of ${s(p.operators)}.`,
    de: (p) => `Unbekannter Operator ${s(p.value)}; erlaubt sind ${s(p.operators)}.`,
  },
  'missing-right-operand': {
    en: () => 'The constraint has neither rightOperand nor rightOperandReference.',
    de: () => 'Die Bedingung hat weder rightOperand noch rightOperandReference.',
  },
  'both-right-operands': {
    en: () => 'Give either rightOperand or rightOperandReference, not both.',
    de: () => 'Geben Sie entweder rightOperand oder rightOperandReference an, nicht beides.',
  },
  'bad-right-operand': {
    en: (p) =>
      p.expected === undefined
        ? `Cannot read the value ${s(p.value)}.`
        : `${s(p.operand)} needs ${expected(p, 'en')}, found ${s(p.value)}.`,
    de: (p) =>
      p.expected === undefined
        ? `Der Wert ${s(p.value)} ist nicht lesbar.`
        : `${s(p.operand)} braucht ${expected(p, 'de')}, gefunden wurde ${s(p.value)}.`,
  },
  'unknown-profile': {
    en: (p) => `Profile ${s(p.profile)} is not known here; terms it defines are not checked.`,
    de: (p) => `Das Profil ${s(p.profile)} ist hier unbekannt; seine Begriffe werden nicht geprüft.`,
  },
  'missing-action': {
    en: (p) => `The ${roleEn(p)} has no action (and the policy gives none for all rules).`,
    de: (p) => `${cap(roleDe(p).the)} hat keine Aktion (und die Richtlinie gibt keine für alle Regeln vor).`,
  },
  'undeclared-profile': {
    en: (p) => `${s(p.term)} is defined by the Allmende profile; add "profile": "${s(p.profile)}".`,
    de: (p) => `${s(p.term)} gehört zum Allmende-Profil; ergänzen Sie "profile": "${s(p.profile)}".`,
  },
  'unknown-action': {
    en: (p) =>
      `Unknown action ${s(p.action)}: not an ODRL 2.2 action${p.profileDeclared === true ? ' nor one of the declared profile' : ''}.`,
    de: (p) =>
      `Unbekannte Aktion ${s(p.action)}: keine Aktion von ODRL 2.2${p.profileDeclared === true ? ' und keine des angegebenen Profils' : ''}.`,
  },
  'unknown-left-operand': {
    en: (p) =>
      `Unknown left operand ${s(p.operand)}: defined by neither ${
        p.profileDeclared === true
          ? `ODRL 2.2 nor the declared profile ${s(p.profile)}`
          : 'ODRL 2.2 (declare the profile that defines it)'
      }.`,
    de: (p) =>
      `Unbekannter linker Operand ${s(p.operand)}: ${
        p.profileDeclared === true
          ? `weder in ODRL 2.2 noch im angegebenen Profil ${s(p.profile)} definiert`
          : 'nicht in ODRL 2.2 definiert (geben Sie das Profil an, das ihn definiert)'
      }.`,
  },
  'operator-mismatch': {
    en: (p) =>
      p.allowed !== undefined
        ? `${s(p.operand)} takes ${s(p.allowed)}, not ${s(p.operator)}.`
        : p.kind === undefined
          ? `${s(p.operand)} has no order; ${s(p.operator)} cannot compare it (use eq, isA, isAnyOf, ...).`
          : `${s(p.operand)} is a ${s(p.kind)}; ${s(p.operator)} does not apply (use eq, lt, lteq, gt, gteq).`,
    de: (p) =>
      p.allowed !== undefined
        ? `${s(p.operand)} erlaubt ${s(p.allowed)}, nicht ${s(p.operator)}.`
        : p.kind === undefined
          ? `${s(p.operand)} hat keine Reihenfolge; ${s(p.operator)} kann ihn nicht vergleichen (eq, isA, isAnyOf, … verwenden).`
          : `${s(p.operand)} ist vom Typ ${s(p.kind)}; ${s(p.operator)} passt nicht (eq, lt, lteq, gt, gteq verwenden).`,
  },
  'too-many-values': {
    en: (p) =>
      `${s(p.operator)} compares with one value; use isAnyOf, isAllOf or isNoneOf for ${s(p.count)} values.`,
    de: (p) =>
      `${s(p.operator)} vergleicht mit genau einem Wert; für ${s(p.count)} Werte isAnyOf, isAllOf oder isNoneOf verwenden.`,
  },
  'dsp-schema': {
    en: (p) => `Consumers would leave this offer out of the catalog: ${s(p.detail)}`,
    de: (p) => `Konsumenten würden dieses Angebot aus dem Katalog weglassen: ${s(p.detail)}`,
  },
  'never-satisfied': {
    en: (p) =>
      `The constraint on ${s(p.operand)} cannot be met: the provider has no value for it when it decides, so every negotiation will be refused.`,
    de: (p) =>
      `Die Bedingung an ${s(p.operand)} ist nie erfüllbar: der Anbieter kennt bei seiner Entscheidung keinen Wert dafür, also wird jede Verhandlung abgelehnt.`,
  },
  'no-transfer-permission': {
    en: () => 'No permission grants use or read, so every transfer under this offer will be refused.',
    de: () =>
      'Keine Erlaubnis gewährt use oder read, also wird jede Übertragung unter diesem Angebot abgelehnt.',
  },
  'unsatisfiable-constraint': {
    en: (p) =>
      `${s(p.operand)} ${s(p.first)} (${s(p.firstPath)}) and ${s(p.operand)} ${s(p.second)} can never both hold, so ${
        p.role === 'action' ? 'the action is never permitted as refined' : `this ${roleEn(p)} never applies`
      }.`,
    de: (p) =>
      `${s(p.operand)} ${s(p.first)} (${s(p.firstPath)}) und ${s(p.operand)} ${s(p.second)} können nie zugleich gelten, ${
        p.role === 'action'
          ? 'so ist die Aktion in dieser Verfeinerung nie erlaubt'
          : `so gilt ${roleDe(p).this} nie`
      }.`,
  },
  'unfulfillable-duty': {
    en: (p) => {
      switch (p.variant) {
        case 'forbidden':
          return `The ${roleEn(p)} requires ${s(p.actions)}, which ${s(p.prohibition)} forbids: it cannot be fulfilled without a violation.`
        case 'no-assignee':
          return 'The obligation names no assignee (nor does the policy): nobody is bound to fulfil it.'
        case 'too-late':
          return `The duty can only be fulfilled after ${s(p.start)} (${s(p.startPath)}), but the permission ends ${s(p.end)} (${s(p.endPath)}): it can never be fulfilled in time.`
        default:
          return `${s(p.operand)} ${s(p.first)} (${s(p.firstPath)}) and ${s(p.operand)} ${s(p.second)} can never both hold, so this ${roleEn(p)} can never be fulfilled.`
      }
    },
    de: (p) => {
      switch (p.variant) {
        case 'forbidden':
          return `${cap(roleDe(p).the)} verlangt ${s(p.actions)}, was ${s(p.prohibition)} verbietet: sie ist nicht ohne Verstoß zu erfüllen.`
        case 'no-assignee':
          return 'Die Verpflichtung nennt keinen Verpflichteten (die Richtlinie auch nicht): niemand muss sie erfüllen.'
        case 'too-late':
          return `Die Pflicht ist erst nach ${s(p.start)} (${s(p.startPath)}) zu erfüllen, die Erlaubnis endet aber ${s(p.end)} (${s(p.endPath)}): sie ist nie rechtzeitig zu erfüllen.`
        default:
          return `${s(p.operand)} ${s(p.first)} (${s(p.firstPath)}) und ${s(p.operand)} ${s(p.second)} können nie zugleich gelten, so ist ${roleDe(p).this} nie zu erfüllen.`
      }
    },
  },
  'shadowed-rule': {
    en: (p) =>
      `${s(p.prohibition)} forbids ${s(p.actions)} whenever ${s(p.permission)} allows it${
        p.conflict === 'prohibit'
          ? ', and conflict is "prohibit": the permission never takes effect.'
          : '; with conflict strategy "invalid" (the default) the whole policy is then void. Remove one of them, or set "conflict".'
      }`,
    de: (p) =>
      `${s(p.prohibition)} verbietet ${s(p.actions)} immer dann, wenn ${s(p.permission)} es erlaubt${
        p.conflict === 'prohibit'
          ? ', und conflict ist "prohibit": die Erlaubnis wirkt nie.'
          : '; mit der Konfliktstrategie "invalid" (Vorgabe) ist dann die ganze Richtlinie ungültig. Entfernen Sie eine der Regeln oder setzen Sie "conflict".'
      }`,
  },
  'conflict-voids-policy': {
    en: (p) =>
      `${s(p.prohibition)} (${s(p.prohibitionActions)}) overlaps ${s(p.permission)} (${s(p.permissionActions)}); with conflict strategy "invalid" (the default) the policy is void whenever both are active. Set "conflict": "prohibit" to make the prohibition an exception.`,
    de: (p) =>
      `${s(p.prohibition)} (${s(p.prohibitionActions)}) überschneidet sich mit ${s(p.permission)} (${s(p.permissionActions)}); mit der Konfliktstrategie "invalid" (Vorgabe) ist die Richtlinie ungültig, sobald beide greifen. Setzen Sie "conflict": "prohibit", damit das Verbot eine Ausnahme ist.`,
  },
  'missing-party': {
    en: (p) => `An ${s(p.policyType)} needs an ${s(p.party)} (on the policy or on every rule).`,
    de: (p) =>
      `${p.policyType === 'Offer' ? 'Ein Angebot (Offer)' : 'Eine Vereinbarung (Agreement)'} braucht einen ${
        p.party === 'assigner' ? 'Anbieter (assigner)' : 'Empfänger (assignee)'
      } (an der Richtlinie oder an jeder Regel).`,
  },
  expired: {
    en: (p) =>
      `The ${roleEn(p)} ended ${s(p.end)} (dateTime ${s(p.operator)} ${s(p.end)}), before now: it never applies any more.`,
    de: (p) =>
      `${cap(roleDe(p).the)} ist abgelaufen (dateTime ${s(p.operator)} ${s(p.end)} liegt in der Vergangenheit) und gilt nie mehr.`,
  },
  'impossible-count': {
    en: (p) =>
      `count ${s(p.operator)} ${s(p.value)} never holds: count is the number of this use, 1 for the first one, so this ${roleEn(p)} never applies.`,
    de: (p) =>
      `count ${s(p.operator)} ${s(p.value)} gilt nie: count ist die Nummer dieser Nutzung, 1 für die erste, so gilt ${roleDe(p).this} nie.`,
  },
}

/** The message of an issue in `lang`; an unknown code falls back to the code itself. */
export function issueMessage(code: string, params: IssueParams, lang: Lang): string {
  const entry = MESSAGES[code]
  return entry === undefined ? code : entry[lang](params)
}

/** True when the catalogue has a message for `code` (the tests check every code the validator emits). */
export function hasIssueMessage(code: string): boolean {
  return MESSAGES[code] !== undefined
}
