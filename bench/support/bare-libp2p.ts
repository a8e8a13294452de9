// The yardstick of bench/living's idle figures: a bare libp2p node with the transports and services an
// Allmende node runs (TCP, Noise, yamux, identify, ping, a Kademlia DHT, gossipsub) and nothing of
// Allmende's own, idle and alone. Prints `ready` once it listens; ends on SIGTERM.
import '../../src/polyfills.js'
import { noise } from '@chainsafe/libp2p-noise'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: {
    identify: identify(),
    ping: ping(),
    dht: kadDHT({
      protocol: '/allmende/bench/kad/1.0.0',
      clientMode: false,
      peerInfoMapper: passthroughMapper,
    }),
    pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }),
  },
})
node.services.pubsub.subscribe('/allmende/bench/1.0.0')
console.log('ready')
process.once('SIGTERM', async () => {
  await node.stop()
  process.exit(0)
})
