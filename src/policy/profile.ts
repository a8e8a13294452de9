/**
 * The Allmende municipal ODRL profile (`https://w3id.org/allmende/odrl-profile/v1`) as data: its
 * left operands, actions and named values, and the DPV purposes it uses with German and English
 * labels and their hierarchy. The human description is `spec/odrl-profile.md`, the JSON-LD context
 * `spec/contexts/allmende-odrl-profile-v1.jsonld`; a test keeps the three in step.
 */

/** The profile's IRI, the value of `odrl:profile` in a policy that uses it. */
export const ALLMENDE_PROFILE = 'https://w3id.org/allmende/odrl-profile/v1'

/** Namespace of the profile's own terms. */
export const ALLMENDE_NS = 'https://w3id.org/allmende/odrl#'

/** Namespace of the Data Privacy Vocabulary (DPV 2.x). */
export const DPV_NS = 'https://w3id.org/dpv#'

/** German and English text. */
export interface Bilingual {
  readonly de: string
  readonly en: string
}

/** Grammatical gender of a German noun phrase, `pl` for plurals; chooses articles and pronouns. */
export type GermanGender = 'm' | 'f' | 'n' | 'pl'

/** A left operand the profile adds to ODRL. */
export interface ProfileLeftOperand {
  readonly iri: string
  /** Term of the JSON-LD context (`dataSpaceMembership`). */
  readonly term: string
  readonly label: Bilingual
  /** What the right operand is: an IRI (or DID), a plain string, or an ordered IRI. */
  readonly value: 'iri' | 'string' | 'orderedIri'
  /** Operators that make sense with it; the validator rejects others. */
  readonly operators: readonly string[]
  /** For `orderedIri`: allowed values, lowest first. */
  readonly values?: readonly string[]
}

const a = (local: string) => ALLMENDE_NS + local

/** Security profiles of a connector (IDS PC8), lowest first; `gteq` compares by this order. */
export const SECURITY_LEVELS: readonly string[] = [
  a('BaseSecurityProfile'),
  a('TrustSecurityProfile'),
  a('TrustPlusSecurityProfile'),
]

/** States of a delivered artifact (IDS PC18; pseudonymisation per GDPR Art. 4(5)). */
export const ARTIFACT_STATES: readonly string[] = [
  a('Encrypted'),
  a('Pseudonymised'),
  a('Anonymised'),
  a('Aggregated'),
]

/** The profile's left operands. */
export const PROFILE_LEFT_OPERANDS: readonly ProfileLeftOperand[] = [
  {
    iri: a('dataSpaceMembership'),
    term: 'dataSpaceMembership',
    label: { de: 'Mitgliedschaft im Datenraum', en: 'data space membership' },
    value: 'iri',
    operators: ['eq', 'isAnyOf'],
  },
  {
    iri: a('contractRef'),
    term: 'contractRef',
    label: { de: 'Vertragsreferenz', en: 'contract reference' },
    value: 'string',
    operators: ['eq', 'isAnyOf'],
  },
  {
    iri: a('securityLevel'),
    term: 'securityLevel',
    label: { de: 'Sicherheitsstufe', en: 'security level' },
    value: 'orderedIri',
    operators: ['eq', 'gteq', 'isAnyOf'],
    values: SECURITY_LEVELS,
  },
  {
    iri: a('connector'),
    term: 'connector',
    label: { de: 'Konnektor', en: 'connector' },
    value: 'iri',
    operators: ['eq', 'isAnyOf', 'isNoneOf'],
  },
  {
    iri: a('role'),
    term: 'role',
    label: { de: 'Rolle', en: 'role' },
    value: 'iri',
    operators: ['eq', 'isAnyOf', 'isA'],
  },
  {
    iri: a('artifactState'),
    term: 'artifactState',
    label: { de: 'Zustand der Daten', en: 'state of the data' },
    value: 'iri',
    // `neq` for a prohibition that holds unless the data is in a state (distribute only encrypted)
    operators: ['eq', 'neq', 'isAllOf', 'isAnyOf'],
    values: ARTIFACT_STATES,
  },
]

/** IRIs of the profile's left operands (the validator's list of known ones under this profile). */
export const PROFILE_LEFT_OPERAND_IRIS: ReadonlySet<string> = new Set(PROFILE_LEFT_OPERANDS.map((o) => o.iri))

/** Actions the profile adds; both are included in `odrl:use`. */
export const PROFILE_ACTIONS: ReadonlyMap<string, Bilingual> = new Map([
  [a('log'), { de: 'protokollieren', en: 'log' }],
  [a('pseudonymise'), { de: 'pseudonymisieren', en: 'pseudonymise' }],
])

/** Labels of the profile's named values (security levels, artifact states, events, roles). */
export const PROFILE_VALUE_LABELS: ReadonlyMap<string, Bilingual> = new Map([
  [a('BaseSecurityProfile'), { de: 'Basis-Sicherheitsprofil', en: 'base security profile' }],
  [a('TrustSecurityProfile'), { de: 'Trust-Sicherheitsprofil', en: 'trust security profile' }],
  [a('TrustPlusSecurityProfile'), { de: 'Trust+-Sicherheitsprofil', en: 'trust+ security profile' }],
  [a('Encrypted'), { de: 'verschlüsselt', en: 'encrypted' }],
  [a('Pseudonymised'), { de: 'pseudonymisiert', en: 'pseudonymised' }],
  [a('Anonymised'), { de: 'anonymisiert', en: 'anonymised' }],
  [a('Aggregated'), { de: 'aggregiert', en: 'aggregated' }],
  [a('FloodAlert'), { de: 'Hochwasseralarm', en: 'flood alert' }],
  [a('Emergency'), { de: 'Notfall', en: 'emergency' }],
  [a('DataSteward'), { de: 'Datenverantwortliche', en: 'data steward' }],
  [a('Researcher'), { de: 'Forschende', en: 'researcher' }],
])

/** A purpose with its labels: `de` in the nominative, `deFor` the phrase after "nur" (dative). */
export interface PurposeEntry {
  readonly iri: string
  readonly label: Bilingual
  /** German "for this purpose": `zur Hochwasserwarnung`. */
  readonly deFor: string
  /** Broader purposes (DPV `skos:broader`), direct parents only. */
  readonly broader: readonly string[]
}

const d = (local: string) => DPV_NS + local

function purpose(
  iri: string,
  de: string,
  deFor: string,
  en: string,
  broader: readonly string[],
): PurposeEntry {
  return { iri, label: { de, en }, deFor, broader }
}

/**
 * DPV purposes the profile uses, with their place in the DPV hierarchy (DPV 2.1 purposes taxonomy)
 * and the profile's own sub-purposes (`allmende:FloodWarning` under `dpv:CombatClimateChange`).
 * DPV has English labels only; the German ones are ours.
 */
export const PURPOSES: readonly PurposeEntry[] = [
  purpose(d('Purpose'), 'Zweck', 'zu einem Zweck', 'any purpose', []),
  purpose(d('PublicBenefit'), 'Gemeinwohl', 'zum Gemeinwohl', 'public benefit', [d('Purpose')]),
  purpose(
    d('CombatClimateChange'),
    'Bekämpfung des Klimawandels',
    'zur Bekämpfung des Klimawandels',
    'combating climate change',
    [d('PublicBenefit')],
  ),
  purpose(a('FloodWarning'), 'Hochwasserwarnung', 'zur Hochwasserwarnung', 'flood warning', [
    d('CombatClimateChange'),
  ]),
  purpose(
    d('ImproveTransportMobility'),
    'Verbesserung von Verkehr und Mobilität',
    'zur Verbesserung von Verkehr und Mobilität',
    'improving transport and mobility',
    [d('PublicBenefit')],
  ),
  purpose(
    d('ImprovePublicServices'),
    'Verbesserung öffentlicher Dienste',
    'zur Verbesserung öffentlicher Dienste',
    'improving public services',
    [d('PublicBenefit')],
  ),
  purpose(
    d('ProtectionOfPublicSecurity'),
    'Schutz der öffentlichen Sicherheit',
    'zum Schutz der öffentlichen Sicherheit',
    'protection of public security',
    [d('PublicBenefit')],
  ),
  purpose(
    d('ProvideOfficialStatistics'),
    'amtliche Statistik',
    'für die amtliche Statistik',
    'official statistics',
    [d('PublicBenefit')],
  ),
  purpose(d('PublicPolicyMaking'), 'Politikgestaltung', 'zur Politikgestaltung', 'public policy making', [
    d('PublicBenefit'),
  ]),
  purpose(d('DataAltruism'), 'Datenaltruismus', 'für Datenaltruismus', 'data altruism', [d('PublicBenefit')]),
  purpose(a('TrafficPlanning'), 'Verkehrsplanung', 'zur Verkehrsplanung', 'traffic planning', [
    d('ImproveTransportMobility'),
  ]),
  purpose(a('TourismPromotion'), 'Tourismusförderung', 'zur Tourismusförderung', 'tourism promotion', [
    d('PublicBenefit'),
  ]),
  purpose(
    d('ResearchAndDevelopment'),
    'Forschung und Entwicklung',
    'zu Forschung und Entwicklung',
    'research and development',
    [d('Purpose')],
  ),
  purpose(
    d('NonCommercialResearch'),
    'nichtkommerzielle Forschung',
    'zur nichtkommerziellen Forschung',
    'non-commercial research',
    [d('ResearchAndDevelopment')],
  ),
  purpose(d('AcademicResearch'), 'akademische Forschung', 'zur akademischen Forschung', 'academic research', [
    d('NonCommercialResearch'),
  ]),
  purpose(
    d('CommercialResearch'),
    'kommerzielle Forschung',
    'zur kommerziellen Forschung',
    'commercial research',
    [d('ResearchAndDevelopment')],
  ),
  purpose(
    d('LegalCompliance'),
    'Erfüllung rechtlicher Pflichten',
    'zur Erfüllung rechtlicher Pflichten',
    'legal compliance',
    [d('Purpose')],
  ),
  purpose(d('RecordManagement'), 'Aktenführung', 'zur Aktenführung', 'record management', [d('Purpose')]),
  purpose(d('CommercialPurpose'), 'kommerzieller Zweck', 'zu kommerziellen Zwecken', 'commercial purposes', [
    d('Purpose'),
  ]),
  purpose(d('Marketing'), 'Marketing', 'zum Marketing', 'marketing', [d('CommercialPurpose')]),
  purpose(d('Advertising'), 'Werbung', 'zur Werbung', 'advertising', [d('Marketing')]),
]

/** Purpose IRI -> its entry. */
export const PURPOSE_BY_IRI: ReadonlyMap<string, PurposeEntry> = new Map(PURPOSES.map((p) => [p.iri, p]))

/**
 * The purpose hierarchy as data for the evaluator: purpose IRI -> every broader purpose
 * (transitive, excluding itself). `x isA y` holds iff `x === y` or `PURPOSE_ANCESTORS.get(x)` has `y`.
 */
export const PURPOSE_ANCESTORS: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const out = new Map<string, Set<string>>()
  for (const p of PURPOSES) {
    const seen = new Set<string>()
    const stack = [...p.broader]
    while (stack.length > 0) {
      const next = stack.pop() as string
      if (seen.has(next)) continue
      seen.add(next)
      stack.push(...(PURPOSE_BY_IRI.get(next)?.broader ?? []))
    }
    out.set(p.iri, seen)
  }
  return out
})()

/**
 * The same hierarchy as a `WorldState.types` table (purpose IRI -> its broader purposes), so the
 * evaluator's `isA` covers sub-purposes: `{ ...world, types: { ...PURPOSE_TYPES, ...world.types } }`.
 */
export const PURPOSE_TYPES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  [...PURPOSE_ANCESTORS].map(([iri, up]) => [iri, [...up]]),
)

/** Is `purpose` the same as or a sub-purpose of `broader` (for `odrl:isA` on `odrl:purpose`)? */
export function isPurposeA(purpose: string, broader: string): boolean {
  return purpose === broader || PURPOSE_ANCESTORS.get(purpose)?.has(broader) === true
}

/** Prefixes of the profile's context, besides those of the ODRL context. */
export const PROFILE_PREFIXES: Readonly<Record<string, string>> = {
  allmende: ALLMENDE_NS,
  dpv: DPV_NS,
}
