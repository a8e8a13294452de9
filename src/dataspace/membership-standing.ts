import type { Store, Sublevel } from '../store/index.js'
import { ordinalCompare } from '../util/ordinal-compare.js'
import type { DataspaceDescriptor } from './descriptor.js'
import { membershipSubject } from './membership-credential.js'
import type { MembershipWallet } from './membership-wallet.js'
import { revocationsRequired } from './revocation-list.js'

/** Sublevel of the revocations anchors told this node about, keyed `<dataspace id> <anchor DID>`. */
export const REVOCATIONS_SUBLEVEL = 'membership-revocations'

/** This node's own place in its data space, as `allmende status` shows it. */
export interface MembershipStanding {
  readonly state: 'anchor' | 'member' | 'not-endorsed' | 'revoked'
  /** The anchors whose valid credential this node holds: since when, until when, under which name. */
  readonly endorsedBy: readonly { anchor: string; since?: string; until?: string; name?: string }[]
  readonly endorsementsRequired: number
  /** Revocations anchors told this node about. */
  readonly revoked: readonly { by: string; at: string }[]
  /** For a node that cannot take part: why, and what its operator does about it. */
  readonly reason?: string
}

/**
 * This node's own membership: the credentials in its wallet less those an anchor said it revoked. An anchor
 * is a member by the descriptor. The revocations are kept (sublevel `membership-revocations`) so a restarted
 * node still knows, and a fresh credential from the same anchor clears its entry.
 */
export class OwnMembership {
  private readonly revocations: Sublevel<{ by: string; at: string }>

  constructor(
    store: Store,
    private readonly descriptor: DataspaceDescriptor,
    private readonly did: string,
    private readonly wallet: MembershipWallet,
  ) {
    this.revocations = store.sublevel(REVOCATIONS_SUBLEVEL)
  }

  async revokedBy(anchor: string, at: string): Promise<void> {
    await this.revocations.put(`${this.descriptor.id} ${anchor}`, { by: anchor, at })
    await this.wallet.remove(anchor)
  }

  async endorsedAgainBy(anchor: string): Promise<void> {
    await this.revocations.del(`${this.descriptor.id} ${anchor}`)
  }

  async standing(now = new Date()): Promise<MembershipStanding> {
    const required = this.descriptor.endorsementsRequired
    const revoked: { by: string; at: string }[] = []
    for await (const [, entry] of this.revocations.iterator({
      gte: `${this.descriptor.id} `,
      lt: `${this.descriptor.id}!`,
    })) {
      revoked.push(entry as { by: string; at: string })
    }
    const endorsedBy = (await this.wallet.list(now))
      .filter((credential) => !revoked.some((r) => r.by === credential.issuer))
      .map((credential) => {
        const { memberSince, name } = membershipSubject(credential)
        const until = (credential as { validUntil?: string }).validUntil
        return {
          anchor: credential.issuer as string,
          ...(memberSince === undefined ? {} : { since: memberSince }),
          ...(until === undefined ? {} : { until }),
          ...(name === undefined ? {} : { name }),
        }
      })
    const base = { endorsedBy, endorsementsRequired: required, revoked }
    if (this.descriptor.trustAnchor.includes(this.did)) return { state: 'anchor', ...base }
    const vetoed = revoked.length >= revocationsRequired(this.descriptor)
    if (!vetoed && endorsedBy.length >= required) return { state: 'member', ...base }
    const title = `"${this.descriptor.title}"`
    if (revoked.length > 0) {
      const by = [...revoked]
        .sort((a, b) => ordinalCompare(a.at, b.at))
        .map((r) => `${r.by} at ${r.at}`)
        .join(' and by ')
      return {
        state: 'revoked',
        ...base,
        reason: `this node's membership of data space ${title} was revoked by ${by}; peers refuse it until an anchor that revoked it endorses it again (allmende dataspace endorse ${this.did})`,
      }
    }
    return {
      state: 'not-endorsed',
      ...base,
      reason:
        endorsedBy.length === 0
          ? `this node is not yet a member of data space ${title}: ask one of its anchors to run 'allmende dataspace endorse ${this.did}'; the node picks the credential up by itself`
          : `this node holds ${endorsedBy.length} of the ${required} endorsements data space ${title} requires; ask another anchor to run 'allmende dataspace endorse ${this.did}'`,
    }
  }
}
