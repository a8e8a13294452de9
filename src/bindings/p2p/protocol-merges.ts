import type { Peer, PeerData, PeerId, PeerStore } from '@libp2p/interface'

/**
 * How long a protocol merged into a peer's record counts as written. The peer store drops a record only once
 * it was last written 6 h ago (and none of its addresses was seen for an hour), so a record with a protocol
 * merged this recently is still there, protocol and all.
 */
export const PROTOCOL_REMERGE_MS = 10 * 60_000
/** Peers whose merged protocols are remembered at most: strangers open streams too (the admission handshake). */
const MAX_PEERS = 1_000

interface Merged {
  /** When each protocol was last merged into the record. */
  readonly protocols: Map<string, number>
  /** The record as the last write through this peer store returned it. */
  peer: Peer
}

/**
 * Makes the peer store skip a merge of protocols its record of the peer was given within
 * {@link PROTOCOL_REMERGE_MS}. libp2p's connection merges the negotiated protocol into the peer store on every
 * new stream, in either direction: a write lock, a read and decode of the record, an encode and a write, even
 * when the record holds the protocol already (7 % of an idle anchor's CPU samples at N = 30, its members' status
 * list, descriptor, ping and DHT streams). A skipped merge answers with the record as the last write returned
 * it (the connection, the only caller that merges a protocol alone, discards the answer). A patch, a save or a
 * delete of the peer's record (identify's patch replaces its protocols) makes the next merge write again,
 * also one under way while they ran. Applies to this peer store only; calling it again changes nothing.
 */
export function skipRepeatedProtocolMerges(peerStore: PeerStore, clock: () => number = Date.now): void {
  const store = peerStore as PeerStore & { [patched]?: true }
  if (store[patched] === true) return
  const merged = new Map<string, Merged>()
  /** Bumped for a peer by every patch, save or delete: a merge that saw another value records nothing. */
  const generations = new Map<string, number>()
  const generationOf = (key: string) => generations.get(key) ?? 0
  const forget = (key: string) => {
    merged.delete(key)
    generations.set(key, generationOf(key) + 1)
    if (generations.size > MAX_PEERS) generations.delete(generations.keys().next().value!)
  }

  const merge = peerStore.merge.bind(peerStore)
  store.merge = async (id: PeerId, data: PeerData, options?: Parameters<PeerStore['merge']>[2]) => {
    const key = id.toString()
    const protocols = protocolsAlone(data)
    const known = merged.get(key)
    const now = clock()
    if (
      protocols !== undefined &&
      known !== undefined &&
      protocols.every((p) => now - (known.protocols.get(p) ?? Number.NEGATIVE_INFINITY) < PROTOCOL_REMERGE_MS)
    ) {
      return known.peer
    }
    const generation = generationOf(key)
    const peer = await merge(id, data, options)
    if (generationOf(key) !== generation) return peer
    const entry = merged.get(key) ?? { protocols: new Map<string, number>(), peer }
    entry.peer = peer
    for (const protocol of protocols ?? []) entry.protocols.set(protocol, now)
    merged.delete(key)
    merged.set(key, entry)
    if (merged.size > MAX_PEERS) merged.delete(merged.keys().next().value!)
    return peer
  }
  for (const name of ['patch', 'save', 'delete'] as const) {
    const write = peerStore[name].bind(peerStore) as (id: PeerId, ...rest: unknown[]) => Promise<unknown>
    ;(store as unknown as Record<string, unknown>)[name] = (id: PeerId, ...rest: unknown[]) => {
      forget(id.toString())
      return write(id, ...rest).finally(() => forget(id.toString()))
    }
  }
  store[patched] = true
}

/** The protocols of a merge that brings nothing else, else undefined. */
function protocolsAlone(data: PeerData): readonly string[] | undefined {
  const keys = Object.keys(data)
  return keys.length === 1 && keys[0] === 'protocols' && data.protocols !== undefined
    ? data.protocols
    : undefined
}

const patched = Symbol('allmende.skipRepeatedProtocolMerges')
