import { ALLMENDE_NS, type CompiledPolicy, type WorldState } from '../policy/index.js'
import type { MessageOffer } from '../protocol/index.js'
import { type Declarations, declaredFacts } from './declarations.js'
import type { ContractDecision } from './negotiation-service.js'

/** The profile left operand a membership constraint tests (spec/odrl-profile.md). */
export const MEMBERSHIP_OPERAND = 'https://w3id.org/allmende/odrl#dataSpaceMembership'
/** The profile left operand naming the connector that fetches and uses the data. */
export const CONNECTOR_OPERAND = 'https://w3id.org/allmende/odrl#connector'

/**
 * What the provider states about the data and the moment, as the operator set it: the events current
 * at this node (`event`, e.g. `allmende:FloodAlert` while a flood alert is on) and the states the
 * dataset is delivered in (`allmende:artifactState`, e.g. `allmende:Pseudonymised`).
 */
export interface ProviderFacts {
  readonly events?: readonly string[]
  readonly artifactState?: readonly string[]
}

/** Who asks, and what the provider knows of it and of its own data: the input of {@link requestFacts}. */
export interface RequestFactsInput {
  readonly consumer: string
  readonly isMember: boolean
  readonly dataSpace?: string
  /** What the consumer declared about itself in its request (role, location, security profile). */
  readonly declared?: Declarations
  readonly provided?: ProviderFacts
}

/**
 * The left operand values of a request, for negotiation and for each use alike: what the consumer
 * declared, what the provider states of its data, and what the provider establishes itself about the
 * consumer, which no declaration can override: the data space it is an admitted member of
 * (`dataSpaceMembership eq <data space id>`) and its connector, which is its node (`connector eq <DID>`).
 * A fact nobody supplied is absent, so a constraint on it is refused with a reason naming it.
 */
export function requestFacts(input: RequestFactsInput): Record<string, string | boolean | string[]> {
  const { events = [], artifactState = [] } = input.provided ?? {}
  return {
    ...declaredFacts(input.declared),
    ...(events.length > 0 ? { [EVENT_OPERAND]: [...events] } : {}),
    ...(artifactState.length > 0 ? { [ARTIFACT_STATE_OPERAND]: [...artifactState] } : {}),
    [MEMBERSHIP_OPERAND]: input.isMember ? (input.dataSpace ?? true) : false,
    [CONNECTOR_OPERAND]: input.consumer,
  }
}

const EVENT_OPERAND = 'http://www.w3.org/ns/odrl/2/event'
const ARTIFACT_STATE_OPERAND = `${ALLMENDE_NS}artifactState`

/** What the provider knows about a request when it decides. */
export interface ContractDecisionFacts {
  /** The offer as this node published it (never the consumer's copy), compiled: what is evaluated. */
  readonly offer: CompiledPolicy
  /** The same offer in its DSP form, as the consumer saw it in the catalog: what the agreement carries. */
  readonly terms: MessageOffer
  readonly datasetId: string
  readonly consumer: string
  readonly isMember: boolean
  /** The id of the data space this provider admits members of. */
  readonly dataSpace?: string
  /**
   * The offer is published to everyone (catalog access `public`): any authenticated DID may agree
   * to it, a member or not (a DSP peer over HTTPS). Its own constraints still apply.
   */
  readonly openToAll?: boolean
  readonly purpose?: string
  /** What the consumer declared about itself in its request. */
  readonly declared?: Declarations
  /** What the provider states of its data and the moment. */
  readonly provided?: ProviderFacts
  readonly now: Date
  /** `manual` offers wait for a data officer once the policy permits them. */
  readonly approval: 'automatic' | 'manual'
  readonly approved: boolean
}

/**
 * Decides whether an offer may become an agreement for this consumer: the offer is evaluated as
 * the proposal it is (ODRL formal semantics) for `use` of the dataset by the consumer, with the
 * declared purpose, membership and time as the state of the world. A refusal names each failing
 * premise in the words the policy engine gives them.
 */
export function decideOnOffer(facts: ContractDecisionFacts): ContractDecision {
  if (!facts.isMember && facts.openToAll !== true) {
    return {
      agree: false,
      code: 'NOT_A_MEMBER',
      reason: 'the consumer is not an admitted member of this data space',
    }
  }
  const world: WorldState = {
    now: facts.now,
    // A contract is judged for its first use: a `count lteq n` offer is agreeable, the data
    // plane then counts each transfer against it.
    count: 1,
    // Nothing has been used yet when the contract is made: the period of use starts with it.
    elapsedTime: 0,
    recipient: facts.consumer,
    ...(facts.purpose === undefined ? {} : { purpose: facts.purpose }),
    values: requestFacts(facts),
  }
  const result = facts.offer.evaluate(
    { action: 'use', target: facts.datasetId, assignee: facts.consumer },
    world,
  )
  const decision = result.proposal ?? result.decision
  if (decision === 'permit') {
    return facts.approval === 'manual' && !facts.approved
      ? { agree: 'hold', reason: "the offer's terms are met; a data officer must approve the agreement" }
      : { agree: true, offer: facts.terms }
  }
  // The engine's reasons name rules by node id and say an Offer is only a proposal; the operator
  // of the consumer needs just the premises that failed.
  const failed = result.reasons
    .filter((reason) => !reason.startsWith('this is an Offer'))
    .map((reason) => reason.replace(/^_:[^:\s]+: /, ''))
  const reasons = failed.length > 0 ? failed.join('; ') : 'no rule of the offer permits this use'
  const aboutPurpose = /purpose/i.test(reasons)
  return {
    agree: false,
    code: aboutPurpose ? 'PURPOSE_NOT_PERMITTED' : 'POLICY_NOT_SATISFIED',
    reason:
      facts.purpose === undefined && aboutPurpose
        ? `the offer requires a purpose and the request declared none: ${reasons}`
        : `the offer does not permit this request: ${reasons}`,
  }
}
