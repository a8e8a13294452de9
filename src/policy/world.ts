/**
 * What the caller tells the engine: the request (who wants to do what to which asset) and the
 * state of the world (time, counts, memberships, earlier duty outcomes...). Typed objects for the
 * connector, and readers for the RDF forms of the SolidLab test suite.
 */
import { PolicyParseError } from './errors.js'
import type { Graph } from './graph.js'
import type { Iri, Term } from './model.js'
import { instantOf, type WorldValue } from './values.js'
import { DCT_NS, ODRL_NS, RDF_TYPE, REPORT_NS, SOTW_NS } from './vocabulary.js'

/** Outcome of a duty (or obligation) so far; `notSet` when unknown. */
export type DeonticState = 'fulfilled' | 'violated' | 'notSet'

/** What is known about one duty, obligation or prohibition. */
export interface DutyOutcome {
  readonly state: DeonticState
  /** The earlier report that says so (`report:conditionReport` points at it). */
  readonly report?: Iri
}

/**
 * The state of the world at evaluation time. Every field is optional; a constraint whose left
 * operand has no value is unsatisfied.
 */
export interface WorldState {
  /** "Now": the value of `odrl:dateTime`. */
  readonly now?: Date
  /** Uses so far (`odrl:count`). */
  readonly count?: number
  readonly purpose?: Iri | readonly Iri[]
  /** The receiving party (`odrl:recipient`), e.g. the consumer's DID. */
  readonly recipient?: Iri
  readonly spatial?: Iri | readonly Iri[]
  /** Seconds since the first use (`odrl:elapsedTime`). */
  readonly elapsedTime?: number
  /** Any left operand by IRI or by ODRL local name (`payAmount`): wins over the fields above. */
  readonly values?: Readonly<Record<string, WorldValue | readonly WorldValue[]>>
  /** Collection memberships: member IRI -> collection IRIs (`odrl:partOf`), transitive. */
  readonly memberships?: Readonly<Record<Iri, readonly Iri[]>>
  /** Classes of things, for `isA`: IRI -> class IRIs. */
  readonly types?: Readonly<Record<Iri, readonly Iri[]>>
  /** Earlier outcomes of duties, obligations and prohibitions, by rule IRI. */
  readonly duties?: Readonly<Record<Iri, DeonticState | DutyOutcome>>
  /** `report:DutyReport`s whose rule is not known here (suite compatibility, see evaluate.ts). */
  readonly unmatchedDutyReports?: readonly DutyOutcome[]
}

/** One evaluation request: one action by one party on one asset. */
export interface PolicyRequest {
  /** Action IRI, or an ODRL local name (`read`). */
  readonly action: Iri
  readonly target?: Iri
  readonly assignee?: Iri
  readonly assigner?: Iri
  /** Left operand values that belong to this request (refinements are evaluated against these only). */
  readonly context?: Readonly<Record<string, WorldValue | readonly WorldValue[]>>
  /** The request's permission node (`report:ruleRequest`), when the request came as RDF. */
  readonly id?: Iri
  /** The request's policy node (`report:policyRequest`). */
  readonly uid?: Iri
}

const O = (local: string): Iri => ODRL_NS + local

/** Reads an `odrl:Request` graph (as in the suite) into a {@link PolicyRequest}. */
export function requestFromGraph(graph: Graph): PolicyRequest {
  let node: string | undefined
  for (const s of graph.subjects()) if (graph.hasType(s, O('Request'))) node = node ?? s
  if (node === undefined) {
    for (const s of graph.subjects()) if (graph.one(s, O('permission')) !== undefined) node = node ?? s
  }
  if (node === undefined) throw new PolicyParseError('no odrl:Request found in the request document')
  const permission = graph.one(node, O('permission'))
  if (permission === undefined) throw new PolicyParseError(`request ${node} has no odrl:permission`)
  const p = permission.value
  const action = graph.one(p, O('action'))
  if (action === undefined) throw new PolicyParseError(`the request's permission ${p} has no odrl:action`)
  const context: Record<string, WorldValue | WorldValue[]> = {}
  for (const c of [...graph.values(p, `${SOTW_NS}context`), ...graph.values(p, O('constraint'))]) {
    const left = graph.one(c.value, O('leftOperand'))
    const op = graph.one(c.value, O('operator'))
    const right = graph.values(c.value, O('rightOperand'))
    if (left === undefined || right.length === 0) {
      throw new PolicyParseError('a request context constraint needs odrl:leftOperand and odrl:rightOperand')
    }
    if (op !== undefined && op.value !== O('eq')) {
      throw new PolicyParseError(`a request context constraint must use odrl:eq, not ${op.value}`)
    }
    context[left.value] = right.length === 1 ? (right[0] as Term) : right
  }
  const actionValue =
    graph.one(action.value, 'http://www.w3.org/1999/02/22-rdf-syntax-ns#value')?.value ?? action.value
  return {
    action: actionValue,
    target: graph.one(p, O('target'))?.value,
    assignee: graph.one(p, O('assignee'))?.value,
    assigner: graph.one(p, O('assigner'))?.value,
    context,
    id: p,
    uid: graph.one(node, O('uid'))?.value ?? node,
  }
}

const DEONTIC: Readonly<Record<string, DeonticState>> = {
  [`${REPORT_NS}Fulfilled`]: 'fulfilled',
  [`${REPORT_NS}Violated`]: 'violated',
  [`${REPORT_NS}NonSet`]: 'notSet',
}

/**
 * Reads a state of the world graph: a whole suite file (with its `ex:Sotw` node) or just its
 * triples. "Now" is `temp:currentTime dct:issued` (or `sotw:currentTime dct:issued`, or
 * `?x sotw:currentTime "..."`); `X odrl:partOf C` are memberships; `rdf:type` feeds `isA`;
 * `report:DutyReport`s give duty outcomes; constraint nodes with `odrl:eq` give left operand values.
 */
export function worldFromGraph(graph: Graph): WorldState {
  let nowTerm: Term | undefined =
    graph.one('http://example.com/request/currentTime', `${DCT_NS}issued`) ??
    graph.one(`${SOTW_NS}currentTime`, `${DCT_NS}issued`)
  const memberships: Record<Iri, Iri[]> = {}
  const types: Record<Iri, Iri[]> = {}
  const duties: Record<Iri, DutyOutcome> = {}
  const values: Record<string, WorldValue | WorldValue[]> = {}
  for (const [s, p, o] of graph.triples()) {
    if (p === O('partOf')) memberships[s] = [...(memberships[s] ?? []), o.value]
    else if (p === RDF_TYPE) types[s] = [...(types[s] ?? []), o.value]
    else if (p === `${SOTW_NS}currentTime` && o.termType === 'Literal') nowTerm ??= o
  }
  for (const s of graph.subjects()) {
    if (graph.hasType(s, `${REPORT_NS}DutyReport`)) {
      const rule = graph.one(s, `${REPORT_NS}rule`)
      const state = DEONTIC[graph.one(s, `${REPORT_NS}deonticState`)?.value ?? ''] ?? 'notSet'
      if (rule !== undefined) duties[rule.value] = { state, report: s }
    }
    const left = graph.one(s, O('leftOperand'))
    const op = graph.one(s, O('operator'))
    const right = graph.values(s, O('rightOperand'))
    if (left !== undefined && op?.value === O('eq') && right.length > 0) {
      values[left.value] = right.length === 1 ? (right[0] as Term) : right
    }
  }
  let now: Date | undefined
  if (nowTerm !== undefined) {
    now = new Date(instantOf(nowTerm.value))
    if (Number.isNaN(now.getTime())) throw new PolicyParseError(`"now" is not a dateTime: ${nowTerm.value}`)
    values[O('dateTime')] ??= nowTerm
  }
  return { now, memberships, types, duties, values }
}
