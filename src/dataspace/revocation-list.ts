import {
  ALLMENDE_CONTEXT_V1,
  CREDENTIALS_CONTEXT_V2,
  issueCredential,
  type JsonLdObject,
  type SigningKey,
  verifyCredential,
} from '../credentials/index.js'
import type { DidResolver } from '../identity/index.js'
import type { Store, Sublevel } from '../store/index.js'
import { ordinalCompare } from '../util/ordinal-compare.js'
import type { DataspaceDescriptor } from './descriptor.js'

/** The credential type of an anchor's list of the members it revoked. */
export const REVOCATION_LIST_TYPE = 'DataSpaceRevocationList'
/** Sublevel of the newest revocation list of each anchor this node has seen, keyed `<dataspace id> <anchor>`. */
export const REVOCATION_LISTS_SUBLEVEL = 'anchor-revocation-lists'

/** One member an anchor revoked, and when. */
export interface Revocation {
  readonly member: string
  readonly revokedAt: string
}

/** A revocation as members count it: by which anchor, when. */
export interface Veto {
  readonly by: string
  readonly at: string
}

/**
 * How many anchors' revocations drop a member: the descriptor's `revocationsRequired`, else 1 (any anchor's
 * revocation is a veto, whether it endorsed the member or not).
 */
export function revocationsRequired(descriptor: DataspaceDescriptor): number {
  return descriptor.revocationsRequired ?? 1
}

/** Signs an anchor's revocation list: the members it revoked in this data space, as of `now`. */
export function issueRevocationList(
  descriptor: DataspaceDescriptor,
  anchor: SigningKey,
  revocations: readonly Revocation[],
  now: Date,
): Promise<JsonLdObject> {
  return issueCredential(
    {
      '@context': [CREDENTIALS_CONTEXT_V2, ALLMENDE_CONTEXT_V1],
      id: `${anchor.did}#revocations-${now.getTime()}`,
      type: ['VerifiableCredential', REVOCATION_LIST_TYPE],
      issuer: anchor.did,
      validFrom: now.toISOString(),
      credentialSubject: {
        dataSpace: descriptor.id,
        revokedMember: revocations.map((r) => ({ member: r.member, revokedAt: r.revokedAt })),
      },
    },
    anchor,
    { now },
  )
}

/**
 * The newest signed revocation list of every anchor this node has seen (from the anchor itself, its
 * announcements, or any admitted peer), kept in the store so a restarted node still knows, and read in
 * memory by the admission checks. A list is taken only if it verifies, is issued by a trust anchor for this
 * data space, and is newer than the one held.
 */
export class RevocationLists {
  private readonly lists: Sublevel<JsonLdObject>
  private readonly byAnchor = new Map<
    string,
    { issued: number; credential: JsonLdObject; revoked: Revocation[] }
  >()

  constructor(
    store: Store,
    private readonly descriptor: DataspaceDescriptor,
    private readonly resolver?: DidResolver,
  ) {
    this.lists = store.sublevel<JsonLdObject>(REVOCATION_LISTS_SUBLEVEL)
  }

  /** Reads the stored lists (once, at start). */
  async load(): Promise<void> {
    for await (const [, credential] of this.lists.iterator({
      gte: `${this.descriptor.id} `,
      lt: `${this.descriptor.id}!`,
    })) {
      const parsed = parse(credential as JsonLdObject, this.descriptor)
      if (parsed !== undefined)
        this.byAnchor.set(parsed.anchor, { ...parsed, credential: credential as JsonLdObject })
    }
  }

  /** Takes a list if it is valid and newer than the one held; true when it changed what this node knows. */
  async take(candidate: unknown): Promise<boolean> {
    if (candidate === null || typeof candidate !== 'object' || Array.isArray(candidate)) return false
    const credential = candidate as JsonLdObject
    const parsed = parse(credential, this.descriptor)
    if (parsed === undefined) return false
    if ((this.byAnchor.get(parsed.anchor)?.issued ?? -1) >= parsed.issued) return false
    const result = await verifyCredential(
      credential,
      this.resolver === undefined ? {} : { resolver: this.resolver },
    )
    if (!result.verified || result.issuer !== parsed.anchor) return false
    // another take may have stored a newer one meanwhile
    if ((this.byAnchor.get(parsed.anchor)?.issued ?? -1) >= parsed.issued) return false
    this.byAnchor.set(parsed.anchor, { ...parsed, credential })
    await this.lists.put(`${this.descriptor.id} ${parsed.anchor}`, credential)
    return true
  }

  /** Every held list, to hand on to a peer. */
  all(): JsonLdObject[] {
    return [...this.byAnchor.values()].map((entry) => entry.credential)
  }

  /**
   * The anchors whose revocation of `did` stands: listed in the anchor's newest list, unless `endorsements`
   * holds a credential the same anchor issued after that revocation (it endorsed the member again, and its
   * newer list has not arrived yet). Anchors no longer in the descriptor do not count.
   */
  vetoesOf(did: string, endorsements: readonly JsonLdObject[] = []): Veto[] {
    const vetoes: Veto[] = []
    for (const [anchor, { revoked }] of this.byAnchor) {
      if (!this.descriptor.trustAnchor.includes(anchor)) continue
      const revocation = revoked.find((r) => r.member === did)
      if (revocation === undefined) continue
      const endorsedAgain = endorsements.some(
        (c) => c.issuer === anchor && typeof c.validFrom === 'string' && c.validFrom > revocation.revokedAt,
      )
      if (!endorsedAgain) vetoes.push({ by: anchor, at: revocation.revokedAt })
    }
    return vetoes.sort((a, b) => ordinalCompare(a.at, b.at))
  }
}

/** The cheap checks of a list before its proof is verified. */
function parse(
  credential: JsonLdObject,
  descriptor: DataspaceDescriptor,
): { anchor: string; issued: number; revoked: Revocation[] } | undefined {
  const types = [credential.type].flat()
  if (!types.includes(REVOCATION_LIST_TYPE)) return undefined
  const anchor = credential.issuer
  if (typeof anchor !== 'string' || !descriptor.trustAnchor.includes(anchor)) return undefined
  const issued = typeof credential.validFrom === 'string' ? Date.parse(credential.validFrom) : Number.NaN
  if (Number.isNaN(issued)) return undefined
  const subject = credential.credentialSubject as { dataSpace?: unknown; revokedMember?: unknown } | undefined
  if (subject?.dataSpace !== descriptor.id) return undefined
  const listed = Array.isArray(subject.revokedMember) ? subject.revokedMember : []
  const revoked = listed.flatMap((entry) => {
    const { member, revokedAt } = (entry ?? {}) as { member?: unknown; revokedAt?: unknown }
    return typeof member === 'string' && typeof revokedAt === 'string' ? [{ member, revokedAt }] : []
  })
  return { anchor, issued, revoked }
}
