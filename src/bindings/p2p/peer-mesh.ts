import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { didKeyFromPeerId } from '../../identity/index.js'
import { PacedTimer } from '../../lifecycle/index.js'
import type { Logger } from '../../log/index.js'
import { isAllmendeRequest } from '../../protocol/index.js'
import { ordinalCompare } from '../../util/ordinal-compare.js'
import type { PeerAdmission } from './admission.js'
import { connectedPeers } from './connected-peers.js'
import { connectionsToTrim, TRIM_GRACE_MS, type TrimCandidate } from './connection-trim.js'
import type { AllmendeLibp2p } from './create-libp2p.js'
import type { PeerMemory } from './peer-memory.js'

/** One peer as the management API shows it: admitted peers and the ones remembered from earlier runs. */
export interface PeerSummary {
  peerId: string
  did: string | null
  /** The municipality's name it gave at admission. */
  name: string | null
  addresses: string[]
  connected: boolean
  admitted: boolean
  /** Round trip of the last ping in milliseconds, null before the first one. */
  latencyMs: number | null
  lastSeen: string | null
}

/** How the mesh behaves: a member keeps in touch with everyone; an outsider only asks the anchors, rarely. */
export interface MeshStanding {
  /** Not (yet, or no longer) a member: dial nothing but the anchors. */
  readonly outsider: boolean
  /** Longest pause between two dials of one peer, ms. */
  readonly maxBackoffMs: number
  /** PeerIds of the data space's anchors (empty without a descriptor). */
  readonly anchors: readonly string[]
  /** Anchors to keep in reach at once (connected or being dialled), the others only when one of them fails. */
  readonly anchorsWanted: number
}

/**
 * Peers the mesh dials up to, out of a connection limit: half, so the peers that dial this node fit too
 * (every node dials until it has this many, so most end up between half and all of the limit).
 */
export function wantedPeers(maxConnections: number): number {
  return Math.max(1, Math.floor(maxConnections / 2))
}

interface Target {
  readonly peerId: PeerId
  addresses: Multiaddr[]
  failures: number
  nextAt: number
}

const TICK_MS = 500
/** How often a mesh with all the peers it wants looks again (a peer leaving wakes it at once). */
const REST_MS = 5_000
const FIRST_RETRY_MS = 1_000
/** How long a peer whose connection dropped rests before the mesh dials it again (unless the node is alone). */
const DROPPED_REST_MS = 20_000
const MAX_PARALLEL_DIALS = 4
const DIAL_TIMEOUT_MS = 5_000
/**
 * A dial of an anchor gets longer: every new member dials the anchors at once, and at N = 30 their dials timed
 * out three times in a row at 5 s while the anchors worked through the first members; each retry started a new
 * connection and left the anchor's half-done one wasted, and the late members got their credentials 20 s on.
 */
const ANCHOR_DIAL_TIMEOUT_MS = 15_000
/**
 * An anchor that admitted a node still no member this long ago (its credential request failed or timed out)
 * no longer counts as in reach: the node tries the next anchor, whose admission asks for the credential again.
 */
const CREDENTIAL_GRACE_MS = 20_000
/** Identify tries on one admitted connection, each given longer (5, 10, 15 s). */
const IDENTIFY_ATTEMPTS = 3
/**
 * A connection that serves requests alone stays this long after its last request: requests come in bursts (the
 * datasets a provider's summary names, one after the other), and each one on a connection of its own cost both
 * sides a connection set-up and an admission handshake (one run at N = 100 showed no fewer admissions in the
 * start-up than without it). Shorter than the 2 s after which the provider counts the connection towards its
 * limit (`INBOUND_TAKES_PLACE_MS`).
 */
const REQUEST_LINGER_MS = 1_000
const LOOKUP_DEBOUNCE_MS = 200
const LOOKUP_MIN_GAP_MS = 10_000
const LOOKUP_INTERVAL_MS = 60_000

/**
 * Keeps a node connected to its data space, with `wanted` admitted peers and no more: in a data space of
 * hundreds no node needs a connection to every other (catalogs and negotiations dial whom they need), and a
 * mesh that dialled everyone it heard of fought the connection limit (each redial a new admission handshake).
 * Below `wanted` it dials the bootstrap list, the peers it admitted in earlier runs (peer memory) and what
 * mDNS and the DHT discover, in random order, each with its own exponential backoff, so a lost peer is found
 * again within seconds of coming back and an unreachable one costs a dial every `maxBackoffMs` at most. An
 * outsider (not endorsed, or revoked) dials only the anchors. On an admission the mesh runs identify
 * (withheld from strangers), remembers the peer and, while below `wanted`, walks the DHT towards its own id
 * (so A finds C through B). Latency is libp2p's connection monitor's round trip.
 */
export class PeerMesh {
  /** Round trip of the ping on admission, until libp2p's connection monitor has measured one. */
  private readonly latency = new Map<string, number>()
  /** When each peer that has left was last connected. */
  private readonly lastConnected = new Map<string, Date>()
  private readonly targets = new Map<string, Target>()
  private readonly ticker = new PacedTimer(() => this.dialDue(), { busyMs: TICK_MS, restMs: REST_MS })
  private lookupInterval?: NodeJS.Timeout
  private readonly measuring = new Set<string>()
  private readonly dialing = new Set<string>()
  /** Peers admitted on a connection that is still open: losing one is worth a quick redial. */
  private readonly withUs = new Set<string>()
  /** Peers that refused this node in a handshake since they last admitted it. */
  private readonly refusedUs = new Set<string>()
  /** When each connection passed admission (a further connection to an admitted peer needs none: see prune). */
  private readonly admittedAt = new WeakMap<Connection, number>()
  /** Connections that serve requests alone at this end ({@link dialsForRequestsAlone}, {@link takesInAsker}). */
  private readonly forRequests = new WeakSet<Connection>()
  private lookupTimer?: NodeJS.Timeout
  private lastLookup = 0
  /** Least time between two walks: it doubles (up to a minute) while walks find nobody new. */
  private lookupGap = LOOKUP_MIN_GAP_MS
  /** Whether the node was an outsider at the last tick: becoming a member starts a DHT walk. */
  private wasOutsider = false
  /** Connections closed over the limit since the node started. */
  private trimmedCount = 0
  private readonly bootstrapParsed = new Map<string, { peerId: PeerId; address: Multiaddr } | undefined>()
  private stopped = false

  constructor(
    private readonly libp2p: AllmendeLibp2p,
    private readonly admission: PeerAdmission,
    private readonly log: Logger,
    private readonly options: {
      /** The bootstrap addresses now: config and descriptor (a newer descriptor version changes them). */
      readonly bootstrap: () => readonly string[]
      readonly memory: PeerMemory
      readonly standing: () => MeshStanding
      /** Admitted peers the mesh dials up to ({@link wantedPeers} of the connection limit). */
      readonly wanted: number
      /** The connection limit: connections beyond it that carry no request are closed ({@link prune}). */
      readonly maxConnections: number
      readonly clock?: () => number
    },
  ) {}

  private now(): number {
    return (this.options.clock ?? Date.now)()
  }

  async start(): Promise<void> {
    this.admission.keepAddressesOf((peer) => this.isConfigured(peer.toString()))
    for (const peer of await this.options.memory.list()) {
      this.target(
        peerIdFromString(peer.peerId),
        peer.addresses.map((a) => multiaddr(a)),
      )
    }
    this.libp2p.addEventListener('peer:discovery', (event) => {
      const { id, multiaddrs } = event.detail
      if (id.equals(this.libp2p.peerId)) return
      // libp2p calls every peer new to its peer store discovered, and a peer that refused us was dropped
      // from it: our own redial of it is no news that would cut its backoff short.
      const known = this.targets.get(id.toString())
      this.target(id, multiaddrs, known === undefined || known.failures === 0)
    })
    this.admission.decideRequestsAlone((connection) => this.dialsForRequestsAlone(connection))
    this.admission.onAdmitted((peer, connection) => {
      this.admittedAt.set(connection, this.now())
      if (this.admission.servesRequestsAlone(connection) && !this.takesInAsker(connection)) {
        this.forRequests.add(connection)
        return
      }
      // the new connection may be one over the limit
      this.ticker.nudge()
      void this.admitted(peer, connection)
    })
    this.admission.onRequestEnded((connection) => {
      if (!this.forRequests.has(connection)) return
      setTimeout(() => this.closeIfDone(connection), REQUEST_LINGER_MS).unref()
    })
    this.admission.onRefusedByPeer((peer) => {
      if (this.targets.has(peer.toString())) this.refusedUs.add(peer.toString())
    })
    this.libp2p.addEventListener('peer:disconnect', (event) => {
      const key = event.detail.toString()
      if (this.latency.delete(key)) this.lastConnected.set(key, new Date(this.now()))
      const target = this.targets.get(key)
      // A peer that was with us most likely closed the connection as one over its limit: dialled again at
      // once it would close it again after its grace period, each round an admission handshake on both sides
      // (at N = 30 with eight connections each, that kept the nodes too busy to settle). It rests a while; a
      // peer that restarts dials its remembered peers itself. Only a node left alone tries it again soon. One
      // that refused us (we are no member, or it is none) keeps its backoff, or an outsider would dial an
      // anchor every second.
      if (this.withUs.delete(key) && target !== undefined) {
        const rest = this.admittedCount() === 0 ? FIRST_RETRY_MS : jittered(DROPPED_REST_MS)
        target.nextAt = Math.max(target.nextAt, this.now() + rest)
      }
      this.ticker.nudge()
    })
    this.lookupInterval = setInterval(() => this.lookup(), LOOKUP_INTERVAL_MS).unref()
    this.ticker.start()
  }

  stop(): void {
    this.stopped = true
    this.ticker.stop()
    clearInterval(this.lookupInterval)
    clearTimeout(this.lookupTimer)
  }

  /** Admitted peers and the ones remembered from earlier runs; strangers are not listed. */
  async peers(): Promise<PeerSummary[]> {
    const connected = new Set(connectedPeers(this.libp2p).map((p) => p.toString()))
    const remembered = new Map((await this.options.memory.list()).map((p) => [p.peerId, p]))
    const ids = new Set([
      ...remembered.keys(),
      ...[...connected].filter((id) => this.admission.admittedNow(peerIdFromString(id))),
    ])
    const result: PeerSummary[] = []
    for (const id of ids) {
      const peerId = peerIdFromString(id)
      const memory = remembered.get(id)
      const stored = await this.libp2p.peerStore.get(peerId).catch(() => undefined)
      const addresses = stored?.addresses.map((a) => a.multiaddr.toString()) ?? [...(memory?.addresses ?? [])]
      result.push({
        peerId: id,
        did: didOf(peerId),
        name: this.admission.nameOf(peerId) ?? memory?.name ?? null,
        addresses,
        connected: connected.has(id),
        admitted: connected.has(id) && this.admission.admittedNow(peerId),
        latencyMs: connected.has(id) ? this.roundTrip(peerId) : null,
        lastSeen: connected.has(id)
          ? new Date(this.now()).toISOString()
          : (this.lastConnected.get(id)?.toISOString() ?? null),
      })
    }
    return result.sort(
      (a, b) => Number(b.connected) - Number(a.connected) || ordinalCompare(a.peerId, b.peerId),
    )
  }

  /** The connection monitor's last round trip to a connected peer, else the ping on admission. */
  private roundTrip(peer: PeerId): number | null {
    const monitored = this.libp2p.getConnections(peer).find((c) => c.rtt !== undefined)?.rtt
    return monitored ?? this.latency.get(peer.toString()) ?? null
  }

  /** Admitted peers connected now. */
  private admittedCount(): number {
    return connectedPeers(this.libp2p).filter((peer) => this.admission.admittedNow(peer)).length
  }

  /**
   * Every peer the mesh knows of (bootstrap, remembered, discovered, endorsed) and does not refuse, with its
   * addresses put into the peer store so a request can dial it: the mesh keeps only a few connected, and a
   * refreshed search asks them all.
   */
  async known(): Promise<PeerId[]> {
    const known: PeerId[] = []
    for (const target of this.targets.values()) {
      if (this.admission.deniedReason(target.peerId) !== undefined) continue
      if (target.addresses.length > 0 && this.libp2p.getConnections(target.peerId).length === 0) {
        await this.libp2p.peerStore
          .merge(target.peerId, { multiaddrs: target.addresses })
          .catch(() => undefined)
      }
      known.push(target.peerId)
    }
    return known
  }

  /** The addresses the mesh holds for a peer (bootstrap, remembered, given in a summary or an endorsement). */
  addressesOf(peer: PeerId): readonly Multiaddr[] {
    return this.targets.get(peer.toString())?.addresses ?? []
  }

  /** PeerIds of the data space's anchors. */
  anchors(): readonly string[] {
    return this.options.standing().anchors
  }

  /** Adds (or refreshes) a peer to keep in touch with; `soon` dials it at the next tick. */
  target(peer: PeerId, addresses: readonly Multiaddr[], soon = false): void {
    const key = peer.toString()
    const existing = this.targets.get(key)
    if (existing !== undefined) {
      if (addresses.length > 0) existing.addresses = [...addresses]
      if (soon && existing.nextAt > this.now()) {
        existing.nextAt = this.now()
        this.ticker.nudge()
      }
      return
    }
    this.targets.set(key, { peerId: peer, addresses: [...addresses], failures: 0, nextAt: this.now() })
    this.ticker.nudge()
  }

  /**
   * Dials targets whose backoff has run out, in random order (so a hundred members do not all pick the same
   * peers), a few at a time, until the node has `wanted` peers: connections being admitted and dials under
   * way count, so a burst of discoveries does not overshoot. Returns when to look again: within {@link TICK_MS}
   * while dials are under way, when the next target's backoff runs out while the mesh lacks peers (a node
   * alone, or in a data space smaller than it wants, looked twice a second for nobody), else at rest.
   */
  private dialDue(): boolean | number {
    if (this.stopped) return false
    this.prune()
    const standing = this.options.standing()
    // A member's credential arrives after its anchor admitted it, when that admission's walk was skipped.
    if (this.wasOutsider && !standing.outsider) this.lookup()
    this.wasOutsider = standing.outsider
    for (const address of this.options.bootstrap()) {
      const parsed = this.bootstrapPeer(address)
      if (parsed !== undefined) this.target(parsed.peerId, [parsed.address])
    }
    const now = this.now()
    const dialable = [...this.targets.values()].filter((target) => {
      const key = target.peerId.toString()
      if (this.dialing.has(key)) return false
      if (standing.outsider && !standing.anchors.includes(key)) return false
      if (this.libp2p.getConnections(target.peerId).length > 0) return false
      return this.admission.deniedReason(target.peerId) === undefined
    })
    const due = dialable.filter((target) => target.nextAt <= now)
    // Anchors are dialled whenever fewer than `anchorsWanted` are in reach, however many members the node has: a
    // member keeps an anchor besides its mesh (credentials, status lists), and one whose handshake with its anchor
    // failed tries the next. Only as many as its credentials need, picked at random: when every member dialled
    // every anchor, a hundred starting members made each anchor admit all of them (at N = 100 hundreds of dials
    // of an anchor timed out), and each anchor kept a hundred connections with their gossip, DHT and pings.
    const isAnchor = (target: Target) => standing.anchors.includes(target.peerId.toString())
    let anchorsMissing = standing.anchorsWanted - this.anchorsInReach(standing, now)
    for (const target of shuffled(due.filter(isAnchor))) {
      if (this.dialing.size >= MAX_PARALLEL_DIALS || anchorsMissing-- <= 0) break
      this.dialAfterBackoff(target, standing, now)
    }
    let missing = this.options.wanted - this.meshPeers(standing).length - this.dialingMembers(standing)
    if (missing <= 0) return this.dialing.size > 0
    const members = shuffled(due.filter((target) => !isAnchor(target)))
    // Too few to dial: walk the DHT again (see lookupGap). A member's first walk, right after
    // its anchor admitted it, finds the few members the anchors knew by then; waiting for the next admission or
    // the minute's walk left members with their anchors alone for half a minute at N = 30.
    if (members.length < missing) this.lookup()
    for (const target of members) {
      if (this.dialing.size >= MAX_PARALLEL_DIALS || missing-- <= 0) break
      this.dialAfterBackoff(target, standing, now)
    }
    if (this.dialing.size > 0) return true
    // An outsider an anchor admitted waits for its credential, and its arrival wakes nothing here.
    if (standing.outsider && this.anchorsInReach(standing, now) > 0) return true
    const later = dialable.filter((target) => target.nextAt > now).map((target) => target.nextAt)
    return later.length > 0 ? Math.min(...later) - now : false
  }

  /** A bootstrap address parsed once: the mesh reads its bootstrap list on every tick. */
  private bootstrapPeer(address: string): { peerId: PeerId; address: Multiaddr } | undefined {
    if (!this.bootstrapParsed.has(address)) {
      const ma = multiaddr(address)
      const id = peerIdOf(ma)
      this.bootstrapParsed.set(
        address,
        id === undefined ? undefined : { peerId: peerIdFromString(id), address: ma },
      )
    }
    return this.bootstrapParsed.get(address)
  }

  /** Dials a target now and sets when it is due again should this dial not lead to an admission. */
  private dialAfterBackoff(target: Target, standing: MeshStanding, now: number): void {
    target.failures++
    // An outsider's every dial an anchor refused costs that anchor a handshake: after a refusal it starts where
    // a member's backoff is after a few tries. Before any (the anchor not listening yet, a dial timed out) it
    // dials like a member, so a node started before its anchors finds them within seconds.
    const refused = standing.outsider && this.refusedUs.has(target.peerId.toString())
    target.nextAt = now + backoff(target.failures + (refused ? 3 : 0), standing.maxBackoffMs)
    void this.dial(target, standing.anchors.includes(target.peerId.toString()))
  }

  /**
   * Anchors connected or being dialled. For a node that is no member yet, an anchor that admitted it
   * {@link CREDENTIAL_GRACE_MS} ago without a credential following does not count.
   */
  private anchorsInReach(standing: MeshStanding, now: number): number {
    return standing.anchors.filter((key) => {
      if (this.dialing.has(key)) return true
      const connections = this.libp2p.getConnections(peerIdFromString(key))
      if (!standing.outsider) return connections.length > 0
      return connections.some((connection) => {
        const admittedAt = this.admittedAt.get(connection)
        return admittedAt === undefined || now - admittedAt < CREDENTIAL_GRACE_MS
      })
    }).length
  }

  /** Dials under way to peers that are no anchors: they count towards `wanted`. */
  private dialingMembers(standing: MeshStanding): number {
    return [...this.dialing].filter((key) => !standing.anchors.includes(key)).length
  }

  /** Whether the node was given this peer's address (an anchor or a bootstrap peer), not told of it by others. */
  private isConfigured(key: string): boolean {
    if (this.options.standing().anchors.includes(key)) return true
    return this.options.bootstrap().some((address) => this.bootstrapPeer(address)?.peerId.toString() === key)
  }

  /**
   * Admitted peers connected now that are no anchors: anchors count towards neither `wanted` nor the limit.
   * A member keeps its anchor besides its mesh (it hands out credentials and the status lists every
   * admission checks), and an anchor keeps its members (see {@link prune}).
   */
  private meshPeers(standing: MeshStanding): PeerId[] {
    const mesh = this.libp2p.getConnections().filter((connection) => !this.forRequests.has(connection))
    return connectedPeers({ getConnections: () => mesh }).filter(
      (peer) => !standing.anchors.includes(peer.toString()),
    )
  }

  /**
   * Closes connections beyond the connection limit. libp2p's own pruning closes none that has a stream open,
   * and gossipsub and the DHT keep one open on every connection, so connections a node dialled for one request
   * (a refreshed search asks every provider) stayed for good: at N = 30 every node ended up connected to most
   * others. Which ones go is {@link connectionsToTrim}'s choice among connections to other members (not yet
   * closing). Connections to anchors stay, and an anchor closes none: each member's admissions depend on
   * reaching an anchor (its credential, the anchors' status lists), and anchors that trimmed their members to
   * eight kept 30 nodes from settling. An anchor's bound is libp2p's ceiling (`connectionCeiling` in
   * create-libp2p.ts).
   */
  private prune(): void {
    const standing = this.options.standing()
    const anchors = new Set(standing.anchors)
    if (anchors.has(this.libp2p.peerId.toString())) return
    const now = this.now()
    const candidates: TrimCandidate<Connection>[] = []
    for (const connection of this.libp2p.getConnections()) {
      if (connection.status !== 'open' || anchors.has(connection.remotePeer.toString())) continue
      // A second connection to a peer already admitted passes without a handshake, from its opening.
      const admittedAt =
        this.admittedAt.get(connection) ??
        (this.admission.admittedNow(connection.remotePeer) ? connection.timeline.open : undefined)
      if (this.forRequests.has(connection)) {
        // Its own requests ended while one of the peer's still ran on it: it goes idle after the grace period.
        if (admittedAt !== undefined && now - admittedAt >= TRIM_GRACE_MS) this.closeIfDone(connection)
        continue
      }
      candidates.push({
        connection,
        outbound: connection.direction === 'outbound',
        openedAt: connection.timeline.open,
        admittedAt,
        busy: carriesRequest(connection),
      })
    }
    for (const connection of connectionsToTrim(candidates, this.options.maxConnections, now)) {
      this.log.debug(
        { peer: connection.remotePeer.toString(), direction: connection.direction },
        'closing a connection over the limit',
      )
      this.trimmedCount++
      void connection.close().catch((error: Error) => connection.abort(error))
    }
  }

  /** Connections closed over the limit since the node started. */
  trimmed(): number {
    return this.trimmedCount
  }

  private async dial(target: Target, anchor: boolean): Promise<void> {
    const key = target.peerId.toString()
    this.dialing.add(key)
    try {
      if (target.addresses.length > 0) {
        await this.libp2p.peerStore
          .merge(target.peerId, { multiaddrs: target.addresses })
          .catch(() => undefined)
      }
      await this.libp2p.dial(target.peerId, {
        signal: AbortSignal.timeout(anchor ? ANCHOR_DIAL_TIMEOUT_MS : DIAL_TIMEOUT_MS),
      })
    } catch (error) {
      this.log.debug({ peer: key, err: (error as Error).message }, 'dial failed')
    } finally {
      this.dialing.delete(key)
    }
  }

  private async admitted(peer: PeerId, connection: Connection): Promise<void> {
    this.withUs.add(peer.toString())
    this.refusedUs.delete(peer.toString())
    const target = this.targets.get(peer.toString())
    if (target !== undefined) target.failures = 0
    else this.target(peer, [])
    void this.measure(peer)
    const addresses = await this.identify(peer, connection)
    const name = this.admission.nameOf(peer)
    await this.options.memory
      .remember({
        peerId: peer.toString(),
        addresses,
        ...(name === undefined ? {} : { name }),
        admittedAt: new Date(this.now()).toISOString(),
      })
      .catch((error: Error) => this.log.warn({ err: error.message }, 'peer not remembered'))
    if (addresses.length > 0)
      this.targets.get(peer.toString())?.addresses.splice(0, Infinity, ...addresses.map((a) => multiaddr(a)))
    this.lookup()
  }

  /**
   * Identify on an admitted connection, tried again while the connection is open: its answer is what tells
   * gossipsub and the DHT of the peer (they meet admitted peers only after it), so a single timeout on a busy
   * machine left an admitted peer outside this node's gossip mesh for the connection's life (measured: 28
   * timeouts among 20 nodes on a loaded machine). Returns the peer's listen addresses.
   */
  private async identify(peer: PeerId, connection: Connection): Promise<string[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.libp2p.services.identify.identify(connection, {
          signal: AbortSignal.timeout(DIAL_TIMEOUT_MS * attempt),
        })
        return result.listenAddrs.map((a) => a.toString())
      } catch (error) {
        this.log.debug({ peer: peer.toString(), err: (error as Error).message, attempt }, 'identify failed')
        if (attempt >= IDENTIFY_ATTEMPTS || this.stopped || connection.status !== 'open') return []
      }
    }
  }

  /**
   * Whether a connection this node dials serves requests alone: a request dialled it (not the mesh) to a member
   * that is no anchor while the mesh has the peers it wants. The admission hello tells the peer, and on such a
   * connection neither side identifies, pings or remembers the other (unless the peer is short of peers itself,
   * {@link takesInAsker}); it counts neither as a mesh peer nor towards the limit, and is closed a second after
   * its last request has ended ({@link REQUEST_LINGER_MS}): a refreshed search asks every provider, and each
   * connection it opened set off identify, gossipsub and the DHT on both sides and stayed until trimmed.
   */
  private dialsForRequestsAlone(connection: Connection): boolean {
    const peer = connection.remotePeer
    const key = peer.toString()
    if (connection.direction !== 'outbound' || this.dialing.has(key)) return false
    if (!this.admission.dialledForRequest(peer)) return false
    const standing = this.options.standing()
    if (standing.anchors.includes(key)) return false
    return this.meshPeers(standing).filter((other) => !other.equals(peer)).length >= this.options.wanted
  }

  /**
   * Whether this node, short of peers, takes in a member that dialled it for requests alone (identify, peer
   * memory, a mesh target): the member closes that connection, and the mesh dials it back. Without it, nodes that
   * started last in a data space of a hundred stayed below three peers: the members that asked them something
   * had been their way to meet others.
   */
  private takesInAsker(connection: Connection): boolean {
    if (connection.direction !== 'inbound') return false
    const others = this.meshPeers(this.options.standing()).filter(
      (peer) => !peer.equals(connection.remotePeer),
    )
    return others.length < this.options.wanted
  }

  /** Closes a connection that serves requests alone if none runs on it or is about to. */
  private closeIfDone(connection: Connection): void {
    if (!this.forRequests.has(connection) || connection.status !== 'open' || carriesRequest(connection))
      return
    if (this.admission.requestsUnderWay(connection.remotePeer)) return
    void connection.close().catch((error: Error) => connection.abort(error))
  }

  /** A denied peer is no longer remembered or dialled. */
  async forget(peer: PeerId): Promise<void> {
    this.targets.delete(peer.toString())
    this.refusedUs.delete(peer.toString())
    await this.options.memory.forget(peer.toString()).catch(() => undefined)
  }

  /**
   * Walks the DHT towards our own id while the node has fewer than `wanted` peers; peers found on the
   * way become targets. A burst of admissions asks for one walk, and walks are at least
   * {@link LOOKUP_MIN_GAP_MS} apart, twice that after each answered walk that found nobody new (up to a
   * minute): walking on every connection costs O(n²) streams in a growing data space (measured: 10 nodes in
   * one process kept a core busy). A node with its peers leaves the rest to the DHT's own upkeep. A node no
   * peer has admitted yet does not walk: the DHT asks connected peers only, and its first admission walks.
   */
  private lookup(): void {
    if (this.lookupTimer !== undefined || this.stopped || this.options.standing().outsider) return
    if (this.meshPeers(this.options.standing()).length >= this.options.wanted) return
    if (this.admittedCount() === 0) return
    const wait = Math.max(LOOKUP_DEBOUNCE_MS, this.lastLookup + this.lookupGap - this.now())
    this.lookupTimer = setTimeout(() => {
      this.lookupTimer = undefined
      this.lastLookup = this.now()
      void this.walk()
    }, wait)
  }

  /**
   * Asks the DHT for the members closest to this node and takes those the first answers name. It stops once
   * they name `wanted` members it did not know: a walk to its end queries every member on the way, and each one
   * not connected is a dial and an admission handshake on both sides, mostly closed again over the limit (at
   * N = 30 a start-up saw some 600 handshakes and 500 such closes where about 100 connections were wanted).
   */
  private async walk(): Promise<void> {
    let found = 0
    let answered = false
    const enough = new AbortController()
    try {
      const key = this.libp2p.peerId.toMultihash().bytes
      for await (const event of this.libp2p.services.dht.getClosestPeers(key, {
        signal: AbortSignal.any([enough.signal, AbortSignal.timeout(10_000)]),
      })) {
        if (this.stopped) return
        if (event.name === 'PEER_RESPONSE') answered = true
        const named =
          event.name === 'PEER_RESPONSE' ? event.closer : event.name === 'FINAL_PEER' ? [event.peer] : []
        for (const peer of named) {
          if (peer.id.equals(this.libp2p.peerId)) continue
          if (!this.targets.has(peer.id.toString())) found++
          this.target(peer.id, peer.multiaddrs, true)
        }
        if (found >= this.options.wanted) break
      }
    } catch (error) {
      this.log.debug({ err: (error as Error).message }, 'DHT lookup ended early')
    } finally {
      enough.abort()
    }
    // A walk nobody answered (its peers too busy, or not yet in the DHT's table before identify) says nothing
    // of the data space: at N = 30 one such walk doubled the gap and left a member with its anchors alone for
    // ten more seconds.
    this.lookupGap =
      found > 0 || !answered ? LOOKUP_MIN_GAP_MS : Math.min(2 * this.lookupGap, LOOKUP_INTERVAL_MS)
  }

  private async measure(peer: PeerId): Promise<void> {
    // ping allows few outbound streams per connection: never run two measurements at once
    const key = peer.toString()
    if (this.measuring.has(key)) return
    this.measuring.add(key)
    try {
      const ms = await this.libp2p.services.ping.ping(peer, { signal: AbortSignal.timeout(5_000) })
      this.latency.set(peer.toString(), ms)
    } catch (error) {
      this.log.debug({ peer: key, err: (error as Error).message }, 'ping failed')
    } finally {
      this.measuring.delete(key)
    }
  }
}

/** Whether an Allmende request (a catalog, a negotiation, a transfer) runs on the connection. */
function carriesRequest(connection: Connection): boolean {
  return connection.streams.some(
    (s) => s.status === 'open' && s.protocol !== undefined && isAllmendeRequest(s.protocol),
  )
}

/** The PeerId a multiaddr ends in, if it names one. */
function peerIdOf(address: Multiaddr): string | undefined {
  return address.getComponents().find((c) => c.name === 'p2p')?.value
}

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

/** Exponential backoff from one second to `max`, with a little jitter so restarted nodes do not dial in step. */
function backoff(failures: number, max: number): number {
  return jittered(Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), max))
}

/** A pause with a little jitter, so nodes that started or dropped together do not dial in step. */
function jittered(ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.4))
}

function didOf(peer: PeerId): string | null {
  try {
    return didKeyFromPeerId(peer)
  } catch {
    return null
  }
}
