import { type JsonLdObject, verifyCredential } from '../credentials/index.js'
import type { DidResolver } from '../identity/index.js'
import type { Store, Sublevel } from '../store/index.js'
import type { DataspaceDescriptor } from './descriptor.js'
import { MembershipUnavailableError } from './errors.js'
import { isMembershipCredential, membershipSubject } from './membership-credential.js'

/** Sublevel holding this node's own membership credentials, keyed `<dataspace id> <anchor DID>`. */
export const MEMBERSHIP_SUBLEVEL = 'membership'

/**
 * This node's own membership credentials (Store sublevel `membership`), one per endorsing anchor (the newest).
 * A credential is checked before it is kept: a membership credential for this node in this data space, signed
 * by the anchor it claims.
 */
export class MembershipWallet {
  private readonly credentials: Sublevel<JsonLdObject>
  /** The stored credentials, read once until the next change: every admission handshake lists them. */
  private stored?: Promise<JsonLdObject[]>

  constructor(
    store: Store,
    private readonly descriptor: DataspaceDescriptor,
    private readonly holder: string,
    private readonly resolver?: DidResolver,
  ) {
    this.credentials = store.sublevel<JsonLdObject>(MEMBERSHIP_SUBLEVEL)
  }

  /**
   * Checks and stores a credential an anchor handed out (over the network, or as a file); returns its issuer.
   * Throws {@link MembershipUnavailableError} if unfit.
   */
  async put(credential: unknown, from?: string): Promise<string> {
    if (!isMembershipCredential(credential)) {
      throw new MembershipUnavailableError('it is not a DataSpaceMembershipCredential')
    }
    const { member, dataSpace } = membershipSubject(credential)
    if (member !== this.holder || dataSpace !== this.descriptor.id) {
      throw new MembershipUnavailableError(
        `it is a membership credential for ${String(member)} in ${String(dataSpace)}, not for ${this.holder} in ${this.descriptor.id}`,
      )
    }
    const result = await verifyCredential(
      credential,
      this.resolver === undefined ? {} : { resolver: this.resolver },
    )
    if (!result.verified) {
      throw new MembershipUnavailableError(
        `the membership credential does not verify (${result.check}: ${result.message})`,
      )
    }
    if (
      !this.descriptor.trustAnchor.includes(result.issuer) ||
      (from !== undefined && result.issuer !== from)
    ) {
      throw new MembershipUnavailableError(
        `the membership credential is issued by ${result.issuer}, not by a trust anchor asked`,
      )
    }
    await this.credentials.put(`${this.descriptor.id} ${result.issuer}`, credential)
    this.stored = undefined
    return result.issuer
  }

  /** Drops the credential of an anchor (it answered that this node is not, or no longer, endorsed). */
  async remove(anchor: string): Promise<boolean> {
    const key = `${this.descriptor.id} ${anchor}`
    if ((await this.credentials.get(key)) === undefined) return false
    await this.credentials.del(key)
    this.stored = undefined
    return true
  }

  /** The stored credentials that are still within their validity period (shared: not to be changed). */
  async list(now: Date = new Date()): Promise<JsonLdObject[]> {
    this.stored ??= this.readStored()
    const stored = this.stored
    // a failed read is not kept: the next call reads again
    const all = await stored.catch((error: unknown) => {
      if (this.stored === stored) this.stored = undefined
      throw error
    })
    return all.filter((credential) => {
      const until = (credential as { validUntil?: string }).validUntil
      return until === undefined || Date.parse(until) > now.getTime()
    })
  }

  private async readStored(): Promise<JsonLdObject[]> {
    const found: JsonLdObject[] = []
    for await (const [, credential] of this.credentials.iterator({
      gte: `${this.descriptor.id} `,
      lt: `${this.descriptor.id}!`,
    })) {
      found.push(credential)
    }
    return found
  }

  /** Anchors whose credential this node holds. */
  async endorsers(now?: Date): Promise<string[]> {
    return (await this.list(now)).map((c) => c.issuer as string)
  }
}
