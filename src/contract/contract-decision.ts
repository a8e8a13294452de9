import type { CompiledPolicy, WorldState } from '../policy/index.js'
import type { MessageOffer } from '../protocol/index.js'
import type { ContractDecision } from './negotiation-service.js'

/** The profile left operand a membership constraint tests (spec/odrl-profile.md). */
const MEMBERSHIP_OPERAND = 'https://w3id.org/allmende/odrl#dataSpaceMembership'

/** What the provider knows about a request when it decides. */
export interface ContractDecisionFacts {
  /** The offer as this node published it (never the consumer's copy), compiled: what is evaluated. */
  readonly offer: CompiledPolicy
  /** The same offer in its DSP form, as the consumer saw it in the catalog: what the agreement carries. */
  readonly terms: MessageOffer
  readonly datasetId: string
  readonly consumer: string
  readonly isMember: boolean
  /**
   * The offer is published to everyone (catalog access `public`): any authenticated DID may agree
   * to it, a member or not (a DSP peer over HTTPS). Its own constraints still apply.
   */
  readonly openToAll?: boolean
  readonly purpose?: string
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
    recipient: facts.consumer,
    ...(facts.purpose === undefined ? {} : { purpose: facts.purpose }),
    values: { [MEMBERSHIP_OPERAND]: facts.isMember },
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
