import {
  type JsonLdObject,
  presentCredentials,
  type SigningKey,
  type StatusChecker,
  StatusListUnavailableError,
} from '../credentials/index.js'
import type { DidResolver } from '../identity/index.js'
import { type AdmissionPolicy, type AdmissionVerdict, undecidedVerdict } from './admission-policy.js'
import type { DataspaceDescriptor } from './descriptor.js'
import { checkMembership, type MembershipVerdict, vetoSentence } from './membership-check.js'
import { revocationsRequired, type Veto } from './revocation-list.js'

/** Where the policy finds this node's own membership credentials. */
export interface MembershipSource {
  /** This node's valid membership credentials. */
  list(now?: Date): Promise<JsonLdObject[]>
}

/** What {@link MembershipAdmissionPolicy} needs. */
export interface MembershipAdmissionInit {
  readonly descriptor: DataspaceDescriptor
  /** This node's key: it signs the presentations it shows. */
  readonly key: SigningKey
  readonly wallet: MembershipSource
  /** Revocation lookups for peers' credentials (a `StatusListCache` over the libp2p fetcher). */
  readonly statusChecker: StatusChecker
  /**
   * The membership credential this node issued to `member` as an anchor and still stands by (its member
   * register): the member is admitted on it without showing it.
   */
  readonly ownEndorsement?: (member: string) => Promise<JsonLdObject | undefined>
  /**
   * Asks the connected anchors for this node's credential. Called before a proof only when the wallet holds
   * none: a member endorsed again must not show an empty proof to a peer that just forgave it.
   */
  readonly obtainMissingCredential?: () => Promise<void>
  readonly now?: () => Date
  readonly resolver?: DidResolver
  /** The membership refresh period: a revoked peer is refused that long before it may show a new credential. */
  readonly refreshMs?: number
  /** The anchors' standing revocations of a member, given the credentials it shows. */
  readonly vetoes?: (member: string, credentials: readonly JsonLdObject[]) => readonly Veto[]
}

/**
 * How long a peer that failed a check is refused: a revoked one for a refresh period; one that is not endorsed
 * yet for half a minute (an endorsement announced by an anchor lifts it at once); one whose status list could
 * not be had only a moment, since that says nothing against it.
 */
function retryAfter(check: string, refreshMs: number): number {
  if (check === 'status-unavailable' || check === 'unresolvable-did') return 2_000
  if (check === 'revoked') return refreshMs
  return 30_000
}

/** Result of re-checking an admitted member: still a member, or why not any more. */
export type MembershipRecheck =
  | { valid: true }
  | { valid: false; reason: string }
  | { valid: 'unknown'; reason: string }

/**
 * The membership {@link AdmissionPolicy} of a data space with a descriptor (trust issue, item 6).
 *
 * `proofFor(nonce)`: a verifiable presentation of this node's membership credentials, challenge = the peer's
 * nonce, domain = the data space id. `check`: the peer's presentation must pass {@link checkMembership} for
 * our nonce, held by the peer's did:key (the network authenticated it).
 *
 * Anchors are members by DID: the descriptor, signed by every anchor, is their credential, so an anchor shows
 * a presentation without credentials and is admitted on its presentation proof alone. (A self-issued
 * credential would prove nothing more and would need its own revocation.) An anchor counts its own active
 * endorsement of a member from its register, shown or not: a new member is admitted by its anchor first and
 * fetches its credential once admitted, outside the handshake.
 *
 * Admitted members' credentials are remembered, so {@link MembershipAdmissionPolicy.recheck} can re-read
 * their revocation bits on every status list refresh.
 */
export class MembershipAdmissionPolicy implements AdmissionPolicy {
  readonly dataspace: string
  private readonly members = new Map<string, Extract<MembershipVerdict, { member: true }>>()

  constructor(private readonly init: MembershipAdmissionInit) {
    this.dataspace = init.descriptor.id
  }

  /** Whether this node is a trust anchor of the data space. */
  get isAnchor(): boolean {
    return this.init.descriptor.trustAnchor.includes(this.init.key.did)
  }

  async proofFor(peerNonce: string): Promise<unknown> {
    const now = this.init.now?.() ?? new Date()
    let credentials = this.isAnchor ? [] : await this.init.wallet.list(now)
    if (!this.isAnchor && credentials.length === 0 && this.init.obtainMissingCredential !== undefined) {
      await this.init.obtainMissingCredential()
      credentials = await this.init.wallet.list(now)
    }
    return presentCredentials(credentials, this.init.key, {
      challenge: peerNonce,
      domain: this.dataspace,
      now,
      ...(this.init.resolver === undefined ? {} : { resolver: this.init.resolver }),
    })
  }

  async check(
    holder: string,
    shown: { dataspace: string; proof: unknown },
    ourNonce: string,
  ): Promise<AdmissionVerdict> {
    if (shown.dataspace !== this.dataspace) {
      return {
        admitted: false,
        reason: `it belongs to data space "${shown.dataspace}", not "${this.dataspace}"`,
      }
    }
    const own = this.isAnchor ? await this.init.ownEndorsement?.(holder) : undefined
    const verdict = await checkMembership(shown.proof, {
      descriptor: this.init.descriptor,
      ...(own === undefined ? {} : { ownEndorsement: own }),
      holder,
      challenge: ourNonce,
      statusChecker: this.init.statusChecker,
      ...(this.init.vetoes === undefined ? {} : { vetoes: this.init.vetoes }),
      ...(this.init.now === undefined ? {} : { now: this.init.now() }),
      ...(this.init.resolver === undefined ? {} : { resolver: this.init.resolver }),
    })
    if (!verdict.member) {
      this.members.delete(holder)
      const reason = `not a member of ${this.dataspace} (${verdict.check}): ${verdict.reason}`
      // An anchor's status list that cannot be had now says nothing against the peer: this connection only.
      if (verdict.check === 'status-unavailable') return undecidedVerdict(reason)
      return {
        admitted: false,
        reason,
        // the peer learns which rule it failed, not the data space's id or members
        told: verdict.check === 'revoked' ? 'membership revoked' : `not a member (${verdict.check})`,
        retryAfterMs: retryAfter(verdict.check, this.init.refreshMs ?? 60_000),
      }
    }
    this.members.set(holder, verdict)
    return { admitted: true }
  }

  /** The membership an admitted peer showed, if it was admitted by this policy. */
  membershipOf(peer: string): Extract<MembershipVerdict, { member: true }> | undefined {
    return this.members.get(peer)
  }

  /** Forgets a peer's membership (after it was denied or disconnected). */
  forget(peer: string): void {
    this.members.delete(peer)
  }

  /**
   * Re-reads the revocation bits and validity of the credentials an admitted peer showed. `unknown` when a
   * status list cannot be had right now (the peer keeps its connection; the next refresh tries again).
   */
  async recheck(peer: string): Promise<MembershipRecheck> {
    const membership = this.members.get(peer)
    if (membership === undefined) return { valid: 'unknown', reason: 'not admitted by membership' }
    if (membership.anchor) return { valid: true }
    const vetoes = this.init.vetoes?.(membership.did, membership.credentials) ?? []
    if (vetoes.length >= revocationsRequired(this.init.descriptor)) {
      return { valid: false, reason: `${vetoSentence(vetoes)} (data space ${this.dataspace})` }
    }
    const now = (this.init.now?.() ?? new Date()).getTime()
    let valid = 0
    let unknown: string | undefined
    for (const credential of membership.credentials) {
      const until = credential.validUntil
      if (typeof until === 'string' && Date.parse(until) <= now) continue
      try {
        const { revoked } = await this.init.statusChecker.check(credential)
        if (!revoked) valid++
      } catch (error) {
        if (!(error instanceof StatusListUnavailableError)) throw error
        unknown = error.message
      }
    }
    if (valid >= this.init.descriptor.endorsementsRequired) return { valid: true }
    if (unknown !== undefined) return { valid: 'unknown', reason: unknown }
    return {
      valid: false,
      reason: `its membership of ${this.dataspace} was revoked or expired (${valid} valid endorsement(s), ${this.init.descriptor.endorsementsRequired} required)`,
    }
  }
}
