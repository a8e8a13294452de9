/**
 * RDF graph -> {@link Policy}: one builder for both syntaxes. Implements ODRL IM §2.6 (policy-level
 * properties propagate to every rule: a rule keeps its own value of a property and takes the
 * policy's when it has none), §2.7 (compact rules are expanded into atomic ones) and §2.9
 * (`inheritFrom`, any depth, cycles rejected).
 */
import { PolicyInheritanceError, PolicyParseError } from './errors.js'
import {
  type Graph,
  looksLikeJson,
  parseJsonLd,
  parseJsonLdSync,
  parseJsonText,
  parseTurtle,
} from './graph.js'
import {
  type Action,
  type Asset,
  type ConflictStrategy,
  type Constraint,
  type Duty,
  type Iri,
  type LogicalOperand,
  OPERATORS,
  type Operator,
  PARTY_FUNCTIONS,
  type Party,
  type PartyFunction,
  type Permission,
  type Policy,
  type PolicyType,
  type Prohibition,
  type Rule,
  type Term,
} from './model.js'
import { ODRL_NS, RDF_TYPE, RDF_VALUE } from './vocabulary.js'

/** A policy as text (Turtle or JSON-LD), as parsed JSON-LD, or already parsed. */
export type PolicyInput = string | object | Policy

/** Where parents named by `inheritFrom` come from: a map by uid, or a function. */
export type PolicyResolver = ReadonlyMap<Iri, PolicyInput> | ((uid: Iri) => PolicyInput | undefined)

/** Options of {@link parsePolicy}. */
export interface ParsePolicyOptions {
  /** `turtle` or `jsonld`; guessed from the text when absent. */
  readonly format?: 'turtle' | 'jsonld'
  /** Which policy node to take when the document holds several (by uid or node IRI). */
  readonly uid?: Iri
  /** Parents for `inheritFrom`. Without it, a policy with `inheritFrom` is rejected. */
  readonly parents?: PolicyResolver
  /** Base IRI for relative IRIs in Turtle. */
  readonly baseIri?: string
}

const POLICY_TYPES: Readonly<Record<string, PolicyType>> = {
  Policy: 'Set',
  Set: 'Set',
  Offer: 'Offer',
  Agreement: 'Agreement',
  Request: 'Request',
  Privacy: 'Privacy',
  Assertion: 'Assertion',
  Ticket: 'Ticket',
}
const KNOWN_OPERATORS: ReadonlySet<string> = new Set(OPERATORS)
const LOGICAL_OPERANDS: readonly LogicalOperand[] = ['and', 'or', 'xone', 'andSequence']
const O = (local: string): Iri => ODRL_NS + local

/** Is `value` an already parsed {@link Policy}? */
export function isPolicy(value: unknown): value is Policy {
  return (
    typeof value === 'object' &&
    value !== null &&
    'permissions' in value &&
    'prohibitions' in value &&
    'uid' in value &&
    (value as { partOf?: unknown }).partOf instanceof Map
  )
}

/** Reads text (Turtle or JSON-LD) or parsed JSON-LD into a graph, synchronously where possible. */
export function graphOfSync(input: string | object, format?: 'turtle' | 'jsonld', baseIri?: string): Graph {
  if (typeof input !== 'string') return parseJsonLdSync(input)
  if (format === 'jsonld' || (format === undefined && looksLikeJson(input))) {
    return parseJsonLdSync(parseJsonText(input))
  }
  return parseTurtle(input, baseIri)
}

/** Reads text (Turtle or JSON-LD) or parsed JSON-LD into a graph. */
export async function graphOf(
  input: string | object,
  format?: 'turtle' | 'jsonld',
  baseIri?: string,
): Promise<Graph> {
  if (typeof input !== 'string') return parseJsonLd(input)
  if (format === 'jsonld' || (format === undefined && looksLikeJson(input)))
    return parseJsonLd(parseJsonText(input))
  return parseTurtle(input, baseIri)
}

/**
 * Parses an ODRL policy from Turtle or JSON-LD (text or parsed JSON) into the typed model, with
 * inheritance resolved. JSON-LD that is not in the common compact shape is expanded by jsonld.js
 * offline (only the ODRL context is available).
 */
export async function parsePolicy(input: PolicyInput, options: ParsePolicyOptions = {}): Promise<Policy> {
  if (isPolicy(input)) return resolveInheritance(input, options.parents)
  const graph = await graphOf(input, options.format, options.baseIri)
  return resolveInheritance(policyFromGraph(graph, options.uid), options.parents)
}

/**
 * Synchronous {@link parsePolicy}: Turtle, and JSON-LD in the common compact shape with the ODRL
 * context. Throws `PolicyNeedsAsyncParseError` for JSON-LD that needs the full processor.
 */
export function parsePolicySync(input: PolicyInput, options: ParsePolicyOptions = {}): Policy {
  if (isPolicy(input)) return resolveInheritance(input, options.parents)
  const graph = graphOfSync(input, options.format, options.baseIri)
  return resolveInheritance(policyFromGraph(graph, options.uid), options.parents)
}

/** The policy nodes of a graph: typed with an ODRL policy class. */
export function policyNodes(graph: Graph): string[] {
  const out: string[] = []
  for (const s of graph.subjects()) {
    if (
      graph
        .objects(s, RDF_TYPE)
        .some((t) => t.value.startsWith(ODRL_NS) && POLICY_TYPES[t.value.slice(ODRL_NS.length)])
    )
      out.push(s)
  }
  return out
}

/** Builds the policy found in a graph (without resolving `inheritFrom`). */
export function policyFromGraph(graph: Graph, uid?: Iri): Policy {
  const candidates = policyNodes(graph).filter((s) => !graph.hasType(s, O('Request')) || uid !== undefined)
  let node: string | undefined
  if (uid !== undefined) node = candidates.find((s) => s === uid || graph.one(s, O('uid'))?.value === uid)
  else if (candidates.length === 1) node = candidates[0]
  else if (candidates.length > 1) {
    throw new PolicyParseError(
      `the document holds ${candidates.length} policies (${candidates.join(', ')}); say which one (uid)`,
    )
  }
  if (node === undefined) {
    throw new PolicyParseError(
      uid === undefined
        ? 'no ODRL policy found: expected a node of type odrl:Set, odrl:Offer, odrl:Agreement or odrl:Policy'
        : `no ODRL policy with uid ${uid} in the document`,
    )
  }
  return buildPolicy(graph, node)
}

/** Builds the policy at `node` of `graph` (also used for `odrl:Request` nodes). */
export function buildPolicy(graph: Graph, node: string): Policy {
  const builder = new Builder(graph)
  const uid = graph.one(node, O('uid'))?.value ?? node
  let type: PolicyType = 'Set'
  for (const t of graph.objects(node, RDF_TYPE)) {
    const mapped = t.value.startsWith(ODRL_NS) ? POLICY_TYPES[t.value.slice(ODRL_NS.length)] : undefined
    if (mapped !== undefined && (type === 'Set' || mapped !== 'Set')) type = mapped
  }
  const conflictTerm = graph.one(node, O('conflict'))?.value
  let conflict: ConflictStrategy | undefined
  if (conflictTerm !== undefined) {
    const local = conflictTerm.startsWith(ODRL_NS) ? conflictTerm.slice(ODRL_NS.length) : conflictTerm
    if (local !== 'perm' && local !== 'prohibit' && local !== 'invalid') {
      throw new PolicyParseError(`odrl:conflict must be perm, prohibit or invalid, not ${conflictTerm}`)
    }
    conflict = local
  }
  const level = builder.levelOf(node)
  const permissions = graph
    .objects(node, O('permission'))
    .flatMap((t) => builder.rules(t.value, 'permission', uid)) as Permission[]
  const prohibitions = graph
    .objects(node, O('prohibition'))
    .flatMap((t) => builder.rules(t.value, 'prohibition', uid)) as Prohibition[]
  const obligations = graph
    .objects(node, O('obligation'))
    .flatMap((t) => builder.rules(t.value, 'obligation', uid)) as Duty[]
  const partOf = new Map<Iri, Iri[]>()
  const metadata = new Map<Iri, Term[]>()
  for (const s of graph.subjects()) {
    const parents = graph.objects(s, O('partOf'))
    if (parents.length > 0)
      partOf.set(
        s,
        parents.map((p) => p.value),
      )
  }
  for (const [p, values] of graph.properties(node))
    if (!p.startsWith(ODRL_NS) && p !== RDF_TYPE) metadata.set(p, [...values])
  return {
    uid,
    type,
    profiles: graph.objects(node, O('profile')).map((t) => t.value),
    inheritFrom: graph.objects(node, O('inheritFrom')).map((t) => t.value),
    conflict,
    permissions: propagate(permissions, level),
    prohibitions: propagate(prohibitions, level),
    obligations: propagate(obligations, level),
    parties: level.parties,
    targets: level.targets,
    actions: level.actions,
    partOf,
    metadata,
  }
}

interface Level {
  readonly parties: readonly Party[]
  readonly targets: readonly Asset[]
  readonly actions: readonly Action[]
}

/** Gives every rule the policy-level values of the properties it lacks, expanding into atomic rules. */
export function propagate<R extends Rule>(rules: readonly R[], level: Level): R[] {
  let out: R[] = [...rules]
  if (level.actions.length > 0) {
    out = out.flatMap((r) =>
      r.action !== undefined
        ? [r]
        : level.actions.map((action, i) => ({ ...r, action, atom: r.atom * level.actions.length + i })),
    )
  }
  if (level.targets.length > 0) {
    out = out.flatMap((r) =>
      r.target !== undefined
        ? [r]
        : level.targets.map((target, i) => ({ ...r, target, atom: r.atom * level.targets.length + i })),
    )
  }
  for (const fn of PARTY_FUNCTIONS) {
    const parties = level.parties.filter((p) => p.function === fn)
    if (parties.length === 0) continue
    out = out.flatMap((r) =>
      r.parties.some((p) => p.function === fn)
        ? [r]
        : parties.map((p, i) => ({ ...r, parties: [...r.parties, p], atom: r.atom * parties.length + i })),
    )
  }
  return out
}

class Builder {
  constructor(private readonly graph: Graph) {}

  levelOf(node: string): Level {
    return {
      parties: PARTY_FUNCTIONS.flatMap((fn) => this.graph.values(node, O(fn)).map((t) => this.party(t, fn))),
      targets: this.graph.values(node, O('target')).map((t) => this.asset(t, 'target')),
      actions: this.graph.values(node, O('action')).map((t) => this.action(t)),
    }
  }

  /** The atomic rules of one (possibly compact) rule node. */
  rules(
    node: string,
    kind: 'permission' | 'prohibition' | 'obligation' | 'duty' | 'remedy' | 'consequence',
    origin: Iri,
  ): Rule[] {
    const g = this.graph
    const actions = g.values(node, O('action')).map((t) => this.action(t))
    const targets = g.values(node, O('target')).map((t) => this.asset(t, 'target'))
    const output = g.one(node, O('output'))
    const partiesByFunction = PARTY_FUNCTIONS.map((fn) =>
      g.values(node, O(fn)).map((t) => this.party(t, fn)),
    ).filter((list) => list.length > 0)
    const constraints = g.values(node, O('constraint')).map((t) => this.constraint(t))
    const base = {
      id: node,
      constraints,
      origin,
      output: output === undefined ? undefined : this.asset(output, 'output'),
    }
    // cartesian product: actions x targets x one party per function (IM §2.7)
    let combos: Array<{ action?: Action; target?: Asset; parties: Party[] }> = [{ parties: [] }]
    if (actions.length > 0) combos = combos.flatMap((c) => actions.map((action) => ({ ...c, action })))
    if (targets.length > 0) combos = combos.flatMap((c) => targets.map((target) => ({ ...c, target })))
    for (const list of partiesByFunction)
      combos = combos.flatMap((c) => list.map((p) => ({ ...c, parties: [...c.parties, p] })))
    return combos.map((c, atom): Rule => {
      const common = { ...base, ...c, atom }
      if (kind === 'permission') {
        return { ...common, kind: 'permission', duties: this.duties(node, O('duty'), 'duty', origin) }
      }
      if (kind === 'prohibition') {
        return { ...common, kind: 'prohibition', remedies: this.duties(node, O('remedy'), 'remedy', origin) }
      }
      const role = kind === 'obligation' || kind === 'remedy' || kind === 'consequence' ? kind : 'duty'
      return {
        ...common,
        kind: 'duty',
        role,
        consequences: this.duties(node, O('consequence'), 'consequence', origin),
      }
    })
  }

  private duties(node: string, predicate: Iri, role: 'duty' | 'remedy' | 'consequence', origin: Iri): Duty[] {
    return this.graph.values(node, predicate).flatMap((t) => this.rules(t.value, role, origin)) as Duty[]
  }

  action(term: Term): Action {
    const value = this.graph.one(term.value, RDF_VALUE)
    if (term.termType !== 'Literal' && value !== undefined) {
      return { id: value.value, refinement: this.refinements(term.value) }
    }
    if (term.termType === 'Literal')
      throw new PolicyParseError(`odrl:action must be an IRI, not the text "${term.value}"`)
    return { id: term.value, refinement: [] }
  }

  private refinements(node: string): Constraint[] {
    return this.graph.values(node, O('refinement')).map((t) => this.constraint(t))
  }

  asset(term: Term, relation: 'target' | 'output'): Asset {
    const g = this.graph
    const uid = g.one(term.value, O('uid'))?.value ?? term.value
    return {
      id: uid,
      collection:
        g.hasType(term.value, O('AssetCollection')) || g.one(term.value, O('refinement')) !== undefined,
      partOf: g.objects(term.value, O('partOf')).map((t) => t.value),
      source: g.one(term.value, O('source'))?.value,
      refinement: this.refinements(term.value),
      relation,
    }
  }

  party(term: Term, fn: PartyFunction): Party {
    const g = this.graph
    const uid = g.one(term.value, O('uid'))?.value ?? term.value
    return {
      id: uid,
      function: fn,
      collection:
        g.hasType(term.value, O('PartyCollection')) || g.one(term.value, O('refinement')) !== undefined,
      partOf: g.objects(term.value, O('partOf')).map((t) => t.value),
      source: g.one(term.value, O('source'))?.value,
      refinement: this.refinements(term.value),
    }
  }

  constraint(term: Term, depth = 0): Constraint {
    if (depth > 64) throw new PolicyParseError('constraints are nested more than 64 levels deep (a cycle?)')
    const g = this.graph
    const node = term.value
    const id = node
    for (const operand of LOGICAL_OPERANDS) {
      const members = g.values(node, O(operand))
      if (members.length > 0) {
        return {
          kind: 'logical',
          id,
          operand,
          constraints: members.map((m) => this.constraint(m, depth + 1)),
        }
      }
    }
    const left = g.one(node, O('leftOperand'))
    const operator = g.one(node, O('operator'))
    if (left === undefined || operator === undefined) {
      throw new PolicyParseError(
        `constraint ${node.startsWith('_:') ? '(anonymous)' : node} needs odrl:leftOperand and odrl:operator, or a logical operand (and, or, xone, andSequence)`,
      )
    }
    const op = operator.value.startsWith(ODRL_NS) ? operator.value.slice(ODRL_NS.length) : operator.value
    if (!KNOWN_OPERATORS.has(op)) throw new PolicyParseError(`unknown ODRL operator ${operator.value}`)
    const right = g.values(node, O('rightOperand'))
    const reference = g.one(node, O('rightOperandReference'))
    if (right.length === 0 && reference === undefined) {
      throw new PolicyParseError(
        `constraint on ${left.value} has neither odrl:rightOperand nor odrl:rightOperandReference`,
      )
    }
    return {
      kind: 'atomic',
      id,
      leftOperand: left.value,
      operator: op as Operator,
      rightOperand: right,
      rightOperandReference: reference?.value,
      dataType: g.one(node, O('dataType'))?.value,
      unit: g.one(node, O('unit'))?.value,
      status: g.one(node, O('status')),
    }
  }
}

/** Policies whose `inheritFrom` has been merged already (they keep the list for reference). */
const RESOLVED = new WeakSet<Policy>()

function ruleKey(r: Rule): string {
  return `${r.origin} ${r.id} ${r.atom}`
}

function lookup(parents: PolicyResolver | undefined, uid: Iri): PolicyInput | undefined {
  if (parents === undefined) return undefined
  return typeof parents === 'function' ? parents(uid) : parents.get(uid)
}

/**
 * Merges the parents named by `inheritFrom` into a policy (IM §2.9): their rules, profiles and
 * conflict value; their policy-level assets, parties and actions propagate into the child's rules.
 * Parents may be text, parsed JSON-LD (fast path) or parsed policies, and may inherit in turn.
 */
export function resolveInheritance(
  policy: Policy,
  parents: PolicyResolver | undefined,
  stack: readonly Iri[] = [],
): Policy {
  if (policy.inheritFrom.length === 0 || RESOLVED.has(policy)) return policy
  if (stack.includes(policy.uid)) {
    throw new PolicyInheritanceError(`inheritFrom is circular: ${[...stack, policy.uid].join(' -> ')}`)
  }
  let permissions = [...policy.permissions]
  let prohibitions = [...policy.prohibitions]
  let obligations = [...policy.obligations]
  const profiles = new Set(policy.profiles)
  const partOf = new Map(policy.partOf)
  let conflict = policy.conflict
  let parentConflict: ConflictStrategy | undefined
  for (const uid of policy.inheritFrom) {
    const input = lookup(parents, uid)
    if (input === undefined) {
      throw new PolicyInheritanceError(`policy ${policy.uid} inherits from ${uid}, which was not supplied`)
    }
    const raw = isPolicy(input) ? input : policyFromGraph(graphOfSync(input as string | object), uid)
    const parent = resolveInheritance(raw, parents, [...stack, policy.uid])
    permissions = propagate(permissions, parent)
    prohibitions = propagate(prohibitions, parent)
    obligations = propagate(obligations, parent)
    const seen = new Set([...permissions, ...prohibitions, ...obligations].map(ruleKey))
    const fresh = <R extends Rule>(rules: readonly R[]): R[] => rules.filter((r) => !seen.has(ruleKey(r)))
    permissions.push(...fresh(parent.permissions))
    prohibitions.push(...fresh(parent.prohibitions))
    obligations.push(...fresh(parent.obligations))
    for (const p of parent.profiles) profiles.add(p)
    for (const [k, v] of parent.partOf) partOf.set(k, [...new Set([...(partOf.get(k) ?? []), ...v])])
    if (parent.conflict !== undefined) {
      // parents that disagree leave the safe default (IM §2.10 leaves this open)
      parentConflict =
        parentConflict === undefined || parentConflict === parent.conflict ? parent.conflict : 'invalid'
    }
  }
  conflict ??= parentConflict
  const resolved: Policy = {
    ...policy,
    permissions,
    prohibitions,
    obligations,
    profiles: [...profiles],
    partOf,
    conflict,
  }
  RESOLVED.add(resolved)
  return resolved
}
