import type { Libp2p, PeerId } from '@libp2p/interface'

/**
 * The peers this node holds a connection to, each once: what `libp2p.getPeers()` answers, without its cost.
 * libp2p collects the peers as strings and parses each back into a new PeerId (a base58 decode and an Ed25519
 * public key), whose `toString()` then encodes it again; the mesh asks several times a tick, and at N = 100
 * that was 3 % of a joining member's CPU. The PeerIds here are the connections' own, their strings computed once.
 */
export function connectedPeers(libp2p: Pick<Libp2p, 'getConnections'>): PeerId[] {
  const peers = new Map<string, PeerId>()
  for (const connection of libp2p.getConnections()) {
    const peer = connection.remotePeer
    const key = peer.toString()
    if (!peers.has(key)) peers.set(key, peer)
  }
  return [...peers.values()]
}
