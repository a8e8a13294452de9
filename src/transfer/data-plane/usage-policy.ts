import {
  type AgreementRecord,
  type Declarations,
  type ProviderFacts,
  requestFacts,
} from '../../contract/index.js'
import { type CompiledPolicy, compileParsedPolicy, parsePolicy, type WorldState } from '../../policy/index.js'

const ODRL_CONTEXT = 'http://www.w3.org/ns/odrl.jsonld'

/** The ODRL Agreement inside an agreement credential, as a policy document the engine compiles. */
export function agreementPolicyOf(credential: Record<string, unknown>): Record<string, unknown> {
  const subject = credential.credentialSubject as { agreement?: unknown } | undefined
  const agreement = subject?.agreement
  if (typeof agreement !== 'object' || agreement === null || Array.isArray(agreement)) {
    throw new TypeError('the agreement credential carries no agreement')
  }
  // Its terms are ODRL's (the credential adds its own contexts only for the credential's members).
  return { '@context': ODRL_CONTEXT, ...(agreement as Record<string, unknown>) }
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
  /** The id of the data space the provider admits members of (descriptor id or `--dataspace`). */
  readonly dataSpace?: string
  /** What the consumer declared when it concluded the agreement. */
  readonly declared?: Declarations
  /** What the provider states of its data and the moment, now. */
  readonly provided?: ProviderFacts
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
    values: requestFacts(facts),
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
  private readonly compiled = new Map<string, Promise<CompiledPolicy>>()

  /**
   * The compiled policy of an agreement, parsed on first use (with the full JSON-LD processor, so
   * any shape of the agreement's JSON-LD is read) and compiled once.
   */
  policyOf(agreement: AgreementRecord): Promise<CompiledPolicy> {
    let policy = this.compiled.get(agreement.id)
    if (policy === undefined) {
      policy = parsePolicy(agreementPolicyOf(agreement.credential)).then(compileParsedPolicy)
      policy.catch(() => this.compiled.delete(agreement.id))
      if (this.compiled.size >= MAX_CACHED) this.compiled.delete(this.compiled.keys().next().value as string)
      this.compiled.set(agreement.id, policy)
    }
    return policy
  }

  /** Evaluates `use` of the agreement's dataset by its consumer in the world of this request. */
  async decide(agreement: AgreementRecord, world: WorldState): Promise<UsageDecision> {
    return decideWith(await this.policyOf(agreement), agreement, world)
  }
}

/** Evaluates `use` of the agreement's dataset by its consumer with a compiled policy (pure, synchronous). */
export function decideWith(
  policy: CompiledPolicy,
  agreement: AgreementRecord,
  world: WorldState,
): UsageDecision {
  const result = policy.evaluate(
    { action: 'use', target: agreement.datasetId, assignee: agreement.consumer },
    world,
  )
  if (result.decision === 'permit') return { permit: true, reasons: [] }
  const reasons = result.reasons.map((reason) => reason.replace(/^_:[^:\s]+: /, ''))
  return {
    permit: false,
    reasons: reasons.length > 0 ? reasons : ['no rule of the agreement permits this use'],
  }
}
