// One side of the connection set-up bench (bench/connection-setup.ts): a libp2p node with the transport,
// encrypter and muxer an Allmende node runs (TCP, Noise as create-libp2p.ts wraps it, yamux) and no
// services. argv[2] picks the Noise crypto: `ours` (noise-crypto.ts) or `library` (@chainsafe/libp2p-noise's
// default, what a node used before). Answers IPC requests with the CPU milliseconds it spent on each.
import '../../src/polyfills.js'
import { type ICryptoInterface, noise } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { noiseCrypto } from '../../src/bindings/p2p/noise-crypto.js'
import { wholeNoiseMessages } from '../../src/bindings/p2p/whole-noise-messages.js'

/** What the bench asks a side: its address, or to dial `address` `count` times, one connection at a time. */
export type ConnectionSideRequest =
  | { readonly op: 'address' }
  | { readonly op: 'dial'; readonly address: string; readonly count: number }
  | { readonly op: 'cpu' }

const cryptos: Record<string, ICryptoInterface> = { ours: noiseCrypto, library: defaultCrypto }
const chosen = cryptos[process.argv[2] ?? '']
if (chosen === undefined) throw new TypeError(`usage: connection-side.js ours|library`)

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [wholeNoiseMessages(noise({ crypto: chosen }))],
  streamMuxers: [yamux({ enableKeepAlive: false })],
  connectionManager: { inboundConnectionThreshold: 1_000_000, maxIncomingPendingConnections: 100 },
})

let since = process.cpuUsage()
/** CPU milliseconds since the last answer. */
function cpuMs(): number {
  const used = process.cpuUsage(since)
  since = process.cpuUsage()
  return (used.user + used.system) / 1000
}

process.on('message', async (request: ConnectionSideRequest & { id: number }) => {
  if (request.op === 'dial') {
    cpuMs()
    const address = multiaddr(request.address)
    for (let i = 0; i < request.count; i++) {
      const connection = await node.dial(address)
      await connection.close()
    }
  }
  const result = request.op === 'address' ? node.getMultiaddrs()[0]!.toString() : undefined
  process.send!({ id: request.id, result, cpuMs: cpuMs() })
})
process.send!({ id: -1 })
