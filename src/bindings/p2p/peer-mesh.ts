import type { PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { didKeyFromPeerId } from '../../identity/index.js'
import type { Logger } from '../../log/index.js'
import type { PeerAdmission } from './admission.js'
import type { AllmendeLibp2p } from './create-libp2p.js'

/** One peer as the management API shows it. */
export interface PeerSummary {
  peerId: string
  did: string | null
  addresses: string[]
  connected: boolean
  admitted: boolean
  /** Round trip of the last ping in milliseconds, null before the first one. */
  latencyMs: number | null
  lastSeen: string | null
}

const REDIAL_INTERVAL_MS = 5_000
const PING_INTERVAL_MS = 15_000
const LOOKUP_DEBOUNCE_MS = 200
const LOOKUP_MIN_GAP_MS = 10_000
const LOOKUP_INTERVAL_MS = 60_000

/**
 * Keeps a node connected to its data space. libp2p's discovery only reports peers and never
 * dials them, so this dials what bootstrap, mDNS and the DHT discover, walks the DHT towards its own id
 * whenever a new peer connects (so A finds C through B), redials lost bootstrap peers, and pings
 * connected peers for the latency the API shows.
 */
export class PeerMesh {
  private readonly latency = new Map<string, { ms: number; at: Date }>()
  private readonly timers: NodeJS.Timeout[] = []
  private readonly measuring = new Set<string>()
  private lookupTimer?: NodeJS.Timeout
  private lastLookup = 0
  private stopped = false

  constructor(
    private readonly libp2p: AllmendeLibp2p,
    private readonly admission: PeerAdmission,
    private readonly log: Logger,
    /** The bootstrap addresses now: config and descriptor (a newer descriptor version changes them). */
    private readonly bootstrap: () => readonly string[],
    /** The connection limit: discovery dials stop at half of it, leaving room for inbound and on-demand dials. */
    maxConnections: number,
  ) {
    this.wanted = Math.max(2, Math.floor(maxConnections / 2))
  }

  /** Peers this node dials on its own; beyond them, connections come from others or from on-demand dials. */
  private readonly wanted: number

  start(): void {
    this.libp2p.addEventListener('peer:discovery', (event) => void this.dial(event.detail.id))
    this.libp2p.addEventListener('peer:connect', (event) => {
      void this.measure(event.detail)
      this.lookup()
    })
    this.timers.push(setInterval(() => void this.redialBootstrap(), REDIAL_INTERVAL_MS))
    this.timers.push(setInterval(() => void this.pingAll(), PING_INTERVAL_MS))
    this.timers.push(setInterval(() => this.lookup(), LOOKUP_INTERVAL_MS))
  }

  stop(): void {
    this.stopped = true
    for (const timer of this.timers) clearInterval(timer)
    clearTimeout(this.lookupTimer)
  }

  /** Connected peers and those the peer store knows, newest knowledge first. */
  async peers(): Promise<PeerSummary[]> {
    const self = this.libp2p.peerId.toString()
    const connected = new Set(this.libp2p.getPeers().map((p) => p.toString()))
    const known = await this.libp2p.peerStore.all()
    const result: PeerSummary[] = []
    for (const peer of known) {
      const id = peer.id.toString()
      if (id === self) continue
      const seen = this.latency.get(id)
      result.push({
        peerId: id,
        did: didOf(peer.id),
        addresses: peer.addresses.map((a) => a.multiaddr.toString()),
        connected: connected.has(id),
        admitted: connected.has(id) && (await this.admittedNow(peer.id)),
        latencyMs: seen?.ms ?? null,
        lastSeen: seen?.at.toISOString() ?? null,
      })
    }
    return result.sort(
      (a, b) => Number(b.connected) - Number(a.connected) || a.peerId.localeCompare(b.peerId),
    )
  }

  private async admittedNow(peer: PeerId): Promise<boolean> {
    return Promise.race([
      this.admission.isAdmitted(peer),
      new Promise<boolean>((r) => setTimeout(r, 50, false)),
    ])
  }

  private async dial(peer: PeerId): Promise<void> {
    if (this.stopped || peer.equals(this.libp2p.peerId)) return
    if (this.admission.deniedReason(peer) !== undefined) return
    if (this.libp2p.getConnections(peer).length > 0) return
    if (this.libp2p.getPeers().length >= this.wanted) return
    try {
      await this.libp2p.dial(peer, { signal: AbortSignal.timeout(10_000) })
    } catch (error) {
      this.log.debug({ peer: peer.toString(), err: (error as Error).message }, 'dial failed')
    }
  }

  /**
   * Walks the DHT towards our own id; peers found on the way are dialled. A burst of connections
   * asks for one walk, and walks are at least {@link LOOKUP_MIN_GAP_MS} apart: every walk queries
   * all close peers, so walking on every connection costs O(n²) streams in a growing data space
   * (measured: 10 nodes in one process kept a core busy). A periodic walk catches the rest.
   */
  private lookup(): void {
    if (this.lookupTimer !== undefined || this.stopped) return
    const wait = Math.max(LOOKUP_DEBOUNCE_MS, this.lastLookup + LOOKUP_MIN_GAP_MS - Date.now())
    this.lookupTimer = setTimeout(() => {
      this.lookupTimer = undefined
      this.lastLookup = Date.now()
      void this.walk()
    }, wait)
  }

  private async walk(): Promise<void> {
    try {
      const key = this.libp2p.peerId.toMultihash().bytes
      for await (const found of this.libp2p.peerRouting.getClosestPeers(key, {
        signal: AbortSignal.timeout(10_000),
      })) {
        if (this.stopped) return
        void this.dial(found.id)
      }
    } catch (error) {
      this.log.debug({ err: (error as Error).message }, 'DHT lookup ended early')
    }
  }

  /** Redials lost bootstrap peers while this node has fewer peers than it wants (else anchors fill up). */
  private async redialBootstrap(): Promise<void> {
    if (this.libp2p.getPeers().length >= this.wanted) return
    for (const address of this.bootstrap()) {
      const ma = multiaddr(address)
      const peerId = ma.getComponents().find((c) => c.name === 'p2p')?.value
      if (peerId === undefined || this.libp2p.getPeers().some((p) => p.toString() === peerId)) continue
      if (this.stopped) return
      await this.libp2p.dial(ma, { signal: AbortSignal.timeout(5_000) }).catch((error: Error) => {
        this.log.debug({ address, err: error.message }, 'bootstrap redial failed')
      })
    }
  }

  private async pingAll(): Promise<void> {
    await Promise.all(this.libp2p.getPeers().map((peer) => this.measure(peer)))
  }

  private async measure(peer: PeerId): Promise<void> {
    // ping allows one outbound stream per connection: never run two measurements at once
    const key = peer.toString()
    if (this.measuring.has(key)) return
    this.measuring.add(key)
    try {
      const ms = await this.libp2p.services.ping.ping(peer, { signal: AbortSignal.timeout(5_000) })
      this.latency.set(peer.toString(), { ms, at: new Date() })
    } catch (error) {
      this.log.debug({ peer: key, err: (error as Error).message }, 'ping failed')
    } finally {
      this.measuring.delete(key)
    }
  }
}

function didOf(peer: PeerId): string | null {
  try {
    return didKeyFromPeerId(peer)
  } catch {
    return null
  }
}
