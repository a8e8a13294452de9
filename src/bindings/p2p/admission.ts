import { randomBytes } from 'node:crypto'
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { type AdmissionPolicy, type AdmissionVerdict, undecidedVerdict } from '../../dataspace/index.js'
import { didKeyFromPeerId } from '../../identity/index.js'
import type { Logger, UnauthenticatedRefusals } from '../../log/index.js'
import { dataspaceTag, TRUST_PROTOCOL } from '../../protocol/index.js'
import { Tally } from '../../util/tally.js'
import { NotAMemberError, PeerNotAdmittedError } from './errors.js'
import { JsonFrames } from './json-frames.js'

/** Finds where a peer listens (see PeerLocator): afterwards the peer store holds an address, or it threw. */
export interface PeerFinder {
  locate(peer: PeerId, signal: AbortSignal): Promise<void>
}

/** Handshake frames: hello (dialer), challenge (listener), proof (dialer), proof (listener), done (dialer). */
interface Hello {
  /** The data space's tag (a hash), never its id: a stranger learns nothing it could not guess. */
  space: string
  nonce: string
  /** Dialer only: the connection serves its requests alone ({@link PeerAdmission.servesRequestsAlone}). */
  requests?: true
}
interface Refusal {
  refused: string
}
interface Proof {
  proof: unknown
  name?: string
}

/**
 * A handshake under way gets this long: a busy machine (a hundred nodes on two cores, or a small VM at work)
 * signs and verifies slowly, and a handshake cut short only starts again.
 */
const HANDSHAKE_TIMEOUT_MS = 20_000
/** A connection on which no handshake is under way by then, and that has not passed admission, is closed and forgotten. */
export const ADMISSION_DEADLINE_MS = 5_000

/** How long admission waits (a test sets them long to show that a refusal does not wait), and where refusals are counted. */
export interface AdmissionOptions {
  /** Counts (and logs, rate-limited) protocol streams refused to peers that are not admitted. */
  readonly refusals?: UnauthenticatedRefusals
  /** One handshake, from the first frame to the last (default 20 s). */
  readonly handshakeMs?: number
  /** A connection not admitted by then is closed and its peer forgotten (default {@link ADMISSION_DEADLINE_MS}). */
  readonly deadlineMs?: number
}
const REFUSAL_GRACE_MS = 250
/** How long a peer of another data space (or one that broke the protocol) is refused before it may retry. */
const STRANGER_COOLDOWN_MS = 10 * 60_000
/** Default refusal period after a failed membership check: short, so a fresh endorsement counts soon. */
const DEFAULT_COOLDOWN_MS = 30_000
/**
 * A peer forgiven (endorsed anew) may knock before it holds its new credential: for this long after the
 * forgiveness a failed membership check refuses it only for {@link FORGIVEN_RETRY_MS}.
 */
const FORGIVEN_WINDOW_MS = 60_000
const FORGIVEN_RETRY_MS = 2_000

function refusedBy(frame: unknown): string | undefined {
  const refused = (frame as Partial<Refusal> | null)?.refused
  return typeof refused === 'string' ? refused.slice(0, 500) : undefined
}

/** An error's words; a stream that ends with an abort event rather than an Error says which event. */
function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name
  if (typeof Event !== 'undefined' && error instanceof Event) return `the stream ended (${error.type} event)`
  return String(error)
}

function nameOf(frame: unknown): string | undefined {
  const name = (frame as Partial<Proof> | null)?.name
  return typeof name === 'string' && name.trim() !== '' ? name.trim().slice(0, 200) : undefined
}

/**
 * The one gate of the node: every connection runs the `/allmende/trust/2.0.0` handshake (fresh nonce each
 * way), and the dialer proves first, so a node shows its membership only to a peer that proved its own. A
 * peer that fails our check is disconnected and refused by the connection gater for the verdict's cooldown; a
 * connection that has not passed admission within {@link ADMISSION_DEADLINE_MS} is closed and its peer
 * forgotten. Allmende protocol handlers call {@link PeerAdmission.requireAdmittedStream} before serving.
 */
export class PeerAdmission {
  private readonly admitted = new Map<string, Promise<AdmissionVerdict>>()
  private readonly denied = new Map<string, { reason: string; until: number }>()
  /** When each peer was last forgiven, until it is admitted or the window runs out. */
  private readonly forgivenAt = new Map<string, number>()
  /** Peers with a positive verdict on some open connection, with the name they gave. */
  private readonly admittedPeers = new Map<string, { name?: string }>()
  /** Connections with a handshake under way: the deadline leaves them to the handshake's own timeout. */
  private readonly handshaking = new WeakSet<Connection>()
  /** Handshakes under way per peer, on any of its connections. */
  private readonly running = new Tally()
  private readonly admittedListeners: ((peer: PeerId, connection: Connection) => void)[] = []
  /** Peers {@link openStream} is dialling for a request right now (it found no connection to them). */
  private readonly requestDials = new Tally()
  /** Requests under way per peer: from {@link openStream}'s start until its stream has closed. */
  private readonly requests = new Tally()
  private readonly requestEndedListeners: ((connection: Connection) => void)[] = []
  /** Connections whose dialer said in its hello that they serve its requests alone. */
  private readonly requestConnections = new WeakSet<Connection>()
  private requestsAlone: (connection: Connection) => boolean = () => false
  private readonly refusedListeners: ((peer: PeerId, reason: string) => void)[] = []
  private libp2p?: Libp2p
  private policy: AdmissionPolicy
  private ownName?: string
  /** The last reason each peer's admission did not complete for: a repeated one is not logged again. */
  private readonly lastFailure = new Map<string, string>()
  private standing: () => string | undefined = () => undefined
  /** Peers whose addresses the node was given (its anchors, its bootstrap list): never dropped from the peer store. */
  private configured: (peer: PeerId) => boolean = () => false
  private readonly handshakeMs: number
  private readonly deadlineMs: number
  private readonly refusals: UnauthenticatedRefusals | undefined
  /** Finds the addresses of a peer this node is not connected to before {@link openStream} dials it. */
  private locator?: PeerFinder
  /** What {@link admissions} returns. */
  private admittedCount = 0

  constructor(
    private readonly log: Logger,
    policy: AdmissionPolicy,
    private readonly clock: () => number = Date.now,
    options: AdmissionOptions = {},
  ) {
    this.policy = policy
    this.handshakeMs = options.handshakeMs ?? HANDSHAKE_TIMEOUT_MS
    this.deadlineMs = options.deadlineMs ?? ADMISSION_DEADLINE_MS
    this.refusals = options.refusals
  }

  /** Connection gater hooks; handed to libp2p at construction. */
  readonly gater = {
    denyDialPeer: (peer: PeerId) => this.isDenied(peer),
    denyInboundEncryptedConnection: (peer: PeerId) => this.isDenied(peer),
    denyOutboundEncryptedConnection: (peer: PeerId) => this.isDenied(peer),
  }

  /** Replaces the policy (e.g. after joining a data space); re-checks nobody until they reconnect. */
  setPolicy(policy: AdmissionPolicy): void {
    this.policy = policy
  }

  /** The municipality's name this node gives its peers once they proved their membership. */
  setName(name: string): void {
    this.ownName = name
  }

  /**
   * Tells admission why this node itself cannot take part (not endorsed, revoked), if it cannot: requests
   * to peers then fail at once with that reason instead of a refusal from every peer.
   */
  setStanding(check: () => string | undefined): void {
    this.standing = check
  }

  /**
   * Tells admission which peers the node was given addresses for (anchors, bootstrap peers): a failed handshake
   * with one leaves its addresses in the peer store, since a status list fetched by PeerId dials it there and
   * the node cannot find it anew the way it finds other members.
   */
  keepAddressesOf(configured: (peer: PeerId) => boolean): void {
    this.configured = configured
  }

  /** Hands {@link openStream} the lookup of members this node has no address for (the peer locator). */
  locateWith(locator: PeerFinder): void {
    this.locator = locator
  }

  /** Throws {@link NotAMemberError} with the reason when this node is not a member of its data space. */
  requireStanding(): void {
    const reason = this.standing()
    if (reason !== undefined) throw new NotAMemberError(reason)
  }

  async start(libp2p: Libp2p): Promise<void> {
    this.libp2p = libp2p
    await libp2p.handle(TRUST_PROTOCOL, (stream, connection) => this.answer(stream, connection), {
      maxInboundStreams: 2,
    })
    libp2p.addEventListener('connection:open', (event) => {
      const connection = event.detail
      this.enforceDeadline(connection)
      // One verdict per peer: a further connection to an admitted peer needs no new handshake while another one
      // is open. Beside one that is closing it does: the peer may see that one gone first and forget its verdict.
      if (connection.direction === 'outbound' && !this.admittedOnAnother(connection)) {
        this.track(connection, this.initiate(connection))
      }
    })
    libp2p.addEventListener('peer:disconnect', (event) => {
      this.admitted.delete(event.detail.toString())
      this.admittedPeers.delete(event.detail.toString())
    })
  }

  /** Whether the peer of a new connection is admitted on another connection that is still open. */
  private admittedOnAnother(connection: Connection): boolean {
    const peer = connection.remotePeer
    if (!this.admittedPeers.has(peer.toString())) return false
    return (this.libp2p?.getConnections(peer) ?? []).some((c) => c !== connection && c.status === 'open')
  }

  /** Calls `listener` whenever a peer passes admission. */
  onAdmitted(listener: (peer: PeerId, connection: Connection) => void): void {
    this.admittedListeners.push(listener)
  }

  /**
   * Calls `listener` whenever a request {@link openStream} started has ended (its stream closed, or it failed):
   * a connection dialled for requests alone (see {@link dialledForRequest}) may go once none is under way.
   */
  onRequestEnded(listener: (connection: Connection) => void): void {
    this.requestEndedListeners.push(listener)
  }

  /**
   * Whether a dial of `peer` under way was started by a request ({@link openStream} found no connection to
   * it), not by whoever keeps the node connected: asked as the dial's connection opens, before its hello.
   */
  dialledForRequest(peer: PeerId): boolean {
    return this.requestDials.has(peer.toString())
  }

  /**
   * The peer mesh's choice, as this node dials, whether a new connection will serve its requests alone: the
   * hello then says so, and the mesh at either end leaves the peer of it out ({@link servesRequestsAlone}).
   */
  decideRequestsAlone(decide: (connection: Connection) => boolean): void {
    this.requestsAlone = decide
  }

  /** Whether the dialer of this connection, this node or the peer, said it serves requests alone. */
  servesRequestsAlone(connection: Connection): boolean {
    return this.requestConnections.has(connection)
  }

  /** Calls `listener` when a peer refuses this node (its reason, as it gave it). */
  onRefusedByPeer(listener: (peer: PeerId, reason: string) => void): void {
    this.refusedListeners.push(listener)
  }

  /** Verdict on a peer once its handshake ends; rejects with {@link PeerNotAdmittedError}. */
  async requireAdmitted(peer: PeerId): Promise<void> {
    const verdict = await this.verdictOf(peer)
    if (!verdict.admitted) throw new PeerNotAdmittedError(peer.toString(), verdict.reason)
  }

  /**
   * The gate of a protocol stream a peer opened: an admitted peer passes, a handshake under way is waited
   * for, and a peer with no handshake at all is refused at once. Dialers prove first and open protocol
   * streams only once admitted ({@link openStream}), so a stream before any handshake is a stranger's.
   */
  async requireAdmittedStream(peer: PeerId, protocol: string): Promise<void> {
    const key = peer.toString()
    const known = this.deniedReason(peer) !== undefined || this.admitted.has(key) || this.running.has(key)
    const verdict: AdmissionVerdict = known
      ? await this.verdictOf(peer)
      : { admitted: false, reason: 'it opened a protocol stream without the admission handshake' }
    if (verdict.admitted) return
    this.refusals?.refuse('libp2p', 'not-admitted', protocol)
    throw new PeerNotAdmittedError(peer.toString(), verdict.reason)
  }

  /**
   * Opens a stream of `protocol` to `peer` once both sides admitted each other on the connection: the
   * listener refuses a stream that comes before the handshake ({@link requireAdmittedStream}). A peer this
   * node is not connected to is looked up first ({@link locateWith}).
   */
  async openStream(peer: PeerId, protocol: string, options: { signal: AbortSignal }): Promise<Stream> {
    const libp2p = this.libp2p
    if (libp2p === undefined) throw new Error('admission has not started')
    const key = peer.toString()
    this.requests.add(key)
    let connection: Connection | undefined
    const ended = () => {
      this.requests.remove(key)
      if (connection !== undefined) for (const listener of this.requestEndedListeners) listener(connection)
    }
    try {
      await this.locator?.locate(peer, options.signal)
      const dialled = !libp2p.getConnections(peer).some((open) => open.status === 'open')
      if (dialled) this.requestDials.add(key)
      try {
        connection = await libp2p.dial(peer, options)
        // The mesh asked dialledForRequest as the connection opened: the hello says if it serves requests alone.
        await this.requireAdmitted(peer)
      } finally {
        if (dialled) this.requestDials.remove(key)
      }
      const stream = await connection.newStream(protocol, options)
      stream.addEventListener('close', ended, { once: true })
      return stream
    } catch (error) {
      ended()
      throw error
    }
  }

  /** Whether a request to this peer is under way ({@link openStream} until its stream has closed). */
  requestsUnderWay(peer: PeerId): boolean {
    return this.requests.has(peer.toString())
  }

  /** Whether a peer passed its handshake (waits for one that is running, a bounded time). */
  async isAdmitted(peer: PeerId): Promise<boolean> {
    return (await this.verdictOf(peer)).admitted
  }

  /** Handshakes that admitted a peer since the node started (each one a credential check on both sides). */
  admissions(): number {
    return this.admittedCount
  }

  /** Whether a peer is admitted right now, without waiting for a running handshake. */
  admittedNow(peer: PeerId): boolean {
    return this.admittedPeers.has(peer.toString())
  }

  /** The name an admitted peer gave in its handshake. */
  nameOf(peer: PeerId): string | undefined {
    return this.admittedPeers.get(peer.toString())?.name
  }

  /** Refuses a peer for `retryAfterMs` (e.g. revoked membership) and drops its connections. */
  async deny(peer: PeerId, reason: string, retryAfterMs = DEFAULT_COOLDOWN_MS): Promise<void> {
    const key = peer.toString()
    const wasAdmitted = this.admittedPeers.delete(key)
    this.denied.set(key, { reason, until: this.clock() + retryAfterMs })
    this.admitted.set(key, Promise.resolve({ admitted: false, reason }))
    // A stranger's every retry would be a log line: only a peer that was admitted earns a warning.
    if (wasAdmitted) this.log.warn({ peer: key, reason }, 'peer denied')
    else this.log.debug({ peer: key, reason }, 'peer refused')
    // a moment for the refusal frame to reach the peer, so its operator reads why
    await new Promise((resolve) => setTimeout(resolve, REFUSAL_GRACE_MS))
    await this.libp2p?.hangUp(peer).catch(() => undefined)
    await this.forgetUnadmitted(peer)
  }

  /** Lifts a refusal (e.g. a peer endorsed after it was refused); its next connection is checked anew. */
  forgive(peer: PeerId): void {
    const key = peer.toString()
    this.forgivenAt.set(key, this.clock())
    if (!this.denied.delete(key)) return
    this.admitted.delete(key)
    this.log.info({ peer: key }, 'peer no longer refused')
  }

  /** A failed check of a peer forgiven a moment ago is refused briefly: its new credential may be on its way. */
  private cooldownAfterFailedCheck(key: string, retryAfterMs = DEFAULT_COOLDOWN_MS): number {
    const forgiven = this.forgivenAt.get(key)
    if (forgiven === undefined) return retryAfterMs
    if (this.clock() - forgiven > FORGIVEN_WINDOW_MS) {
      this.forgivenAt.delete(key)
      return retryAfterMs
    }
    return retryAfterMs > DEFAULT_COOLDOWN_MS ? retryAfterMs : Math.min(retryAfterMs, FORGIVEN_RETRY_MS)
  }

  /** Why a peer is refused, if it is (and its refusal has not run out). */
  deniedReason(peer: PeerId): string | undefined {
    return this.isDenied(peer) ? this.denied.get(peer.toString())?.reason : undefined
  }

  private isDenied(peer: PeerId): boolean {
    const key = peer.toString()
    const denial = this.denied.get(key)
    if (denial === undefined) return false
    if (denial.until > this.clock()) return true
    this.denied.delete(key)
    if (!this.admittedPeers.has(key)) this.admitted.delete(key)
    return false
  }

  private verdictOf(peer: PeerId): Promise<AdmissionVerdict> {
    const reason = this.deniedReason(peer)
    if (reason !== undefined) return Promise.resolve({ admitted: false, reason })
    return this.admitted.get(peer.toString()) ?? this.awaitInbound(peer)
  }

  /** An inbound peer's handshake may still be on its way: wait for it a bounded time. */
  private awaitInbound(peer: PeerId): Promise<AdmissionVerdict> {
    const { promise, resolve } = Promise.withResolvers<AdmissionVerdict>()
    const timer = setTimeout(
      () => resolve({ admitted: false, reason: 'it did not run the admission handshake' }),
      this.deadlineMs,
    )
    const poll = setInterval(() => {
      const pending = this.admitted.get(peer.toString())
      if (pending !== undefined) {
        clearInterval(poll)
        clearTimeout(timer)
        void pending.then(resolve)
      } else if (this.libp2p !== undefined && this.libp2p.getConnections(peer).length === 0) {
        resolve({ admitted: false, reason: 'it is not connected' })
      }
    }, 20)
    return promise.finally(() => {
      clearInterval(poll)
      clearTimeout(timer)
    })
  }

  /** Closes a connection that has not passed admission nor started its handshake in time, and forgets its peer. */
  private enforceDeadline(connection: Connection): void {
    const timer = setTimeout(() => {
      const peer = connection.remotePeer
      if (this.admittedPeers.has(peer.toString()) || connection.status !== 'open') return
      if (this.handshaking.has(connection)) return
      this.log.debug({ peer: peer.toString() }, 'closing a connection that did not pass admission in time')
      connection.abort(new Error('admission not completed in time'))
      void this.forgetUnadmitted(peer)
    }, this.deadlineMs)
    timer.unref()
  }

  /**
   * A peer that never passed admission leaves no trace in the peer store (nor in any peer list built on it),
   * unless the node was given its addresses ({@link keepAddressesOf}).
   */
  private async forgetUnadmitted(peer: PeerId): Promise<void> {
    const libp2p = this.libp2p
    if (libp2p === undefined || this.admittedPeers.has(peer.toString()) || this.configured(peer)) return
    if (libp2p.getConnections(peer).length > 0) return
    await libp2p.peerStore.delete(peer).catch(() => undefined)
  }

  private track(connection: Connection, verdict: Promise<AdmissionVerdict>): void {
    const peer = connection.remotePeer
    const key = peer.toString()
    const settled = verdict.catch((error: unknown) =>
      undecidedVerdict(`handshake failed: ${errorText(error)}`),
    )
    // A pending handshake on a second connection must not hide that the peer is already admitted.
    if (!this.admittedPeers.has(key)) this.admitted.set(key, settled)
    this.handshaking.add(connection)
    this.running.add(key)
    void settled.then(async (result) => {
      this.handshaking.delete(connection)
      this.running.remove(key)
      if (result.admitted) {
        this.admittedPeers.set(key, result.name === undefined ? {} : { name: result.name })
        this.admitted.set(key, settled)
        this.admittedCount++
        this.log.info({ peer: key, name: result.name }, 'peer admitted')
        this.forgivenAt.delete(key)
        for (const listener of this.admittedListeners) listener(peer, connection)
      } else if (result.undecided === true) {
        // A timeout, a reset or the peer's own refusal says nothing against the peer: close this
        // connection only and let a later dial try again. Only this node's own verdict denies.
        if (this.admitted.get(key) === settled) this.admitted.delete(key)
        this.logOnce(key, result.reason)
        if (!this.admittedPeers.has(key)) {
          await connection.close().catch(() => undefined)
          await this.forgetUnadmitted(peer)
        }
      } else {
        await this.deny(peer, result.reason, this.cooldownAfterFailedCheck(key, result.retryAfterMs))
      }
    })
  }

  /** Logs why a peer's admission did not complete, once per peer and reason: retries stay quiet. */
  private logOnce(peer: string, reason: string): void {
    if (this.lastFailure.get(peer) === reason) return
    this.lastFailure.delete(peer)
    this.lastFailure.set(peer, reason)
    if (this.lastFailure.size > 1_000) this.lastFailure.delete(this.lastFailure.keys().next().value as string)
    this.log.info({ peer, reason }, 'admission not completed')
  }

  /** The policy's verdict on what a peer showed; the policy knows peers by their did:key only. */
  private async checkShown(peer: PeerId, shown: unknown, ourNonce: string): Promise<AdmissionVerdict> {
    let did: string
    try {
      did = didKeyFromPeerId(peer)
    } catch (error) {
      return { admitted: false, reason: (error as Error).message, retryAfterMs: STRANGER_COOLDOWN_MS }
    }
    const proof = (shown as Partial<Proof> | null)?.proof
    return this.policy.check(did, { dataspace: this.policy.dataspace, proof }, ourNonce)
  }

  /** Dialer side: hello → challenge → our proof → their proof → done. */
  private async initiate(connection: Connection): Promise<AdmissionVerdict> {
    const signal = AbortSignal.timeout(this.handshakeMs)
    const stream = await connection.newStream(TRUST_PROTOCOL, { signal })
    const frames = new JsonFrames(stream)
    const ourNonce = randomBytes(16).toString('base64url')
    const theirRefusal = (reason: string) => {
      for (const listener of this.refusedListeners) listener(connection.remotePeer, reason)
      return undecidedVerdict(`it refused us: ${reason}`)
    }
    const requests = this.requestsAlone(connection)
    if (requests) this.requestConnections.add(connection)
    const hello: Hello = { space: dataspaceTag(this.policy.dataspace), nonce: ourNonce }
    await frames.write(requests ? { ...hello, requests } : hello, { signal })
    const challenge = (await frames.read({ signal })) as Partial<Hello> & Partial<Refusal>
    const refusal = refusedBy(challenge)
    if (refusal !== undefined) return theirRefusal(refusal)
    if (typeof challenge.nonce !== 'string') {
      return {
        admitted: false,
        reason: 'it sent a malformed admission challenge',
        retryAfterMs: STRANGER_COOLDOWN_MS,
      }
    }
    await frames.write(
      {
        proof: await this.policy.proofFor(challenge.nonce),
        ...(this.ownName === undefined ? {} : { name: this.ownName }),
      } satisfies Proof,
      { signal },
    )
    const shown = await frames.read({ signal })
    const refused = refusedBy(shown)
    if (refused !== undefined) return theirRefusal(refused)
    const verdict = await this.checkShown(connection.remotePeer, shown, ourNonce)
    await frames
      .write(
        verdict.admitted
          ? { admitted: true }
          : ({ refused: verdict.told ?? 'not admitted' } satisfies Refusal),
        {
          signal,
        },
      )
      .catch(() => undefined)
    await stream.close().catch(() => undefined)
    const name = nameOf(shown)
    return verdict.admitted && name !== undefined ? { ...verdict, name } : verdict
  }

  /** Listener side: it shows nothing of its own before the dialer proved its membership. */
  private async answer(stream: Stream, connection: Connection): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<AdmissionVerdict>()
    this.track(connection, promise)
    const signal = AbortSignal.timeout(this.handshakeMs)
    const frames = new JsonFrames(stream, 64 * 1024)
    try {
      const hello = (await frames.read({ signal })) as Partial<Hello>
      if (typeof hello.space !== 'string' || typeof hello.nonce !== 'string') {
        await frames.write({ refused: 'malformed admission hello' } satisfies Refusal, { signal })
        await stream.close().catch(() => undefined)
        resolve({
          admitted: false,
          reason: 'it sent a malformed admission hello',
          retryAfterMs: STRANGER_COOLDOWN_MS,
        })
        return
      }
      if (hello.space !== dataspaceTag(this.policy.dataspace)) {
        await frames.write({ refused: 'this node belongs to another data space' } satisfies Refusal, {
          signal,
        })
        await stream.close().catch(() => undefined)
        resolve({
          admitted: false,
          reason: 'it belongs to another data space',
          retryAfterMs: STRANGER_COOLDOWN_MS,
        })
        return
      }
      if (hello.requests === true) this.requestConnections.add(connection)
      const ourNonce = randomBytes(16).toString('base64url')
      await frames.write({ space: hello.space, nonce: ourNonce } satisfies Hello, { signal })
      const shown = await frames.read({ signal })
      const verdict = await this.checkShown(connection.remotePeer, shown, ourNonce)
      if (!verdict.admitted) {
        await frames.write({ refused: verdict.told ?? 'not admitted' } satisfies Refusal, { signal })
        await stream.close().catch(() => undefined)
        resolve(verdict)
        return
      }
      await frames.write(
        {
          proof: await this.policy.proofFor(hello.nonce),
          ...(this.ownName === undefined ? {} : { name: this.ownName }),
        } satisfies Proof,
        { signal },
      )
      const done = (await frames.read({ signal })) as { admitted?: boolean }
      await stream.close().catch(() => undefined)
      const refused = refusedBy(done)
      if (refused !== undefined) {
        for (const listener of this.refusedListeners) listener(connection.remotePeer, refused)
        resolve(undecidedVerdict(`it refused us: ${refused}`))
        return
      }
      const name = nameOf(shown)
      resolve(
        done.admitted === true
          ? { admitted: true, ...(name === undefined ? {} : { name }) }
          : undecidedVerdict('the handshake did not complete'),
      )
    } catch (error) {
      stream.abort(error as Error)
      resolve(undecidedVerdict(`handshake failed: ${errorText(error)}`))
    }
  }
}
