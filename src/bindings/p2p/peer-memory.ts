import type { Store, Sublevel } from '../../store/index.js'
import { ordinalCompare } from '../../util/ordinal-compare.js'

/** An admitted peer as the node remembers it across restarts. */
export interface RememberedPeer {
  readonly peerId: string
  /** Its listen addresses as identify reported them (without `/p2p/`). */
  readonly addresses: readonly string[]
  /** The municipality's name it gave at admission. */
  readonly name?: string
  readonly admittedAt: string
}

/** Sublevel of the peers this node admitted, keyed by PeerId. */
export const PEER_MEMORY_SUBLEVEL = 'peer-memory'
/** Peers remembered at most; the longest unseen go first. */
const MAX_REMEMBERED = 1_000

/**
 * The peers this node admitted (Store sublevel `peer-memory`), so a restarted node redials its data space
 * instead of waiting to be found. Only admitted peers are written; a denied one is forgotten. Reads come from
 * a copy in memory (at most {@link MAX_REMEMBERED} small records): the peer list of the API and the dashboard
 * read them all on every call, and at N = 100 that iteration of the store was a few per cent of a node's CPU.
 */
export class PeerMemory {
  private readonly peers: Sublevel<RememberedPeer>
  private copy?: Promise<Map<string, RememberedPeer>>

  constructor(store: Store) {
    this.peers = store.sublevel<RememberedPeer>(PEER_MEMORY_SUBLEVEL)
  }

  private remembered(): Promise<Map<string, RememberedPeer>> {
    if (this.copy === undefined) {
      const reading = this.readAll()
      this.copy = reading
      // a failed read is not kept: the next call reads the store again
      reading.catch(() => {
        if (this.copy === reading) this.copy = undefined
      })
    }
    return this.copy
  }

  private async readAll(): Promise<Map<string, RememberedPeer>> {
    const found = new Map<string, RememberedPeer>()
    for await (const [peerId, peer] of this.peers.iterator()) found.set(peerId, peer as RememberedPeer)
    return found
  }

  async remember(peer: RememberedPeer): Promise<void> {
    const peers = await this.remembered()
    const before = peers.get(peer.peerId)
    const kept: RememberedPeer = {
      ...peer,
      // identify may not have run yet: keep what we knew rather than forgetting the way back
      addresses: peer.addresses.length > 0 ? peer.addresses : (before?.addresses ?? []),
      ...(peer.name === undefined && before?.name !== undefined ? { name: before.name } : {}),
    }
    peers.set(peer.peerId, kept)
    await this.peers.put(peer.peerId, kept)
    if (before === undefined) await this.trim()
  }

  async forget(peerId: string): Promise<void> {
    ;(await this.remembered()).delete(peerId)
    await this.peers.del(peerId)
  }

  async get(peerId: string): Promise<RememberedPeer | undefined> {
    return (await this.remembered()).get(peerId)
  }

  async list(): Promise<RememberedPeer[]> {
    return [...(await this.remembered()).values()]
  }

  private async trim(): Promise<void> {
    const all = await this.list()
    if (all.length <= MAX_REMEMBERED) return
    const oldest = all
      .sort((a, b) => ordinalCompare(a.admittedAt, b.admittedAt))
      .slice(0, all.length - MAX_REMEMBERED)
    for (const peer of oldest) await this.forget(peer.peerId)
  }
}
