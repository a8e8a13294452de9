import { noise } from '@chainsafe/libp2p-noise'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Ed25519PrivateKey, Libp2p } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { dhtProtocol } from '../../protocol/index.js'
import type { PeerAdmission } from './admission.js'
import { membersOnly } from './member-gate.js'

export interface Libp2pInit {
  privateKey: Ed25519PrivateKey
  dataspace: string
  listen: string[]
  /** Addresses peers must dial instead of the listen addresses (NAT, containers, DNS names). */
  announce?: string[]
  mdns: boolean
  admission: PeerAdmission
  /** Most connections kept (libp2p's default of 300 when not given); beyond it the least valued close. */
  maxConnections?: number
}

/** The services every Allmende node runs; typed so callers reach `services.dht` etc. */
export type AllmendeLibp2p = Awaited<ReturnType<typeof buildLibp2p>>

/**
 * Builds (not starts) the libp2p node: TCP, Noise, yamux, identify, ping, a Kademlia DHT private to
 * the data space, gossipsub, and optionally mDNS discovery. DHT, gossipsub and identify serve and meet
 * admitted peers only ({@link membersOnly}); identify runs once a peer is admitted (the mesh asks for
 * it), so a stranger learns neither addresses nor protocols. Bootstrap and remembered peers are dialled
 * by the mesh, with backoff.
 */
export async function buildLibp2p(init: Libp2pInit) {
  const admission = init.admission
  const node = await createLibp2p({
    start: false,
    privateKey: init.privateKey,
    addresses: {
      listen: init.listen,
      ...(init.announce === undefined || init.announce.length === 0 ? {} : { announce: init.announce }),
    },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: admission.gater,
    // Loopback peers share one IP: the default of 5 inbound connections per second refuses redials.
    // A node keeps maxConnections, not one per member (libp2p's default of 300 meant every node of a
    // hundred connected to all others, each connection with its own pings, DHT and gossip traffic).
    connectionManager: {
      ...(init.maxConnections === undefined ? {} : { maxConnections: init.maxConnections }),
      inboundConnectionThreshold: 100,
      maxIncomingPendingConnections: 50,
    },
    peerDiscovery: init.mdns ? [mdns()] : [],
    services: {
      identify: membersOnly(identify({ runOnConnectionOpen: false }), admission),
      // The DHT checks old contacts by ping while the mesh measures latency: one stream each would
      // collide, and a contact whose ping fails that way is evicted and disconnected.
      ping: ping({ maxOutboundStreams: 4, maxInboundStreams: 8 }),
      dht: membersOnly(
        kadDHT({
          protocol: dhtProtocol(init.dataspace),
          // Server mode from the start and keep private/loopback addresses: municipal networks are private.
          clientMode: false,
          peerInfoMapper: passthroughMapper,
        }),
        admission,
      ),
      pubsub: membersOnly(gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }), admission),
    },
  })
  return node satisfies Libp2p
}
