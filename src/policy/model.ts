/**
 * The typed model of an ODRL 2.2 policy, as the parsers produce it and the evaluator, the validator
 * and the explainer read it. Every IRI is kept absolute (`http://www.w3.org/ns/odrl/2/read`); blank
 * nodes are written `_:name`. The model is already *atomic* (ODRL IM §2.7): each rule has exactly
 * one action, at most one target and at most one party per function; policy-level assets, parties
 * and actions are propagated into the rules (IM §2.6) and `inheritFrom` is resolved (IM §2.9).
 *
 * Stability: fields are only ever added, never renamed.
 */

/** An absolute IRI, or a blank node label written `_:b0`. */
export type Iri = string

/** An RDF term as the model keeps values: IRIs, blank nodes and typed or language-tagged literals. */
export interface Term {
  readonly termType: 'NamedNode' | 'BlankNode' | 'Literal'
  /** The IRI, the blank node label (with `_:`), or the literal's lexical form. */
  readonly value: string
  /** Literals only: the datatype IRI (`xsd:string` when none was given, `rdf:langString` with a language). */
  readonly datatype?: Iri
  /** Literals only: the language tag, lower case. */
  readonly language?: string
}

/** The ODRL namespace, `http://www.w3.org/ns/odrl/2/`. */
export const ODRL = 'http://www.w3.org/ns/odrl/2/'

/** Policy subclasses of ODRL 2.2. A plain `odrl:Policy` is read as `Set`. */
export type PolicyType = 'Set' | 'Offer' | 'Agreement' | 'Request' | 'Privacy' | 'Assertion' | 'Ticket'

/** `odrl:conflict` values (IM §2.10); `invalid` is the default. */
export type ConflictStrategy = 'perm' | 'prohibit' | 'invalid'

/** The twelve ODRL operators, by local name. */
export const OPERATORS = [
  'eq',
  'neq',
  'lt',
  'lteq',
  'gt',
  'gteq',
  'isA',
  'isPartOf',
  'hasPart',
  'isAllOf',
  'isAnyOf',
  'isNoneOf',
] as const

/** The twelve ODRL 2.2 operators, by local name. */
export type Operator = (typeof OPERATORS)[number]

/** The four logical operands of an `odrl:LogicalConstraint`, by local name. */
export type LogicalOperand = 'and' | 'or' | 'xone' | 'andSequence'

/** A constraint or refinement: atomic, or logical over other constraints. */
export type Constraint = AtomicConstraint | LogicalConstraint

/** `leftOperand operator rightOperand` (ODRL IM §2.5.1). */
export interface AtomicConstraint {
  readonly kind: 'atomic'
  /** The constraint's node (`report:constraint` points here); a generated `_:` label when anonymous. */
  readonly id: Iri
  /** Absolute IRI of the left operand, e.g. `http://www.w3.org/ns/odrl/2/dateTime`, or a profile's own. */
  readonly leftOperand: Iri
  readonly operator: Operator
  /**
   * The right operand values. One value for the comparison operators, one or more for the set
   * operators (an RDF list and repeated values both end up here, in document order).
   */
  readonly rightOperand: readonly Term[]
  /** `odrl:rightOperandReference`: the right operand value is looked up in the state of the world. */
  readonly rightOperandReference?: Iri
  /** `odrl:dataType`: how to compare (overrides the literal's own datatype). */
  readonly dataType?: Iri
  /** `odrl:unit`, e.g. a currency (`http://dbpedia.org/resource/Euro`) for payAmount. */
  readonly unit?: Iri
  /** `odrl:status`: a value the assigner states as the current one (not inherited). */
  readonly status?: Term
}

/** `odrl:LogicalConstraint` with exactly one operand over other constraints (IM §2.5.2). */
export interface LogicalConstraint {
  readonly kind: 'logical'
  readonly id: Iri
  readonly operand: LogicalOperand
  /** The members, in document order (order matters for `andSequence`). */
  readonly constraints: readonly Constraint[]
}

/** An action, possibly refined: `action [rdf:value odrl:print; odrl:refinement ...]`. */
export interface Action {
  /** The action IRI (`rdf:value` of a refined action). */
  readonly id: Iri
  /** Refinements, an implicit `and`; evaluated against the request, not the state of the world. */
  readonly refinement: readonly Constraint[]
}

/** An `odrl:Asset`, or an `odrl:AssetCollection` whose members say `odrl:partOf` it. */
export interface Asset {
  readonly id: Iri
  readonly collection: boolean
  /** Collections this asset is declared `odrl:partOf` in the policy itself. */
  readonly partOf: readonly Iri[]
  /** `odrl:source` of a collection (where its members are listed). */
  readonly source?: Iri
  /** Refinement of a collection: which members are meant. */
  readonly refinement: readonly Constraint[]
  /** `odrl:hasPolicy` or other metadata is not modelled; `relation` says how the rule uses it. */
  readonly relation: 'target' | 'output'
}

/** Party functions of ODRL 2.2 (IM §2.3.1 and the Common Vocabulary), by local name. */
export type PartyFunction =
  | 'assigner'
  | 'assignee'
  | 'attributedParty'
  | 'attributingParty'
  | 'compensatedParty'
  | 'compensatingParty'
  | 'consentingParty'
  | 'consentedParty'
  | 'contractingParty'
  | 'contractedParty'
  | 'informedParty'
  | 'informingParty'
  | 'trackingParty'
  | 'trackedParty'

/** All party functions, in a stable order. */
export const PARTY_FUNCTIONS: readonly PartyFunction[] = [
  'assigner',
  'assignee',
  'attributedParty',
  'attributingParty',
  'compensatedParty',
  'compensatingParty',
  'consentingParty',
  'consentedParty',
  'contractingParty',
  'contractedParty',
  'informedParty',
  'informingParty',
  'trackingParty',
  'trackedParty',
]

/** An `odrl:Party`, or an `odrl:PartyCollection` whose members say `odrl:partOf` it. */
export interface Party {
  readonly id: Iri
  readonly function: PartyFunction
  readonly collection: boolean
  readonly partOf: readonly Iri[]
  readonly source?: Iri
  readonly refinement: readonly Constraint[]
}

/** What every atomic rule has. */
export interface RuleBase {
  /**
   * The rule's node as written in the policy (`report:rule` points here). Atomic rules expanded from
   * one compact rule share it; {@link RuleBase.atom} tells them apart.
   */
  readonly id: Iri
  /** Index of this atomic rule among those expanded from the same compact rule (0 when it was atomic). */
  readonly atom: number
  /** The one action. Absent only in the suite's bare rules (`<p> a odrl:Permission.`): any action. */
  readonly action?: Action
  /** The target asset; absent: any target. */
  readonly target?: Asset
  /** Output asset (`odrl:output`), when the action produces one. */
  readonly output?: Asset
  /** Parties by function; `assigner` and `assignee` are the usual ones. */
  readonly parties: readonly Party[]
  /** Constraints, an implicit `and`, evaluated against the state of the world. */
  readonly constraints: readonly Constraint[]
  /** The uid of the policy this rule was written in (differs from the policy's own after inheritance). */
  readonly origin: Iri
}

/** `odrl:Permission` with its duties (pre-conditions). */
export interface Permission extends RuleBase {
  readonly kind: 'permission'
  readonly duties: readonly Duty[]
}

/** `odrl:Prohibition` with its remedies (due when it is violated). */
export interface Prohibition extends RuleBase {
  readonly kind: 'prohibition'
  readonly remedies: readonly Duty[]
}

/**
 * `odrl:Duty`: a permission's duty, a prohibition's remedy, a policy-level obligation, or a
 * consequence of one of those (due when it is violated).
 */
export interface Duty extends RuleBase {
  readonly kind: 'duty'
  /** Where it sits: `duty` of a permission, `remedy`, `obligation` or `consequence`. */
  readonly role: 'duty' | 'remedy' | 'obligation' | 'consequence'
  readonly consequences: readonly Duty[]
}

/** Any rule. */
export type Rule = Permission | Prohibition | Duty

/** An ODRL policy after parsing, propagation, expansion and inheritance. */
export interface Policy {
  /** `odrl:uid` (or the node's IRI when no uid is given). */
  readonly uid: Iri
  readonly type: PolicyType
  /** `odrl:profile` IRIs. */
  readonly profiles: readonly Iri[]
  /** `odrl:inheritFrom` parent uids, as written (resolved already: their rules are included). */
  readonly inheritFrom: readonly Iri[]
  /** `odrl:conflict`, when stated (after inheritance); evaluation treats absent as `invalid`. */
  readonly conflict?: ConflictStrategy
  readonly permissions: readonly Permission[]
  readonly prohibitions: readonly Prohibition[]
  readonly obligations: readonly Duty[]
  /** Policy-level parties as written (already propagated into the rules). */
  readonly parties: readonly Party[]
  /** Policy-level targets as written (already propagated into the rules). */
  readonly targets: readonly Asset[]
  /** Policy-level actions as written (already propagated into the rules). */
  readonly actions: readonly Action[]
  /** Membership facts stated in the policy itself: member IRI -> collection IRIs (`odrl:partOf`). */
  readonly partOf: ReadonlyMap<Iri, readonly Iri[]>
  /** Other policy-level annotations (e.g. `dct:description`), property IRI -> values. */
  readonly metadata: ReadonlyMap<Iri, readonly Term[]>
}
