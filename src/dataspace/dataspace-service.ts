import type { Libp2p, PeerId } from '@libp2p/interface'
import type { PeerAdmission } from '../bindings/p2p/index.js'
import {
  type JsonLdObject,
  parseStatusListUrl,
  type SigningKey,
  StatusListCache,
  type StatusListIssuer,
} from '../credentials/index.js'
import { type DidResolver, peerIdFromDidKey } from '../identity/index.js'
import type { Logger } from '../log/index.js'
import { NotFoundError } from '../protocol/errors.js'
import type { Store } from '../store/index.js'
import {
  type DataspaceDescriptor,
  descriptorVersion,
  successorRefusal,
  verifyDescriptor,
  writeDescriptorFile,
} from './descriptor.js'
import { serveDescriptorSync, syncDescriptor } from './descriptor-sync.js'
import { InvalidDescriptorError, MembershipUnavailableError, NotAnAnchorError } from './errors.js'
import { type MemberRecord, MemberRegistry } from './member-registry.js'
import { MembershipAdmissionPolicy } from './membership-admission.js'
import {
  fetchStatusList,
  requestMembershipCredential,
  serveMembershipProtocols,
} from './membership-protocol.js'
import { MembershipWallet } from './membership-wallet.js'

/** Default period of the membership refresh: revoked members are dropped within it. */
export const DEFAULT_MEMBERSHIP_REFRESH_SECONDS = 60

/** What a {@link DataspaceService} is built from; the connector hands in the node's parts. */
export interface DataspaceServiceInit {
  readonly descriptor: DataspaceDescriptor
  readonly key: SigningKey
  readonly store: Store
  /** The node's status lists (one per node, shared with other credential kinds). */
  readonly statusLists: StatusListIssuer
  readonly admission: PeerAdmission
  readonly log: Logger
  /** Seconds between revocation re-checks of connected members; default 60. */
  readonly refreshSeconds?: number
  readonly resolver?: DidResolver
  /** Where the node keeps its descriptor: a newer version taken over while running is written there. */
  readonly descriptorFile?: string
}

/** A member as the API and CLI show it. */
export interface MemberView {
  did: string
  state: 'active' | 'revoked'
  endorsedAt: string
  revokedAt?: string
  connected: boolean
  statusListCredential: string
  statusListIndex: string
}

/** The data space as `GET /api/v1/dataspace` shows it. */
export interface DataspaceSummary {
  id: string
  title: string
  trustAnchor: string[]
  endorsementsRequired: number
  bootstrap: string[]
  odrlProfile: string
  /** This node is a trust anchor. */
  anchor: boolean
  /** Anchors whose membership credential this node holds, not known to be revoked. */
  endorsedBy: string[]
  refreshSeconds: number
  descriptor: DataspaceDescriptor
}

/**
 * The data space membership of one node: its admission policy, its own credentials (fetched from connected
 * anchors on the first handshake), the anchor's member register and protocol servers, and the periodic
 * re-check that disconnects members whose credential was revoked, within one refresh period.
 *
 * @example
 * ```ts
 * const dataspace = new DataspaceService({ descriptor, key, store, statusLists, admission, log })
 * admission.setPolicy(dataspace.policy)
 * await dataspace.start(libp2p)
 * ```
 */
export class DataspaceService {
  readonly policy: MembershipAdmissionPolicy
  readonly wallet: MembershipWallet
  readonly refreshSeconds: number
  private readonly statusCache: StatusListCache
  private libp2p?: Libp2p
  private timer?: NodeJS.Timeout
  private obtaining?: Promise<void>
  private refreshing = false
  /** When each anchor was last asked for this node's credential (ms since the epoch). */
  private readonly askedAt = new Map<string, number>()
  private anchorRegistry?: MemberRegistry
  private readonly descriptorListeners: ((descriptor: DataspaceDescriptor) => void)[] = []
  private adopting: Promise<unknown> = Promise.resolve()

  constructor(private readonly init: DataspaceServiceInit) {
    const { descriptor, key, store } = init
    this.refreshSeconds = init.refreshSeconds ?? DEFAULT_MEMBERSHIP_REFRESH_SECONDS
    this.wallet = new MembershipWallet(store, descriptor, key.did, init.resolver)
    // Half the refresh period: a list fetched just before a refresh is re-fetched at the next one at the latest.
    this.statusCache = new StatusListCache({
      fetcher: (listUrl) => this.fetchStatusList(listUrl),
      ttlMs: Math.max(250, (this.refreshSeconds * 1000) / 2),
      ...(init.resolver === undefined ? {} : { resolver: init.resolver }),
    })
    this.policy = new MembershipAdmissionPolicy({
      descriptor,
      key,
      wallet: this.wallet,
      statusChecker: this.statusCache,
      obtainCredential: () => this.obtainCredential(),
      ...(init.resolver === undefined ? {} : { resolver: init.resolver }),
    })
  }

  get descriptor(): DataspaceDescriptor {
    return this.init.descriptor
  }

  /** The anchor's member register; undefined while this node is no anchor (a new version can make it one). */
  get registry(): MemberRegistry | undefined {
    const { descriptor, key, store, statusLists } = this.init
    if (!descriptor.trustAnchor.includes(key.did)) return undefined
    this.anchorRegistry ??= new MemberRegistry({ store, key, descriptor, statusLists })
    return this.anchorRegistry
  }

  /** Calls `listener` with every newer descriptor version the node takes over. */
  onDescriptorChange(listener: (descriptor: DataspaceDescriptor) => void): void {
    this.descriptorListeners.push(listener)
  }

  /**
   * Takes over a newer version of the descriptor (from the operator or a peer): it must verify, be of this
   * data space, newer, and signed by a majority of the current anchors. The descriptor object is updated in
   * place, so the policy, wallet and register that hold it see the new anchors and rule at once; the file
   * is rewritten and admitted peers are offered the new version.
   */
  adopt(candidate: unknown): Promise<DataspaceDescriptor> {
    const run = this.adopting.then(async () => {
      const next = await verifyDescriptor(
        candidate,
        this.init.resolver === undefined ? {} : { resolver: this.init.resolver },
      )
      const refusal = successorRefusal(this.init.descriptor, next)
      if (refusal !== undefined) {
        throw new InvalidDescriptorError(
          `the descriptor cannot replace version ${descriptorVersion(this.init.descriptor)}: ${refusal}`,
        )
      }
      if (this.init.descriptorFile !== undefined) await writeDescriptorFile(this.init.descriptorFile, next)
      replaceContents(this.init.descriptor, next)
      for (const listener of this.descriptorListeners) listener(this.init.descriptor)
      const libp2p = this.libp2p
      if (libp2p !== undefined) {
        for (const peer of libp2p.getPeers()) {
          if (await this.init.admission.isAdmitted(peer))
            void syncDescriptor(libp2p, this, peer, this.init.log)
        }
      }
      return this.init.descriptor
    })
    this.adopting = run.catch(() => undefined)
    return run
  }

  /** For the descriptor sync: whether a peer passed admission. */
  isAdmitted(peer: PeerId): Promise<boolean> {
    return this.init.admission.isAdmitted(peer)
  }

  /** Registers the membership (anchors) and status protocols and starts the refresh timer. */
  async start(libp2p: Libp2p): Promise<void> {
    this.libp2p = libp2p
    await serveMembershipProtocols(
      libp2p,
      {
        // Served by every node: a newer descriptor version can make it an anchor while it runs.
        credentialFor: async (did: string) => this.registry?.activeCredential(did),
        statusList: (listUrl) => this.ownStatusList(listUrl),
      },
      this.init.log,
    )
    await serveDescriptorSync(libp2p, this, this.init.log)
    this.init.admission.onAdmitted((peer, connection) => {
      // The dialer compares descriptors: one exchange per pair of peers, not two.
      if (connection.direction === 'outbound') void syncDescriptor(libp2p, this, peer, this.init.log)
    })
    libp2p.addEventListener('peer:disconnect', (event) => this.policy.forget(event.detail))
    this.timer = setInterval(() => void this.refresh(), this.refreshSeconds * 1000)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }

  async summary(): Promise<DataspaceSummary> {
    const { descriptor } = this.init
    return {
      id: descriptor.id,
      title: descriptor.title,
      trustAnchor: descriptor.trustAnchor,
      endorsementsRequired: descriptor.endorsementsRequired,
      bootstrap: descriptor.bootstrap,
      odrlProfile: descriptor.odrlProfile,
      anchor: this.registry !== undefined,
      endorsedBy: this.registry === undefined ? (await this.ownMembership()).endorsedBy : [],
      refreshSeconds: this.refreshSeconds,
      descriptor,
    }
  }

  /** Endorses a member (anchors only); returns its record with the credential. */
  async endorse(did: string): Promise<MemberRecord> {
    const record = await this.requireRegistry().endorse(did)
    // a peer refused before its endorsement may now be admitted when it redials
    this.init.admission.forgive(peerIdFromDidKey(did))
    return record
  }

  /** Revokes a member and drops its connection now; other members drop it at their next refresh. */
  async revoke(did: string): Promise<MemberRecord> {
    const record = await this.requireRegistry().revoke(did)
    this.statusCache.invalidate(record.status.statusListCredential)
    await this.init.admission.deny(
      peerIdFromDidKey(did),
      `its membership of ${this.init.descriptor.id} was revoked`,
    )
    return record
  }

  /** The members this anchor endorsed. */
  async members(): Promise<MemberView[]> {
    const connected = new Set(this.libp2p?.getPeers().map((p) => p.toString()) ?? [])
    return (await this.requireRegistry().list()).map((record) => memberView(record, connected))
  }

  /** The signed status list credential with this list id, as published to verifiers. */
  async statusListCredential(listId: string): Promise<JsonLdObject> {
    try {
      return await this.init.statusLists.getStatusListCredential(listId)
    } catch {
      throw new NotFoundError(`this node issues no status list "${listId}"`)
    }
  }

  /**
   * Re-checks every connected member; a revoked or expired one is denied (disconnected, refused on redial).
   * Runs every `refreshSeconds`; overlapping runs are skipped.
   */
  async refresh(): Promise<void> {
    const libp2p = this.libp2p
    if (libp2p === undefined || this.refreshing) return
    this.refreshing = true
    try {
      for (const peer of libp2p.getPeers()) {
        const result = await this.policy
          .recheck(peer)
          .catch((error: Error) => ({ valid: 'unknown' as const, reason: error.message }))
        if (result.valid === false) {
          this.policy.forget(peer)
          await this.init.admission.deny(peer, result.reason)
        } else if (result.valid === 'unknown' && this.policy.membershipOf(peer) !== undefined) {
          this.init.log.warn(
            { peer: peer.toString(), reason: result.reason },
            'membership could not be re-checked',
          )
        }
      }
    } finally {
      this.refreshing = false
    }
  }

  /** Fetches this node's credential from connected anchors when it holds too few; concurrent calls share one run. */
  obtainCredential(): Promise<void> {
    this.obtaining ??= this.fetchOwnCredentials().finally(() => {
      this.obtaining = undefined
    })
    return this.obtaining
  }

  /**
   * Asks each connected anchor for this node's credential: always when none is held from it, else at most once
   * per refresh period (so a credential revoked and endorsed anew is replaced, and one revoked for good is
   * dropped). Status lists are not fetched here: the handshake this runs in should open as few streams as it can.
   */
  private async fetchOwnCredentials(): Promise<void> {
    const libp2p = this.libp2p
    if (libp2p === undefined) return
    const now = Date.now()
    const held = new Set(await this.wallet.endorsers())
    const asks = this.init.descriptor.trustAnchor.flatMap((anchor) => {
      const peer = peerOf(anchor)
      if (peer === undefined || libp2p.getConnections(peer).length === 0) return []
      const askedAt = this.askedAt.get(anchor)
      const recent = askedAt !== undefined && now - askedAt < this.refreshSeconds * 1000
      return held.has(anchor) && recent ? [] : [{ anchor, peer }]
    })
    await Promise.all(
      asks.map(async ({ anchor, peer }) => {
        try {
          await this.wallet.put(await requestMembershipCredential(libp2p, peer), anchor)
          this.askedAt.set(anchor, now)
          if (!held.has(anchor)) this.init.log.info({ anchor }, 'membership credential received')
        } catch (error) {
          if (error instanceof MembershipUnavailableError && error.refused) {
            this.askedAt.set(anchor, now)
            if (await this.wallet.remove(anchor)) {
              this.init.log.warn(
                { anchor },
                'the anchor no longer endorses this node; its credential is dropped',
              )
            }
          }
          this.init.log.warn(
            { anchor, err: (error as Error).message },
            'no membership credential from anchor',
          )
        }
      }),
    )
  }

  /**
   * Anchors whose credential this node holds and has not seen revoked (for the API). A revoked member is cut off
   * from its anchor and mostly cannot fetch the list: an unreachable list counts as not revoked.
   */
  private async ownMembership(): Promise<{ endorsedBy: string[] }> {
    const endorsedBy: string[] = []
    for (const credential of await this.wallet.list()) {
      const revoked = await this.statusCache.check(credential).then(
        (status) => status.revoked,
        () => false,
      )
      if (!revoked) endorsedBy.push(credential.issuer as string)
    }
    return { endorsedBy }
  }

  private async ownStatusList(listUrl: string): Promise<JsonLdObject | undefined> {
    const { issuerDid, listId } = parseStatusListUrl(listUrl)
    if (issuerDid !== this.init.key.did) return undefined
    return this.init.statusLists.getStatusListCredential(listId)
  }

  private async fetchStatusList(listUrl: string): Promise<JsonLdObject> {
    const own = await this.ownStatusList(listUrl).catch(() => undefined)
    if (own !== undefined) return own
    if (this.libp2p === undefined) throw new MembershipUnavailableError('the node is not started')
    return fetchStatusList(this.libp2p, listUrl)
  }

  private requireRegistry(): MemberRegistry {
    if (this.registry === undefined) throw new NotAnAnchorError(this.init.key.did, this.init.descriptor.id)
    return this.registry
  }
}

/** Makes `target` a copy of `source`, keeping the object every part of the node holds. */
function replaceContents(target: DataspaceDescriptor, source: DataspaceDescriptor): void {
  for (const key of Object.keys(target)) delete (target as unknown as Record<string, unknown>)[key]
  Object.assign(target, structuredClone(source))
}

/** The PeerId of a did:key; undefined for other DIDs (an anchor named by did:web has no libp2p identity here). */
function peerOf(did: string): PeerId | undefined {
  try {
    return peerIdFromDidKey(did)
  } catch {
    return undefined
  }
}

/** A member record as shown by the API and CLI. */
export function memberView(record: MemberRecord, connected: ReadonlySet<string> = new Set()): MemberView {
  const peer = peerOf(record.did)
  return {
    did: record.did,
    state: record.revokedAt === undefined ? 'active' : 'revoked',
    endorsedAt: record.endorsedAt,
    ...(record.revokedAt === undefined ? {} : { revokedAt: record.revokedAt }),
    connected: peer !== undefined && connected.has(peer.toString()),
    statusListCredential: record.status.statusListCredential,
    statusListIndex: record.status.statusListIndex,
  }
}
