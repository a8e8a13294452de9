import type { PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { didKeyFromPeerId } from '../../identity/index.js'
import type { Logger } from '../../log/index.js'
import { FIND_PEER_PROTOCOL } from '../../protocol/index.js'
import type { PeerAdmission } from './admission.js'
import { connectedPeers } from './connected-peers.js'
import type { AllmendeLibp2p } from './create-libp2p.js'
import { PeerNotFoundError } from './errors.js'
import { JsonFrames } from './json-frames.js'

// FIND_PEER_PROTOCOL, admitted peers only: request `{peer: <PeerId>, relayed?: true}`, answer
// `{addresses: [multiaddr…]}` (empty when the answering node knows none). A node that knows none asks the anchors
// it is connected to (`relayed`: they answer from what they know): an anchor keeps the connection of every member
// that dialled it, and a member keeps one anchor, so with two anchors each knows about half of the members.

/** What the node knows of peers beyond the peer store: the mesh's. */
export interface PeerDirectory {
  /** Addresses held for a peer: bootstrap, remembered, given in a summary or an endorsement. */
  addressesOf(peer: PeerId): readonly Multiaddr[]
  /** PeerIds of the data space's anchors. */
  anchors(): readonly string[]
}

/** Peers asked at once; a second round asks the next ones if none of the first knew. */
const ASKED_PER_ROUND = 3
const ROUNDS = 2
/** One peer's answer gets this long: the next round asks others. */
const ASK_TIMEOUT_MS = 5_000
const MAX_ADDRESSES = 8
const MAX_FRAME_BYTES = 4 * 1024

/**
 * Finds where a member listens before a request dials it. A node keeps a few connections, and the DHT asks
 * connected peers only and names the members closest to a key, so at N = 100 a negotiation with a member the
 * consumer had never been connected to failed with libp2p's "no valid addresses". In order: the peer store,
 * the mesh's addresses (a provider's summaries carry its own), then connected admitted peers, anchors first
 * (an anchor knows the members that keep it and asks the other anchors for the rest), then anchors not
 * connected whose addresses are known (dialled). Bounded (two rounds of three) and on a request's path only:
 * the DHT's own walks still dial nobody.
 */
export class PeerLocator {
  /** Lookups under way by peer: concurrent requests to one member share one. */
  private readonly lookups = new Map<string, Promise<void>>()

  constructor(
    private readonly libp2p: AllmendeLibp2p,
    private readonly admission: PeerAdmission,
    private readonly directory: PeerDirectory,
    private readonly log: Logger,
  ) {}

  /** Answers admitted peers' lookups with the addresses this node knows. */
  async serve(): Promise<void> {
    await this.libp2p.handle(
      FIND_PEER_PROTOCOL,
      (stream, connection) => void this.answer(stream, connection.remotePeer),
      { maxInboundStreams: 8 },
    )
  }

  /**
   * Makes sure the peer store holds an address of `peer` unless this node is connected to it; throws
   * {@link PeerNotFoundError} when nobody asked knows one.
   */
  async locate(peer: PeerId, signal: AbortSignal): Promise<void> {
    if (this.libp2p.getConnections(peer).length > 0) return
    const key = peer.toString()
    let lookup = this.lookups.get(key)
    if (lookup === undefined) {
      lookup = this.lookUp(peer, signal).finally(() => this.lookups.delete(key))
      this.lookups.set(key, lookup)
    }
    await lookup
  }

  private async lookUp(peer: PeerId, signal: AbortSignal): Promise<void> {
    if (await this.knowsAddressOf(peer)) return
    const candidates = await this.whomToAsk(peer)
    let asked = 0
    for (let round = 0; round < ROUNDS && asked < candidates.length; round++) {
      const ones = candidates.slice(asked, asked + ASKED_PER_ROUND)
      asked += ones.length
      const found = await Promise.any(ones.map((one) => this.ask(one, peer, signal))).catch(() => [])
      if (found.length > 0) {
        await this.libp2p.peerStore.merge(peer, { multiaddrs: found })
        this.log.debug({ peer: peer.toString(), addresses: found.length }, 'found a member through its peers')
        return
      }
      signal.throwIfAborted()
    }
    throw new PeerNotFoundError(didKeyFromPeerId(peer), asked)
  }

  /** Whether the peer store holds an address of `peer`, after taking in the mesh's. */
  private async knowsAddressOf(peer: PeerId): Promise<boolean> {
    const held = this.directory.addressesOf(peer)
    if (held.length > 0) await this.libp2p.peerStore.merge(peer, { multiaddrs: [...held] })
    const stored = await this.libp2p.peerStore.get(peer).catch(() => undefined)
    return (stored?.addresses.length ?? 0) > 0
  }

  /**
   * Connected anchors, connected admitted members in random order (so a hundred members do not all ask the
   * same one), then anchors not connected that this node can dial.
   */
  private async whomToAsk(peer: PeerId): Promise<PeerId[]> {
    const self = this.libp2p.peerId
    const anchors = this.directory
      .anchors()
      .map((id) => peerIdFromString(id))
      .filter((anchor) => !anchor.equals(peer) && !anchor.equals(self))
    const isAnchor = (candidate: PeerId) => anchors.some((anchor) => anchor.equals(candidate))
    const admitted = (candidate: PeerId) => this.admission.admittedNow(candidate)
    const members = connectedPeers(this.libp2p)
      .filter((candidate) => admitted(candidate) && !isAnchor(candidate) && !candidate.equals(peer))
      .map((candidate) => ({ candidate, order: Math.random() }))
      .sort((a, b) => a.order - b.order)
      .map(({ candidate }) => candidate)
    const dialable: PeerId[] = []
    for (const anchor of anchors.filter((anchor) => this.libp2p.getConnections(anchor).length === 0)) {
      if (await this.knowsAddressOf(anchor)) dialable.push(anchor)
    }
    return [...anchors.filter(admitted), ...members, ...dialable]
  }

  /** One peer's addresses for `peer`; rejects when it knows none or does not answer in time. */
  private async ask(whom: PeerId, peer: PeerId, outer: AbortSignal, relayed = false): Promise<Multiaddr[]> {
    const signal = AbortSignal.any([outer, AbortSignal.timeout(ASK_TIMEOUT_MS)])
    const stream = await this.admission.openStream(whom, FIND_PEER_PROTOCOL, { signal })
    const frames = new JsonFrames(stream, MAX_FRAME_BYTES)
    try {
      await frames.write({ peer: peer.toString(), ...(relayed ? { relayed: true } : {}) }, { signal })
      const answer = await frames.read({ signal })
      await stream.close().catch(() => undefined)
      const found = addressesOf((answer as { addresses?: unknown } | null)?.addresses, peer)
      if (found.length === 0) throw new Error(`${whom.toString()} knows no address of ${peer.toString()}`)
      return found
    } catch (error) {
      stream.abort(error as Error)
      throw error
    }
  }

  private async answer(stream: Stream, asker: PeerId): Promise<void> {
    const signal = AbortSignal.timeout(ASK_TIMEOUT_MS)
    const frames = new JsonFrames(stream, MAX_FRAME_BYTES)
    try {
      await this.admission.requireAdmittedStream(asker, FIND_PEER_PROTOCOL)
      const request = (await frames.read({ signal })) as { peer?: unknown; relayed?: unknown } | null
      const peer = peerIdOf(request?.peer)
      let addresses = peer === undefined ? [] : await this.addressesFor(peer)
      if (peer !== undefined && addresses.length === 0 && request?.relayed !== true) {
        addresses = (await this.askAnchors(peer, asker, signal)).map((address) => address.toString())
      }
      await frames.write({ addresses }, { signal })
      await stream.close().catch(() => undefined)
    } catch (error) {
      this.log.debug({ peer: asker.toString(), err: (error as Error).message }, 'find-peer request failed')
      stream.abort(error as Error)
    }
  }

  /** The addresses the anchors this node is connected to (but the asker) know for `peer`, first answer wins. */
  private async askAnchors(peer: PeerId, asker: PeerId, signal: AbortSignal): Promise<Multiaddr[]> {
    const anchors = this.directory
      .anchors()
      .map((id) => peerIdFromString(id))
      .filter((anchor) => !anchor.equals(asker) && !anchor.equals(peer) && this.admission.admittedNow(anchor))
    // Half the asker's time, so the answer reaches it within its own.
    const relay = AbortSignal.any([signal, AbortSignal.timeout(ASK_TIMEOUT_MS / 2)])
    return Promise.any(anchors.map((anchor) => this.ask(anchor, peer, relay, true))).catch(() => [])
  }

  /** What this node knows of where a peer listens: none for a peer it refuses. */
  private async addressesFor(peer: PeerId): Promise<string[]> {
    if (this.admission.deniedReason(peer) !== undefined) return []
    const stored = await this.libp2p.peerStore.get(peer).catch(() => undefined)
    const addresses = new Set([
      ...(stored?.addresses ?? []).map((address) => address.multiaddr.toString()),
      ...this.directory.addressesOf(peer).map((address) => address.toString()),
    ])
    return [...addresses].slice(0, MAX_ADDRESSES)
  }
}

/** The PeerId a request names, if it is one. */
function peerIdOf(raw: unknown): PeerId | undefined {
  if (typeof raw !== 'string') return undefined
  try {
    return peerIdFromString(raw)
  } catch {
    return undefined
  }
}

/** The addresses of an answer that parse and name no other peer (at most {@link MAX_ADDRESSES}). */
function addressesOf(raw: unknown, peer: PeerId): Multiaddr[] {
  if (!Array.isArray(raw)) return []
  return raw.slice(0, MAX_ADDRESSES).flatMap((text) => {
    if (typeof text !== 'string') return []
    try {
      const address = multiaddr(text)
      const named = address.getComponents().find((c) => c.name === 'p2p')?.value
      return named === undefined || named === peer.toString() ? [address] : []
    } catch {
      return []
    }
  })
}
