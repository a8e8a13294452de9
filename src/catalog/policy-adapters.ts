import { compilePolicy, type ValidationResult, validatePolicy } from '../policy/index.js'
import type { Requester } from './access.js'
import type { JsonObject, OdrlOffer } from './dataset.js'
import { offerPublishProblems, type PublishProblem } from './offer-checks.js'

/** The profile left operand of data space membership (spec/odrl-profile.md). */
const MEMBERSHIP_OPERAND = 'https://w3id.org/allmende/odrl#dataSpaceMembership'

/**
 * Offers are checked by the policy engine's validator at the present moment (so an offer that has
 * already expired is warned about); each issue keeps its path, code and params. A valid offer is
 * also checked for what would fail once published: a DSP form consumers refuse (error), a
 * constraint no negotiation can meet (warning). The catalog runs this on publish and
 * `allmende policy validate` on an Offer, so an offer that validates is publishable.
 */
export function validateOfferWithPolicyEngine(offer: OdrlOffer, now: Date): ValidationResult {
  const result = validatePolicy(offer, { now })
  if (result.errors.length > 0) return result
  const later = offerPublishProblems(offer)
  const issue = (problem: PublishProblem) => ({ path: '', ...problem })
  return {
    errors: [...result.errors, ...later.errors.map(issue)],
    warnings: [...result.warnings, ...later.warnings.map(issue)],
  }
}

/**
 * An access constraint on the requester, decided by the policy engine: the constraint guards a
 * one-rule policy that the requester's known facts (DID, membership, attributes) must satisfy.
 */
export function requesterConstraintEvaluator(clock: () => Date) {
  return (constraint: JsonObject, requester: Requester): boolean =>
    evaluateRequesterConstraint(constraint, requester, clock())
}

function evaluateRequesterConstraint(constraint: JsonObject, requester: Requester, now: Date): boolean {
  const policy = {
    '@context': 'http://www.w3.org/ns/odrl.jsonld',
    '@type': 'Set',
    uid: 'urn:allmende:access-check',
    permission: [{ action: 'use', constraint: [constraint] }],
  }
  const result = compilePolicy(policy).evaluate(
    { action: 'use', assignee: requester.did },
    {
      now,
      recipient: requester.did,
      values: {
        [MEMBERSHIP_OPERAND]: requester.isMember,
        ...(requester.attributes as Record<string, string | number | boolean> | undefined),
      },
    },
  )
  return result.decision === 'permit'
}
