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
 * instead of waiting to be found. Only admitted peers are written; a denied one is forgotten.
 */
export class PeerMemory {
  private readonly peers: Sublevel<RememberedPeer>

  constructor(store: Store) {
    this.peers = store.sublevel<RememberedPeer>(PEER_MEMORY_SUBLEVEL)
  }

  async remember(peer: RememberedPeer): Promise<void> {
    const before = await this.peers.get(peer.peerId)
    const kept: RememberedPeer = {
      ...peer,
      // identify may not have run yet: keep what we knew rather than forgetting the way back
      addresses: peer.addresses.length > 0 ? peer.addresses : (before?.addresses ?? []),
      ...(peer.name === undefined && before?.name !== undefined ? { name: before.name } : {}),
    }
    await this.peers.put(peer.peerId, kept)
    if (before === undefined) await this.trim()
  }

  async forget(peerId: string): Promise<void> {
    await this.peers.del(peerId)
  }

  async get(peerId: string): Promise<RememberedPeer | undefined> {
    return this.peers.get(peerId)
  }

  async list(): Promise<RememberedPeer[]> {
    const found: RememberedPeer[] = []
    for await (const [, peer] of this.peers.iterator()) found.push(peer as RememberedPeer)
    return found
  }

  private async trim(): Promise<void> {
    const all = await this.list()
    if (all.length <= MAX_REMEMBERED) return
    const oldest = all
      .sort((a, b) => ordinalCompare(a.admittedAt, b.admittedAt))
      .slice(0, all.length - MAX_REMEMBERED)
    for (const peer of oldest) await this.peers.del(peer.peerId)
  }
}
