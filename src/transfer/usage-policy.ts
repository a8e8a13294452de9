import type { AgreementRecord } from '../contract/index.js'
import { type CompiledPolicy, compilePolicy, type WorldState } from '../policy/index.js'

/** The profile left operand a membership constraint tests (spec/odrl-profile.md). */
export const MEMBERSHIP_OPERAND = 'https://w3id.org/allmende/odrl#dataSpaceMembership'

/** The ODRL Agreement inside an agreement credential, as a policy document the engine compiles. */
export function agreementPolicyOf(credential: Record<string, unknown>): Record<string, unknown> {
  const subject = credential.credentialSubject as { agreement?: unknown } | undefined
  const agreement = subject?.agreement
  if (typeof agreement !== 'object' || agreement === null || Array.isArray(agreement)) {
    throw new TypeError('the agreement credential carries no agreement')
  }
  // The agreement sits under the credential's contexts (credentials, ODRL, Allmende profile).
  return { '@context': credential['@context'], ...(agreement as Record<string, unknown>) }
}

/** What the provider knows at one data request. */
export interface UsageFacts {
  readonly now: Date
  /** Uses of the agreement before this request (transfers granted access and not failed). */
  readonly usesSoFar: number
  /** Whether this request starts a new use (a resumed transfer continues one already counted). */
  readonly newUse: boolean
  readonly consumer: string
  readonly purpose?: string
  /** When the agreement was concluded (ISO 8601): `elapsedTime` counts from here. */
  readonly concluded: string
  readonly isMember: boolean
}

/**
 * The state of the world for one data request. `count` is the ordinal of this use: the uses so far
 * plus this one if it is new. So `count lteq 3` permits the first three transfers and denies the
 * fourth, and resuming the third (already counted) is still permitted.
 */
export function usageWorld(facts: UsageFacts): WorldState {
  const elapsed = Math.max(0, Math.floor((facts.now.getTime() - Date.parse(facts.concluded)) / 1000))
  return {
    now: facts.now,
    count: facts.usesSoFar + (facts.newUse ? 1 : 0),
    recipient: facts.consumer,
    elapsedTime: elapsed,
    ...(facts.purpose === undefined ? {} : { purpose: facts.purpose }),
    values: { [MEMBERSHIP_OPERAND]: facts.isMember },
  }
}

/** The outcome of a usage check: permitted, or denied with the engine's reasons in plain words. */
export interface UsageDecision {
  readonly permit: boolean
  readonly reasons: readonly string[]
}

const MAX_CACHED = 1000

/**
 * Compiled agreement policies, one per agreement: a data request costs one `evaluate` call, not a
 * parse. The agreement of an id never changes (it is a signed credential), so entries never go stale.
 */
export class AgreementPolicies {
  private readonly compiled = new Map<string, CompiledPolicy>()

  /** The compiled policy of an agreement (compiled on first use). */
  policyOf(agreement: AgreementRecord): CompiledPolicy {
    let policy = this.compiled.get(agreement.id)
    if (policy === undefined) {
      policy = compilePolicy(agreementPolicyOf(agreement.credential))
      if (this.compiled.size >= MAX_CACHED) this.compiled.delete(this.compiled.keys().next().value as string)
      this.compiled.set(agreement.id, policy)
    }
    return policy
  }

  /** Evaluates `use` of the agreement's dataset by its consumer in the world of this request. */
  decide(agreement: AgreementRecord, world: WorldState): UsageDecision {
    const result = this.policyOf(agreement).evaluate(
      { action: 'use', target: agreement.datasetId, assignee: agreement.consumer },
      world,
    )
    if (result.decision === 'permit') return { permit: true, reasons: [] }
    const reasons = result.reasons.map((reason) => reason.replace(/^_:[^:\s]+: /, ''))
    return { permit: false, reasons: reasons.length > 0 ? reasons : ['no rule of the agreement permits this use'] }
  }
}
