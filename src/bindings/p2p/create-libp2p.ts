import { noise } from '@chainsafe/libp2p-noise'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import {
  type Connection,
  type Ed25519PrivateKey,
  isPeerId,
  KEEP_ALIVE,
  type Libp2p,
  type PeerData,
  type PeerStore,
  type Stream,
} from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { dhtProtocol } from '../../protocol/index.js'
import type { PeerAdmission } from './admission.js'
import { CLOSE_TAGS_INTERVAL_MS, withCloseTagsEvery } from './dht-close-tags.js'
import { NotConnectedError } from './errors.js'
import { gossipMessageId } from './gossip-message-id.js'
import { membersOnly } from './member-gate.js'
import { noiseCrypto } from './noise-crypto.js'
import { skipRepeatedProtocolMerges } from './protocol-merges.js'
import { scoresDecayInHeartbeat } from './score-decay-in-heartbeat.js'
import { wholeNoiseMessages } from './whole-noise-messages.js'
import { grantWindowAtHalf } from './yamux-window-updates.js'

export interface Libp2pInit {
  privateKey: Ed25519PrivateKey
  dataspace: string
  listen: string[]
  /** Addresses peers must dial instead of the listen addresses (NAT, containers, DNS names). */
  announce?: string[]
  mdns: boolean
  admission: PeerAdmission
  /**
   * Most connections kept when idle (the peer mesh trims to it); libp2p itself is given a ceiling well above,
   * see {@link connectionCeiling}. Without it, libp2p's default of 300.
   */
  maxConnections?: number
  /** Whether this node is a trust anchor of its data space: it keeps every member's connection. */
  anchor?: boolean
}

/**
 * libp2p pings every connection this often (its connection monitor; the API's peer latency is its round
 * trip). Each ping is a new stream on both sides (protocol negotiation, a peer store update): at 30 s they
 * were most of the streams an idle member opened. A peer that exits closes its sockets, so this only finds
 * connections that died silently (a cut network), within about two and a half minutes.
 */
const MONITOR_INTERVAL_MS = 120_000
/** A ping answered later than this closes the connection: generous, a busy machine is no dead peer. */
const MONITOR_TIMEOUT_MS = 20_000

/**
 * The connection limit libp2p enforces for a node that keeps `maxConnections`: a ceiling against floods,
 * not the mesh's size. Past its limit libp2p's pruner closes at once the connection with the fewest streams,
 * which is the newest one a peer opened for a request before its first stream (a negotiation failed with
 * ECONNRESET at a provider at its limit); trimming to `maxConnections` is the mesh's, once a connection is
 * idle and past its grace period.
 */
export function connectionCeiling(maxConnections: number, anchor: boolean): number {
  return Math.max(anchor ? ANCHOR_CEILING : 64, 4 * maxConnections)
}

/** An anchor keeps a connection to every member that dials it (see the peer mesh's pruning): hundreds. */
const ANCHOR_CEILING = 1_000

/**
 * Gossip settings for a private data space of up to hundreds of admitted members whose messages are few and
 * small (announcements, summaries of at most a few KiB). Every node hears a message from each of its mesh
 * peers, so the mesh degree is the cost of each message: four (not six) keeps a mesh of degree three or more
 * connected and a few hops across (a publisher also floods its own message to every member it holds a
 * connection to). Gossip about recent messages (IHAVE) goes to fewer peers outside the mesh, as summaries
 * repeat a provider's changes anyway: an anchor with a hundred connections sent it to a quarter of them every
 * second. No IDONTWANT: for messages this small it cost a frame to every mesh peer, and on a loaded machine it
 * arrived after the duplicate it was to spare.
 */
const QUIET_GOSSIP = {
  D: 4,
  Dlo: 3,
  Dhi: 8,
  Dscore: 2,
  Dlazy: 3,
  gossipFactor: 0.1,
  idontwantMinDataSize: Number.POSITIVE_INFINITY,
} as const

/** The services every Allmende node runs; typed so callers reach `services.dht` etc. */
export type AllmendeLibp2p = Awaited<ReturnType<typeof buildLibp2p>>

/**
 * Builds (not starts) the libp2p node: TCP, Noise, yamux, identify, ping, a Kademlia DHT private to
 * the data space, gossipsub, and optionally mDNS discovery. DHT, gossipsub and identify serve and meet
 * admitted peers only ({@link membersOnly}); identify runs once a peer is admitted (the mesh asks for
 * it), so a stranger learns neither addresses nor protocols. The DHT asks connected peers only
 * ({@link withoutDialling}): bootstrap, remembered and discovered peers are dialled by the mesh, with backoff.
 */
export async function buildLibp2p(init: Libp2pInit) {
  const admission = init.admission
  grantWindowAtHalf()
  const node = await createLibp2p({
    start: false,
    privateKey: init.privateKey,
    addresses: {
      listen: init.listen,
      ...(init.announce === undefined || init.announce.length === 0 ? {} : { announce: init.announce }),
    },
    transports: [tcp()],
    // Our X25519 key handling: a connection set-up cost 14 % less CPU on the dialling side, 9 % on the
    // listening one (bench/connection-setup.ts against the library's own Node crypto).
    connectionEncrypters: [wholeNoiseMessages(noise({ crypto: noiseCrypto }))],
    // No yamux keep-alive: it pinged every connection every 30 s besides the connection monitor, and only
    // logged a ping that failed (the monitor closes such a connection).
    streamMuxers: [yamux({ enableKeepAlive: false })],
    connectionGater: admission.gater,
    // Loopback peers share one IP: the default of 5 inbound connections per second refuses redials.
    // A node keeps maxConnections, not one per member (libp2p's default of 300 meant every node of a
    // hundred connected to all others, each connection with its own pings, DHT and gossip traffic).
    connectionManager: {
      ...(init.maxConnections === undefined
        ? {}
        : { maxConnections: connectionCeiling(init.maxConnections, init.anchor === true) }),
      inboundConnectionThreshold: 100,
      maxIncomingPendingConnections: 50,
      // A dial's own signal bounds it; libp2p's cap of 6 s per address cut the mesh's patient dials of a
      // busy anchor short (ANCHOR_DIAL_TIMEOUT_MS in peer-mesh.ts).
      addressDialTimeout: 15_000,
    },
    connectionMonitor: { pingInterval: MONITOR_INTERVAL_MS, pingTimeout: { minTimeout: MONITOR_TIMEOUT_MS } },
    // mDNS is off by default: only a node that uses it loads it.
    peerDiscovery: init.mdns ? [(await import('@libp2p/mdns')).mdns()] : [],
    services: {
      identify: membersOnly(identify({ runOnConnectionOpen: false }), admission),
      // The DHT checks old contacts by ping while the mesh measures latency: one stream each would
      // collide, and a contact whose ping fails that way is evicted and disconnected.
      ping: ping({ maxOutboundStreams: 4, maxInboundStreams: 8 }),
      dht: membersOnly(
        withoutDialling(
          withoutKeepAlive(
            withCloseTagsEvery(
              CLOSE_TAGS_INTERVAL_MS,
              kadDHT({
                protocol: dhtProtocol(init.dataspace),
                // Server mode from the start and keep private/loopback addresses: municipal networks are private.
                clientMode: false,
                peerInfoMapper: passthroughMapper,
              }),
            ),
          ),
        ),
        admission,
      ),
      // A node's own announcement goes to every connected member on the topic (a connection limit bounds
      // them), relayed ones to the gossip mesh only: each relay hop waits for a busy node's turn, and with
      // the first hop to the mesh alone a change took about 1.8 s to reach 29 nodes on one loaded machine.
      pubsub: membersOnly(
        scoresDecayInHeartbeat(
          gossipsub({
            allowPublishToZeroTopicPeers: true,
            emitSelf: false,
            floodPublish: true,
            // No penalty for peers sharing an IP address: every peer passed admission, and several Kommunen
            // behind one municipal IT provider's NAT share one (with more than ten on one address gossipsub
            // stopped exchanging messages with them: a new dataset reached none of 29 nodes on 127.0.0.1).
            // Scores keep gossipsub's decay of every second (one every 10 s would let the penalties of a loaded
            // start-up stand up to ten times as long), in the heartbeat's wake-up instead of one of their own.
            scoreParams: { IPColocationFactorWeight: 0 },
            fastMsgIdFn: gossipMessageId,
            ...QUIET_GOSSIP,
          }),
        ),
        admission,
      ),
    },
  })
  skipRepeatedProtocolMerges(node.peerStore)
  return node satisfies Libp2p
}

/**
 * Wraps the DHT so it cannot keep peers connected by itself: it tags its twenty closest peers "keep-alive",
 * and libp2p then redials them whenever they drop. In a data space of hundreds that alone fills a node's
 * connection limit and fights it (a redial, a pruned connection, a redial: each one a new admission
 * handshake). The DHT's other tags stay (the connection manager closes its closest peers last); whom a
 * node keeps is the peer mesh's decision.
 */
function withoutKeepAlive<C extends object, S>(factory: (components: C) => S): (components: C) => S {
  return (components) => {
    const real = (components as { peerStore: PeerStore }).peerStore
    const strip = (data: PeerData): PeerData =>
      data.tags === undefined
        ? data
        : {
            ...data,
            tags: Object.fromEntries(
              Object.entries(data.tags).filter(([name]) => !name.startsWith(KEEP_ALIVE)),
            ),
          }
    const peerStore = overriding(real, (prop, target, receiver) => {
      if (prop !== 'merge' && prop !== 'patch' && prop !== 'save') return undefined
      const write = Reflect.get(target, prop, receiver) as PeerStore['merge']
      return (
        id: Parameters<PeerStore['merge']>[0],
        data: PeerData,
        options?: Parameters<PeerStore['merge']>[2],
      ) => write.call(target, id, strip(data), options)
    })
    return factory(withComponent(components, 'peerStore', peerStore))
  }
}

/** What {@link withoutDialling} wraps of the connection manager. */
interface StreamOpener {
  openStream(peer: unknown, protocol: string | string[], options?: unknown): Promise<Stream>
  getConnections(peer?: unknown): Connection[]
}

/** What {@link withoutDialling} wraps of the ping service. */
interface Pinger {
  ping(peer: unknown, options?: unknown): Promise<number>
}

/**
 * Wraps the DHT so it asks only the peers this node is connected to and never dials one: a query walked to
 * its end dials every member on the way (its start-up self-query and table refreshes as much as the mesh's
 * walks), each dial an admission handshake on both sides, and the mesh closed most of those connections again
 * over the limit (at N = 30 some 600 handshakes and 500 closes in a start-up where about 100 connections were
 * wanted). The answers still name members further away: the mesh dials those it wants. The DHT's pings go
 * the same way: it pings every member an answer names before taking it into its routing table, and the ping
 * service dials whom it pings (at N = 30 these were more than half of the connections the members opened in
 * the first half minute, nearly all closed again over the limit). A member not connected stays out of the
 * table until the mesh connects it.
 */
function withoutDialling<C extends object, S>(factory: (components: C) => S): (components: C) => S {
  return (components) => {
    const real = (components as { connectionManager: StreamOpener }).connectionManager
    const connected = (peer: unknown) =>
      !isPeerId(peer) || real.getConnections(peer).some((connection) => connection.status === 'open')
    const notConnected = (peer: unknown) => Promise.reject(new NotConnectedError(String(peer)))
    const connectionManager = overriding(real, (prop, target) => {
      if (prop !== 'openStream') return undefined
      return (peer: unknown, protocol: string | string[], options?: unknown) =>
        connected(peer) ? target.openStream(peer, protocol, options) : notConnected(peer)
    })
    const ping = overriding((components as { ping: Pinger }).ping, (prop, target) => {
      if (prop !== 'ping') return undefined
      return (peer: unknown, options?: unknown) =>
        connected(peer) ? target.ping(peer, options) : notConnected(peer)
    })
    const withConnectionManager = withComponent(components, 'connectionManager', connectionManager)
    return factory(withComponent(withConnectionManager, 'ping', ping))
  }
}

/** A proxy of `target` whose property is `override`'s value where it gives one, else the target's (bound). */
function overriding<T extends object>(
  target: T,
  override: (prop: string | symbol, target: T, receiver: unknown) => unknown,
): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const replaced = override(prop, t, receiver)
      if (replaced !== undefined) return replaced
      const value = Reflect.get(t, prop, receiver)
      return typeof value === 'function' ? value.bind(t) : value
    },
  })
}

/** The components a service gets, with one of them replaced. */
function withComponent<C extends object>(components: C, name: string, replacement: unknown): C {
  return new Proxy(components, {
    get(target, prop, receiver) {
      return prop === name ? replacement : Reflect.get(target, prop, receiver)
    },
  })
}
