/**
 * @packageDocumentation
 * Allmende's ODRL 2.2 policy engine: parse (JSON-LD or Turtle) into a typed model, evaluate a
 * request against it in a given state of the world, and report (ODRL Compliance Report in Turtle or
 * JSON-LD, plus a permit / deny / not-applicable decision with reasons in plain English). Pure: no
 * I/O, no clock; the caller passes "now" and everything else it knows.
 *
 * @example
 * ```ts
 * import { compilePolicy, evaluatePolicy } from 'allmende/policy'
 *
 * const policy = {
 *   '@context': 'http://www.w3.org/ns/odrl.jsonld',
 *   '@type': 'Agreement',
 *   uid: 'https://stadt.example/policy/1',
 *   assigner: 'did:key:z6MkProvider',
 *   permission: [{
 *     target: 'https://stadt.example/data/parking',
 *     assignee: 'did:key:z6MkConsumer',
 *     action: 'use',
 *     constraint: [{ leftOperand: 'dateTime', operator: 'lt', rightOperand: { '@value': '2027-01-01T00:00:00Z', '@type': 'xsd:dateTime' } }],
 *   }],
 * }
 *
 * // one call: text or parsed inputs, decision and compliance report
 * const { decision, reportTurtle } = await evaluatePolicy({
 *   policy,
 *   request: { assignee: 'did:key:z6MkConsumer', action: 'read', target: 'https://stadt.example/data/parking' },
 *   state: { now: new Date('2026-11-22T12:00:00Z') },
 * })
 * // decision === 'permit'
 *
 * // compile once, evaluate on every data request
 * const compiled = compilePolicy(policy)
 * const result = compiled.evaluate(
 *   { assignee: 'did:key:z6MkConsumer', action: 'read', target: 'https://stadt.example/data/parking' },
 *   { now: new Date() },
 * )
 * if (result.decision !== 'permit') console.log(result.reasons.join('\n'))
 * ```
 */
import type { CompiledPolicy, EvaluateOptions, EvaluationResult } from './evaluate.js'
import { compileParsedPolicy } from './evaluate.js'
import type { Graph } from './graph.js'
import type { Policy } from './model.js'
import {
  graphOf,
  isPolicy,
  type ParsePolicyOptions,
  type PolicyInput,
  parsePolicy,
  parsePolicySync,
  resolveInheritance,
} from './parse.js'
import { decisionSummary, reportToJsonLd, reportToTurtle } from './report.js'
import { type PolicyRequest, requestFromGraph, type WorldState, worldFromGraph } from './world.js'

export {
  InvalidPolicyError,
  PolicyInheritanceError,
  PolicyNeedsAsyncParseError,
  PolicyParseError,
} from './errors.js'
export type {
  CompiledPolicy,
  ConstraintOutcome,
  Decision,
  DutyOutcomeReport,
  EvaluateOptions,
  EvaluationResult,
  RuleOutcome,
} from './evaluate.js'
export { compileParsedPolicy, describeConstraint } from './evaluate.js'
export { Graph, parseJsonLd, parseJsonLdFast, parseTurtle } from './graph.js'
export type {
  Action,
  Asset,
  AtomicConstraint,
  ConflictStrategy,
  Constraint,
  Duty,
  Iri,
  LogicalConstraint,
  LogicalOperand,
  Operator,
  Party,
  PartyFunction,
  Permission,
  Policy,
  PolicyType,
  Prohibition,
  Rule,
  RuleBase,
  Term,
} from './model.js'
export { ODRL, OPERATORS, PARTY_FUNCTIONS } from './model.js'
export type { ParsePolicyOptions, PolicyInput, PolicyResolver } from './parse.js'
export { graphOf, parsePolicy, parsePolicySync, policyFromGraph, resolveInheritance } from './parse.js'
export { PolicyCache } from './policy-cache.js'
export { PURPOSE_WORDS, purposeIri } from './purpose-names.js'
export type { DecisionSummary, ReportTriple } from './report.js'
export { decisionSummary, reportToJsonLd, reportToTurtle, reportTriples } from './report.js'
export type { WorldValue } from './values.js'
export { ACTION_ANCESTORS, actionCovers, LEFT_OPERANDS, ODRL_ACTIONS } from './vocabulary.js'
export type { DeonticState, DutyOutcome, PolicyRequest, WorldState } from './world.js'
export { requestFromGraph, worldFromGraph } from './world.js'

/**
 * Compiles a policy once for many evaluations (closures; nothing is re-parsed). Accepts a parsed
 * {@link Policy}, Turtle text, or JSON-LD (text or object) in the common compact shape with the
 * ODRL context; other JSON-LD must go through {@link parsePolicy} first.
 */
export function compilePolicy(policy: PolicyInput, options: ParsePolicyOptions = {}): CompiledPolicy {
  return compileParsedPolicy(
    isPolicy(policy) ? resolveInheritance(policy, options.parents) : parsePolicySync(policy, options),
  )
}

/** A request as a typed object, or as an ODRL Request document (text or parsed JSON-LD). */
export type RequestInput = PolicyRequest | string | object

/** A state of the world as a typed object, or as an RDF document (text or parsed JSON-LD). */
export type StateInput = WorldState | string | object

/** Inputs of {@link evaluatePolicy}. */
export interface EvaluatePolicyInput {
  readonly policy: PolicyInput
  readonly request: RequestInput
  readonly state?: StateInput
  readonly parse?: ParsePolicyOptions
  readonly options?: EvaluateOptions
}

/** What {@link evaluatePolicy} returns: the decision, the full result and the report in both syntaxes. */
export interface PolicyEvaluation {
  readonly decision: EvaluationResult['decision']
  readonly result: EvaluationResult
  readonly reportTurtle: string
  readonly reportJsonLd: Record<string, unknown>
  readonly summary: ReturnType<typeof decisionSummary>
}

function isTypedRequest(x: unknown): x is PolicyRequest {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as { action?: unknown }).action === 'string' &&
    !('@context' in x)
  )
}

function isTypedWorld(x: unknown): x is WorldState {
  return typeof x === 'object' && x !== null && !('@context' in x) && !('@graph' in x) && !('@id' in x)
}

/** Reads a request document (Turtle or JSON-LD) into a typed request. */
export async function parseRequest(input: RequestInput): Promise<PolicyRequest> {
  if (isTypedRequest(input)) return input
  return requestFromGraph(await graphOf(input as string | object))
}

/** Reads a state of the world document (Turtle or JSON-LD) into a typed state. */
export async function parseWorldState(input: StateInput): Promise<WorldState> {
  if (typeof input !== 'string' && isTypedWorld(input)) return input
  const graph: Graph = await graphOf(input as string | object)
  return worldFromGraph(graph)
}

/**
 * Evaluates one request against one policy in one state of the world; every input may be text
 * (Turtle or JSON-LD), parsed JSON-LD, or the typed object.
 */
export async function evaluatePolicy(input: EvaluatePolicyInput): Promise<PolicyEvaluation> {
  const policy: Policy = await parsePolicy(input.policy, input.parse)
  const request = await parseRequest(input.request)
  const world = input.state === undefined ? {} : await parseWorldState(input.state)
  const result = compileParsedPolicy(policy).evaluate(request, world, input.options)
  return {
    decision: result.decision,
    result,
    reportTurtle: reportToTurtle(result),
    reportJsonLd: reportToJsonLd(result),
    summary: decisionSummary(result),
  }
}
// validation, explanation, profile and templates (helper P2's files)
export type { ExplainOptions, Explanation } from './explain.js'
export { explainPolicy } from './explain.js'
export type { IssueParams } from './messages.js'
export { hasIssueMessage, issueMessage } from './messages.js'
export { ALLMENDE_NS, ALLMENDE_PROFILE, PROFILE_LEFT_OPERANDS, PURPOSES } from './profile.js'
export type { FillOptions, PolicyTemplate, TemplateParameter } from './templates.js'
export {
  defaultTemplateDir,
  fillTemplate,
  findTemplate,
  loadTemplates,
  parameterValue,
  parseParameterAssignments,
  TemplateFileError,
  TemplateNotFoundError,
  TemplateParameterError,
} from './templates.js'
export type { ValidateOptions, ValidationResult } from './validate.js'
export { validatePolicy } from './validate.js'
export type { Issue } from './validate-tree.js'
