import {
  type JsonLdObject,
  parseStatusListUrl,
  type SigningKey,
  StatusListCache,
  type StatusListIssuer,
} from '../credentials/index.js'
import type { DidResolver } from '../identity/index.js'
import type { Logger } from '../log/index.js'
import { NotFoundError } from '../protocol/errors.js'
import type { Store } from '../store/index.js'
import type {
  Applicant,
  DataspaceNetwork,
  MembershipAnnouncement,
  MembershipNotice,
} from './dataspace-network.js'
import {
  type DataspaceDescriptor,
  descriptorVersion,
  successorRefusal,
  verifyDescriptor,
  writeDescriptorFile,
} from './descriptor.js'
import { InvalidDescriptorError, MembershipUnavailableError, NotAnAnchorError } from './errors.js'
import { type MemberRecord, MemberRegistry } from './member-registry.js'
import { MembershipAdmissionPolicy } from './membership-admission.js'
import { membershipSubject } from './membership-credential.js'
import { type MembershipStanding, OwnMembership } from './membership-standing.js'
import { MembershipWallet } from './membership-wallet.js'
import { type CredentialName, credentialName, PartyCredentials } from './party-credentials.js'
import { type Revocation, RevocationLists, type Veto } from './revocation-list.js'

/** Default period of the membership refresh: revoked members are dropped within it. */
export const DEFAULT_MEMBERSHIP_REFRESH_SECONDS = 60

/** What a {@link DataspaceService} is built from; the connector hands in the node's parts. */
export interface DataspaceServiceInit {
  readonly descriptor: DataspaceDescriptor
  readonly key: SigningKey
  readonly store: Store
  /** The node's status lists (one per node, shared with other credential kinds). */
  readonly statusLists: StatusListIssuer
  readonly log: Logger
  /** Seconds between revocation re-checks of connected members; default 60. */
  readonly refreshSeconds?: number
  readonly resolver?: DidResolver
  /** Where the node keeps its descriptor: a newer version taken over while running is written there. */
  readonly descriptorFile?: string
  /** The municipality's name and dialable addresses this node gives an anchor when it asks for its credential. */
  readonly applicant?: Applicant
  /** First pause before a failed credential request is tried again (default {@link CREDENTIAL_RETRY_MS}). */
  readonly credentialRetryMs?: number
}

/** At most one reminder a minute that this node is no member: the log of an idle outsider stays quiet. */
const REMINDER_INTERVAL_MS = 60_000
/**
 * A node without its credential asks a connected anchor again this soon after a request failed without an
 * answer (a timeout, a reset), doubling up to half the refresh period. Left to the next refresh, such a node stayed
 * outside its data space for a minute: at N = 100, with the anchors busy admitting a hundred members, requests
 * timed out and members got their credentials one or two refresh periods late.
 */
export const CREDENTIAL_RETRY_MS = 2_000
/** Applicants an anchor remembers (to call back once endorsed); the oldest are dropped first. */
const MAX_APPLICANTS = 500

/** A member as the API and CLI show it. */
export interface MemberView {
  did: string
  /** The municipality's name from its credential, if the anchor knew it. */
  name?: string
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
 * const dataspace = new DataspaceService({ descriptor, key, store, statusLists, log })
 * admission.setPolicy(dataspace.policy)
 * await dataspace.start(new P2pDataspaceNetwork(libp2p, admission, descriptor.id, log))
 * ```
 */
export class DataspaceService {
  readonly policy: MembershipAdmissionPolicy
  readonly wallet: MembershipWallet
  readonly refreshSeconds: number
  /** The anchors' signed revocation lists: who vetoed which member. */
  readonly revocations: RevocationLists
  /** The membership credentials admitted members showed: names their anchors vouch for. */
  readonly parties: PartyCredentials
  private readonly statusCache: StatusListCache
  private network?: DataspaceNetwork
  private timer?: NodeJS.Timeout
  private readonly own: OwnMembership
  private current?: MembershipStanding
  private lastReminder = 0
  private readonly applicants = new Map<string, Applicant>()
  private obtaining?: Promise<void>
  /** The next try of a credential request that failed, and the pause before the one after it. */
  private credentialRetry?: NodeJS.Timeout
  private credentialRetryMs: number
  private readonly firstCredentialRetryMs: number
  private refreshing = false
  private stopped = false
  /** When each anchor was last asked for this node's credential (ms since the epoch). */
  private readonly askedAt = new Map<string, number>()
  private anchorRegistry?: MemberRegistry
  private readonly descriptorListeners: ((descriptor: DataspaceDescriptor) => void)[] = []
  private adopting: Promise<unknown> = Promise.resolve()

  constructor(private readonly init: DataspaceServiceInit) {
    const { descriptor, key, store } = init
    this.refreshSeconds = init.refreshSeconds ?? DEFAULT_MEMBERSHIP_REFRESH_SECONDS
    this.firstCredentialRetryMs = init.credentialRetryMs ?? CREDENTIAL_RETRY_MS
    this.credentialRetryMs = this.firstCredentialRetryMs
    this.wallet = new MembershipWallet(store, descriptor, key.did, init.resolver)
    this.own = new OwnMembership(store, descriptor, key.did, this.wallet)
    this.revocations = new RevocationLists(store, descriptor, init.resolver)
    this.parties = new PartyCredentials(store, descriptor)
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
      ownEndorsement: async (member) => this.registry?.activeCredential(member),
      obtainMissingCredential: () => this.obtainCredential().catch(() => undefined),
      refreshMs: this.refreshSeconds * 1000,
      vetoes: (member, credentials) => this.vetoesOf(member, credentials),
      ...(init.resolver === undefined ? {} : { resolver: init.resolver }),
    })
  }

  /** This node's membership now (cached; updated whenever a credential or revocation arrives). */
  get standing(): MembershipStanding | undefined {
    return this.current
  }

  /** Why this node cannot take part in its data space right now, or undefined when it can. */
  standingReason(): string | undefined {
    return this.current?.reason
  }

  /** Re-reads this node's membership, logs a change once (and a reminder at most once a minute). */
  async updateStanding(): Promise<MembershipStanding> {
    const before = this.current?.state
    const standing = await this.own.standing()
    this.current = standing
    const now = Date.now()
    if (
      standing.reason !== undefined &&
      (before !== standing.state || now - this.lastReminder >= REMINDER_INTERVAL_MS)
    ) {
      this.lastReminder = now
      this.init.log.warn({ state: standing.state }, standing.reason)
    } else if (before !== undefined && before !== standing.state) {
      this.init.log.info(
        { state: standing.state, endorsedBy: standing.endorsedBy.map((e) => e.anchor) },
        'this node is a member of its data space',
      )
    }
    return standing
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
      await this.network?.spreadDescriptor()
      return this.init.descriptor
    })
    this.adopting = run.catch(() => undefined)
    return run
  }

  /** The anchors' revocations of `member` that stand against the credentials it shows. */
  vetoesOf(member: string, credentials: readonly JsonLdObject[] = []): Veto[] {
    return this.revocations.vetoesOf(member, credentials)
  }

  /**
   * The membership credentials of a party as far as this node holds them: its own (wallet), the ones it
   * issued as anchor, or the ones the party showed when it was admitted.
   */
  async membershipCredentialsOf(did: string): Promise<JsonLdObject[]> {
    if (did === this.init.key.did) return this.wallet.list()
    const issued = await this.registry?.activeCredential(did)
    const shown = this.parties.credentialsOf(did).filter((c) => c.id !== issued?.id)
    return [...(issued === undefined ? [] : [issued]), ...shown]
  }

  /** The name an anchor wrote into a party's membership credential, and which anchor. */
  async credentialNameOf(did: string): Promise<CredentialName | undefined> {
    return credentialName(await this.membershipCredentialsOf(did))
  }

  /**
   * A peer passed admission: an anchor is asked for this node's credential (after the handshake, which never
   * waits for it); a member's credentials are kept (the names its anchors vouch for).
   */
  private admitted(peer: string): void {
    if (this.init.descriptor.trustAnchor.includes(peer) && peer !== this.init.key.did) {
      void this.obtainCredential()
        .then(() => this.fetchOwnStatusLists())
        .catch((error: Error) =>
          this.init.log.debug({ anchor: peer, err: error.message }, 'no membership credential from anchor'),
        )
    }
    const membership = this.policy.membershipOf(peer)
    if (membership === undefined || membership.anchor) return
    this.parties
      .remember(membership.did, membership.credentials)
      .catch((error: Error) => this.init.log.warn({ err: error.message }, 'membership credentials not kept'))
  }

  /** Takes newer revocation lists (from a peer or an announcement) and re-checks the members at once if one changed. */
  async takeRevocationLists(lists: readonly unknown[]): Promise<void> {
    let changed = false
    for (const list of lists) if (await this.revocations.take(list)) changed = true
    if (!changed) return
    await this.updateStanding()
    await this.refresh()
  }

  /** Answers the data space's peers over `network` and starts the refresh timer. */
  async start(network: DataspaceNetwork): Promise<void> {
    this.network = network
    await this.revocations.load()
    await this.parties.load()
    const registry = this.registry
    if (registry !== undefined) await this.revocations.take(await registry.revocationList())
    await this.updateStanding()
    network.setStanding(() => this.standingReason())
    const descriptor = this.init.descriptor
    await network.serve({
      descriptor,
      // Served by every node: a newer descriptor version can make it an anchor while it runs.
      credentialFor: (did, applicant) => this.answerApplicant(did, applicant),
      notice: (from, notice) => this.noticed(from, notice),
      statusList: (listUrl) => this.servedStatusList(listUrl),
      adopt: (candidate) => this.adopt(candidate),
      announced: (announcement, from) => this.announced(announcement, from),
      disconnected: (peer) => this.policy.forget(peer),
      admitted: (peer) => this.admitted(peer),
      revocationLists: () => this.revocations.all(),
      takeRevocationLists: (lists) => this.takeRevocationLists(lists),
    })
    this.timer = setInterval(() => {
      this.refresh().catch((error: Error) => {
        // a refresh still running when the node stops finds its store closed: nothing to report
        if (!this.stopped) this.init.log.warn({ err: error.message }, 'membership refresh failed')
      })
    }, this.refreshSeconds * 1000)
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    clearTimeout(this.credentialRetry)
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

  /**
   * Endorses a member (anchors only) and returns its record with the credential. The node is let in at once
   * (here and, by announcement, at every member) and, if it asked for its credential before, called back so
   * it picks the credential up without waiting for its next try.
   */
  async endorse(did: string, options: { name?: string } = {}): Promise<MemberRecord> {
    const applicant = this.applicants.get(did)
    const name = options.name ?? applicant?.name
    const registry = this.requireRegistry()
    const record = await registry.endorse(did, name === undefined ? {} : { name })
    const list = await registry.revocationList()
    await this.revocations.take(list)
    this.network?.forgive(did)
    const addresses = applicant?.addresses ?? []
    this.network?.target(did, addresses)
    await this.network?.announce({
      change: 'endorsed',
      member: did,
      at: record.endorsedAt,
      addresses,
      ...(name === undefined ? {} : { name }),
      list,
    })
    return record
  }

  /**
   * Revokes a member, whether this anchor endorsed it or not: its credential's status entry (if any) and this
   * anchor's signed revocation list. Tells the member, announces the change with the new list (members re-check
   * it at once rather than at their next refresh), drops its connection and forgets it.
   */
  async revoke(did: string): Promise<Revocation> {
    const registry = this.requireRegistry()
    const revocation = await registry.revoke(did)
    const status = (await registry.get(did))?.status
    if (status !== undefined) this.statusCache.invalidate(status.statusListCredential)
    const list = await registry.revocationList()
    await this.revocations.take(list)
    const at = revocation.revokedAt
    const network = this.network
    if (network !== undefined) {
      await network.sendNotice(did, { state: 'revoked', at })
      await network.announce({ change: 'revoked', member: did, at, list })
      await network.deny(
        did,
        `its membership of ${this.init.descriptor.id} was revoked by ${this.init.key.did} at ${at}`,
        this.refreshSeconds * 1000,
      )
      await network.forget(did)
    }
    return revocation
  }

  /** The membership server's answer; an anchor remembers who asked, to call it back once endorsed. */
  private async answerApplicant(did: string, applicant: Applicant) {
    const registry = this.registry
    if (registry === undefined) return undefined
    this.applicants.delete(did)
    this.applicants.set(did, applicant)
    if (this.applicants.size > MAX_APPLICANTS)
      this.applicants.delete(this.applicants.keys().next().value as string)
    return registry.credentialOrRevocation(did)
  }

  /** An anchor told this node of a change to its own membership. */
  private async noticed(anchor: string, notice: MembershipNotice): Promise<void> {
    if (!this.init.descriptor.trustAnchor.includes(anchor)) return
    if (notice.state === 'revoked') await this.own.revokedBy(anchor, notice.at)
    else this.askedAt.delete(anchor)
    await this.updateStanding()
  }

  /**
   * An announcement on the membership topic: one from an anchor is acted on (its revocation list taken, an
   * endorsed node let in again at once, a revoked one re-checked at once instead of at the next refresh), any
   * other is ignored.
   */
  private async announced(announcement: MembershipAnnouncement, anchor: string): Promise<void> {
    if (!this.init.descriptor.trustAnchor.includes(anchor)) return
    if (announcement.list !== undefined) await this.revocations.take(announcement.list)
    if (announcement.member === this.init.key.did) {
      if (announcement.change === 'revoked') await this.own.revokedBy(anchor, announcement.at)
      else {
        // Endorsed (again): the credential is asked for now, since no handshake of ours asks for it any more.
        this.askedAt.delete(anchor)
        await this.obtainCredential().catch((error: Error) =>
          this.init.log.debug({ anchor, err: error.message }, 'no membership credential from anchor'),
        )
      }
      await this.updateStanding()
      return
    }
    const peer = announcement.member
    if (announcement.change === 'endorsed') {
      this.network?.forgive(peer)
      if (announcement.addresses !== undefined && announcement.addresses.length > 0) {
        this.network?.target(peer, announcement.addresses)
      }
      return
    }
    await this.recheckNow(peer)
  }

  /** Re-reads a connected peer's status lists now (not from the cache) and drops it if it was revoked. */
  private async recheckNow(peer: string): Promise<void> {
    for (const credential of this.policy.membershipOf(peer)?.credentials ?? []) {
      const entry = credential.credentialStatus as { statusListCredential?: unknown } | undefined
      if (typeof entry?.statusListCredential === 'string')
        this.statusCache.invalidate(entry.statusListCredential)
    }
    const result = await this.policy.recheck(peer).catch(() => ({ valid: 'unknown' as const, reason: '' }))
    if (result.valid === false) await this.drop(peer, result.reason)
  }

  /** The members this anchor endorsed. */
  async members(): Promise<MemberView[]> {
    const connected = new Set(this.network?.connected() ?? [])
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
    const network = this.network
    if (network === undefined || this.refreshing) return
    this.refreshing = true
    try {
      // A revocation announced while this node was away: the anchors hand on their newest lists.
      for (const anchor of this.init.descriptor.trustAnchor) {
        if (anchor !== this.init.key.did && network.isConnected(anchor)) await network.syncWith(anchor)
      }
      // A credential revoked and endorsed anew is replaced, one revoked for good dropped (asked once a period,
      // unless its anchor's status list shows it standing).
      await this.passOverStandingCredentials()
      await this.obtainCredential().catch((error: Error) =>
        this.init.log.debug({ err: error.message }, 'membership credentials not asked for'),
      )
      if (this.stopped) return
      await this.updateStanding()
      for (const peer of network.connected()) {
        const result = await this.policy
          .recheck(peer)
          .catch((error: Error) => ({ valid: 'unknown' as const, reason: error.message }))
        if (result.valid === false) {
          await this.drop(peer, result.reason)
        } else if (result.valid === 'unknown' && this.policy.membershipOf(peer) !== undefined) {
          this.init.log.warn({ peer, reason: result.reason }, 'membership could not be re-checked')
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
    const network = this.network
    if (network === undefined) return
    const now = Date.now()
    const held = new Set(await this.wallet.endorsers())
    const asks = this.init.descriptor.trustAnchor.filter((anchor) => {
      if (!network.isConnected(anchor)) return false
      const askedAt = this.askedAt.get(anchor)
      const recent = askedAt !== undefined && now - askedAt < this.refreshSeconds * 1000
      return !(held.has(anchor) && recent)
    })
    if (asks.length === 0) return
    let unanswered = 0
    await Promise.all(
      asks.map(async (anchor) => {
        try {
          const credential = await network.requestCredential(anchor, this.init.applicant ?? { addresses: [] })
          await this.wallet.put(credential, anchor)
          await this.own.endorsedAgainBy(anchor)
          this.askedAt.set(anchor, now)
          if (!held.has(anchor)) this.init.log.info({ anchor }, 'membership credential received')
        } catch (error) {
          if (error instanceof MembershipUnavailableError && error.refused) {
            this.askedAt.set(anchor, now)
            if (error.revokedAt !== undefined) await this.own.revokedBy(anchor, error.revokedAt)
            else await this.wallet.remove(anchor)
          } else {
            unanswered++
            this.init.log.debug(
              { anchor, err: (error as Error).message },
              'no membership credential from anchor',
            )
          }
        }
      }),
    )
    const standing = await this.updateStanding()
    if (unanswered > 0 && standing.state === 'not-endorsed') this.retryCredentialSoon()
    else this.credentialRetryMs = this.firstCredentialRetryMs
  }

  /** Asks the connected anchors again after a pause that doubles with each request left without an answer. */
  private retryCredentialSoon(): void {
    if (this.stopped || this.credentialRetry !== undefined) return
    const pause = this.credentialRetryMs
    this.credentialRetryMs = Math.min(2 * pause, (this.refreshSeconds * 1000) / 2)
    this.credentialRetry = setTimeout(() => {
      this.credentialRetry = undefined
      void this.obtainCredential()
        .then(() => this.fetchOwnStatusLists())
        .catch((error: Error) =>
          this.init.log.debug({ err: error.message }, 'membership credential retry failed'),
        )
    }, pause)
    this.credentialRetry.unref()
  }

  /**
   * Fetches the status lists of this node's own credentials once an anchor admitted it. An anchor puts every
   * member it endorses on the same list, so these are the lists each other member's handshake needs: fetched
   * now, over the anchor's connection, the first handshakes with members do not each wait for them (at N = 30 a
   * member's first member handshakes all ended together, some fifteen seconds after its anchors admitted it).
   */
  private async fetchOwnStatusLists(): Promise<void> {
    for (const credential of await this.wallet.list())
      await this.statusCache.check(credential).catch(() => undefined)
  }

  /**
   * Counts a held credential as asked for this period when its anchor's status list shows it unrevoked and it
   * stays valid past the next refresh: asking would only bring the same credential back, and every member
   * asking every anchor each period was most of an idle anchor's streams. A list that cannot be had, a revoked
   * or an expiring credential is asked for as before.
   */
  private async passOverStandingCredentials(): Promise<void> {
    const now = Date.now()
    const pastNextRefresh = new Date(now + 2 * this.refreshSeconds * 1000)
    for (const credential of await this.wallet.list(pastNextRefresh)) {
      const status = await this.statusCache.check(credential).catch(() => undefined)
      if (status?.revoked === false) this.askedAt.set(credential.issuer as string, now)
    }
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

  /**
   * A status list a peer asked for: this node's own, or a fresh copy it fetched and verified itself. The copy is
   * signed by its issuer, so handing it on adds no trust in this node; a peer takes no copy older than one it
   * saw, and an anchor's revocation also reaches every member in its signed revocation list (vetoes). An anchor
   * connected to the anchor that issued the list fetches it when it holds no fresh copy: a member keeps one
   * anchor and asks it first, and would otherwise dial the other anchor for its list (and keep that connection).
   */
  private async servedStatusList(listUrl: string): Promise<JsonLdObject | undefined> {
    const own = await this.ownStatusList(listUrl).catch(() => undefined)
    if (own !== undefined) return own
    if (this.registry !== undefined && this.isConnectedAnchor(listUrl))
      return this.statusCache.current(listUrl).catch(() => undefined)
    return this.statusCache.fresh(listUrl)
  }

  /** Whether a status list is issued by another anchor this node is connected to. */
  private isConnectedAnchor(listUrl: string): boolean {
    try {
      const { issuerDid } = parseStatusListUrl(listUrl)
      return (
        this.init.descriptor.trustAnchor.includes(issuerDid) && this.network?.isConnected(issuerDid) === true
      )
    } catch {
      return false
    }
  }

  private async fetchStatusList(listUrl: string): Promise<JsonLdObject> {
    const own = await this.ownStatusList(listUrl).catch(() => undefined)
    if (own !== undefined) return own
    if (this.network === undefined) throw new MembershipUnavailableError('the node is not started')
    return this.network.fetchStatusList(listUrl)
  }

  /** Drops a peer that is no member any more: refused for a refresh period, disconnected and forgotten. */
  private async drop(peer: string, reason: string): Promise<void> {
    this.policy.forget(peer)
    await this.network?.deny(peer, reason, this.refreshSeconds * 1000)
    await this.network?.forget(peer)
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

/** A member record as shown by the API and CLI. */
export function memberView(record: MemberRecord, connected: ReadonlySet<string> = new Set()): MemberView {
  const name = membershipSubject(record.credential).name
  return {
    did: record.did,
    ...(name === undefined ? {} : { name }),
    state: record.revokedAt === undefined ? 'active' : 'revoked',
    endorsedAt: record.endorsedAt,
    ...(record.revokedAt === undefined ? {} : { revokedAt: record.revokedAt }),
    connected: connected.has(record.did),
    statusListCredential: record.status.statusListCredential,
    statusListIndex: record.status.statusListIndex,
  }
}
