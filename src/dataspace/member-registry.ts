import type { JsonLdObject, SigningKey, StatusEntry, StatusListIssuer } from '../credentials/index.js'
import { peerIdFromDidKey } from '../identity/index.js'
import { InvalidInputError } from '../protocol/errors.js'
import type { Store, Sublevel } from '../store/index.js'
import { ordinalCompare } from '../util/ordinal-compare.js'
import type { DataspaceDescriptor } from './descriptor.js'
import { NotAnAnchorError } from './errors.js'
import { issueMembershipCredential } from './membership-credential.js'
import { issueRevocationList, type Revocation } from './revocation-list.js'

/** One member an anchor endorsed: the credential it issued and, once revoked, when. */
export interface MemberRecord {
  readonly did: string
  readonly dataspace: string
  readonly credential: JsonLdObject
  readonly status: StatusEntry
  readonly endorsedAt: string
  readonly revokedAt?: string
}

/** Sublevel of the endorsements an anchor issued, keyed `<dataspace id> <member DID>`. */
export const MEMBERS_SUBLEVEL = 'dataspace-members'
/**
 * Sublevel of the members an anchor revoked, whether it endorsed them or not, keyed `<dataspace id> <member
 * DID>`, and of its signed revocation list (key `<dataspace id>`, ending before any member key).
 */
export const REVOKED_SUBLEVEL = 'dataspace-revoked'

/**
 * An anchor's register of the members it endorsed (Store sublevel `dataspace-members`). Endorsing issues a
 * `DataSpaceMembershipCredential` with a fresh revocation entry of the node's {@link StatusListIssuer};
 * revoking sets that entry, so every verifier sees it at its next status list refresh. Operations are
 * serialized; endorse is idempotent while the member is not revoked, and a revoked member can be endorsed anew.
 *
 * @example
 * ```ts
 * const registry = new MemberRegistry({ store, key, descriptor, statusLists })
 * const { credential } = await registry.endorse('did:key:z6Mk…')
 * await registry.revoke('did:key:z6Mk…')
 * ```
 */
export class MemberRegistry {
  private readonly members: Sublevel<MemberRecord>
  private readonly revoked: Sublevel<Revocation | JsonLdObject>
  private readonly key: SigningKey
  private readonly descriptor: DataspaceDescriptor
  private readonly statusLists: StatusListIssuer
  private readonly now: () => Date
  private queue: Promise<unknown> = Promise.resolve()
  private lastListAt = 0
  /** The DIDs {@link activeMembers} answers, read once until the next endorsement or revocation. */
  private active?: Promise<readonly string[]>

  constructor(init: {
    store: Store
    key: SigningKey
    descriptor: DataspaceDescriptor
    statusLists: StatusListIssuer
    now?: () => Date
  }) {
    if (!init.descriptor.trustAnchor.includes(init.key.did))
      throw new NotAnAnchorError(init.key.did, init.descriptor.id)
    this.members = init.store.sublevel<MemberRecord>(MEMBERS_SUBLEVEL)
    this.revoked = init.store.sublevel<Revocation | JsonLdObject>(REVOKED_SUBLEVEL)
    this.key = init.key
    this.descriptor = init.descriptor
    this.statusLists = init.statusLists
    this.now = init.now ?? (() => new Date())
  }

  /** Issues (or returns the still valid) membership credential of `did`, naming the municipality if known. */
  async endorse(did: string, options: { name?: string } = {}): Promise<MemberRecord> {
    checkMemberDid(did)
    return this.serialize(async () => {
      const existing = await this.members.get(this.keyOf(did))
      if (existing !== undefined && existing.revokedAt === undefined) return existing
      await this.liftRevocation(did)
      const now = this.now()
      const status = await this.statusLists.allocate()
      const credential = await issueMembershipCredential(this.descriptor, this.key, did, {
        credentialStatus: status,
        now,
        ...(options.name === undefined ? {} : { name: options.name }),
      })
      const record: MemberRecord = {
        did,
        dataspace: this.descriptor.id,
        credential,
        status,
        endorsedAt: now.toISOString(),
      }
      await this.members.put(this.keyOf(did), record)
      this.active = undefined
      return record
    })
  }

  /**
   * The DIDs of the members endorsed and not revoked, oldest endorsement first. Kept in memory until this
   * register changes: every member directory answer of an anchor names them.
   */
  activeMembers(): Promise<readonly string[]> {
    this.active ??= this.list().then(
      (records) => records.filter((record) => record.revokedAt === undefined).map((record) => record.did),
      (error: unknown) => {
        this.active = undefined
        throw error
      },
    )
    return this.active
  }

  /**
   * Revokes a member: its credential's status list entry if this anchor endorsed it, and in any case an entry
   * in this anchor's signed revocation list, which every member counts against the data space's revocation
   * rule (an anchor that never endorsed a node can still veto it). Idempotent.
   */
  async revoke(did: string): Promise<Revocation> {
    checkMemberDid(did)
    return this.serialize(async () => {
      const held = (await this.revoked.get(this.keyOf(did))) as Revocation | undefined
      if (held !== undefined) return held
      const existing = await this.members.get(this.keyOf(did))
      const revocation: Revocation = { member: did, revokedAt: this.now().toISOString() }
      if (existing !== undefined && existing.revokedAt === undefined) {
        await this.statusLists.revoke(existing.status)
        await this.members.put(this.keyOf(did), { ...existing, revokedAt: revocation.revokedAt })
        this.active = undefined
      }
      await this.revoked.put(this.keyOf(did), revocation)
      await this.revoked.del(this.descriptor.id)
      return revocation
    })
  }

  /**
   * This anchor's signed revocation list: every member it revoked and not endorsed again. Signed anew after
   * each change and kept until the next one, so members compare lists by their `validFrom`.
   */
  async revocationList(): Promise<JsonLdObject> {
    return this.serialize(async () => {
      const kept = (await this.revoked.get(this.descriptor.id)) as JsonLdObject | undefined
      if (kept !== undefined) return kept
      const revocations: Revocation[] = []
      for await (const [, value] of this.revoked.iterator({
        gt: `${this.descriptor.id} `,
        lt: `${this.descriptor.id}!`,
      })) {
        revocations.push(value as Revocation)
      }
      // strictly later than the list before, so members never mistake two lists of one millisecond
      const now = new Date(Math.max(this.now().getTime(), this.lastListAt + 1))
      this.lastListAt = now.getTime()
      const list = await issueRevocationList(this.descriptor, this.key, revocations, now)
      await this.revoked.put(this.descriptor.id, list)
      return list
    })
  }

  private async liftRevocation(did: string): Promise<void> {
    if ((await this.revoked.get(this.keyOf(did))) === undefined) return
    await this.revoked.del(this.keyOf(did))
    await this.revoked.del(this.descriptor.id)
  }

  /** The member's record, revoked or not. */
  async get(did: string): Promise<MemberRecord | undefined> {
    return this.members.get(this.keyOf(did))
  }

  /** The credential to hand to `did` when it asks: only while endorsed and not revoked. */
  async activeCredential(did: string): Promise<JsonLdObject | undefined> {
    const record = await this.get(did)
    return record === undefined || record.revokedAt !== undefined ? undefined : record.credential
  }

  /** What to answer a node asking for its credential: the credential, when it was revoked, or nothing. */
  async credentialOrRevocation(did: string): Promise<JsonLdObject | { revokedAt: string } | undefined> {
    const revocation = (await this.revoked.get(this.keyOf(did))) as Revocation | undefined
    if (revocation !== undefined) return { revokedAt: revocation.revokedAt }
    const record = await this.get(did)
    if (record === undefined) return undefined
    return record.revokedAt === undefined ? record.credential : { revokedAt: record.revokedAt }
  }

  /** Every member this anchor endorsed in the data space, oldest first. */
  async list(): Promise<MemberRecord[]> {
    const prefix = `${this.descriptor.id} `
    const records: MemberRecord[] = []
    for await (const [, value] of this.members.iterator({ gte: prefix, lt: `${this.descriptor.id}!` })) {
      records.push(value as MemberRecord)
    }
    return records.sort((a, b) => ordinalCompare(a.endorsedAt, b.endorsedAt) || ordinalCompare(a.did, b.did))
  }

  private keyOf(did: string): string {
    return `${this.descriptor.id} ${did}`
  }

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation)
    this.queue = result.catch(() => undefined)
    return result
  }
}

/** Members are nodes: their DID is the did:key of their libp2p key, so admission can match it to the PeerId. */
function checkMemberDid(did: string): void {
  try {
    peerIdFromDidKey(did)
  } catch (cause) {
    throw new InvalidInputError(
      `a member must be named by its node's did:key (see 'allmende status'), got "${did}"`,
      {
        cause,
      },
    )
  }
}
