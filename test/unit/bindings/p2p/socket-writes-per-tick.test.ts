import '../../../../src/polyfills.js'
import assert from 'node:assert/strict'
import { Socket } from 'node:net'
import { after, before, describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { noise } from '@chainsafe/libp2p-noise'
import type { Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { socketWritesPerTick } from '../../../../src/bindings/p2p/socket-writes-per-tick.js'
import { wholeNoiseMessages } from '../../../../src/bindings/p2p/whole-noise-messages.js'
import { eventually } from '../../../support/cli-process.js'

const PROTOCOL = '/allmende/test/writes/1.0.0'

/** A node with Noise messages sent whole, as Allmende's, its socket corked each tick or not. */
function startNode(corking: boolean): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [
      corking ? socketWritesPerTick(wholeNoiseMessages(noise())) : wholeNoiseMessages(noise()),
    ],
    streamMuxers: [yamux({ enableKeepAlive: false })],
  })
}

describe('socketWritesPerTick', () => {
  let receiver: Libp2p
  /** Every byte the receiver read, by stream in the order they were opened. */
  const received: Uint8Array[][] = []

  before(async () => {
    receiver = await startNode(false)
    await receiver.handle(PROTOCOL, (stream: Stream) => {
      const chunks: Uint8Array[] = []
      received.push(chunks)
      stream.addEventListener('message', (event) => chunks.push(event.data.subarray().slice()))
      stream.send(new TextEncoder().encode('ready'))
    })
  })

  after(() => receiver.stop())

  /** A stream from a new sender to the receiver, open both ways, and the receiver's chunks of it. */
  async function openStream(t: TestContext, corking: boolean) {
    const sender = await startNode(corking)
    t.after(() => sender.stop())
    const stream = await sender.dialProtocol(receiver.getMultiaddrs()[0]!, PROTOCOL)
    await new Promise((resolve) => stream.addEventListener('message', resolve, { once: true }))
    await sleep(50)
    return { stream, chunks: received.at(-1)! }
  }

  /** Counts the socket's writes to the kernel (one `_write` or `_writev` each) to the receiver's port. */
  function countWrites(t: TestContext): () => number {
    const port = Number(
      receiver
        .getMultiaddrs()[0]!
        .getComponents()
        .find((component) => component.name === 'tcp')!.value,
    )
    const toReceiver = (socket: Socket) => socket.remotePort === port
    // a Writable's own methods, which Node's typings leave out
    const socket = Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>
    const writes = t.mock.method(socket, '_write')
    const writevs = t.mock.method(socket, '_writev')
    return () =>
      [...writes.mock.calls, ...writevs.mock.calls].filter((call) => toReceiver(call.this as Socket)).length
  }

  for (const [corking, expected] of [
    [true, 1],
    [false, 3],
  ] as const) {
    it(`${corking ? 'writes' : 'without it, writes'} three frames sent in one tick ${expected === 1 ? 'at once' : 'one by one'}`, async (t) => {
      const { stream, chunks } = await openStream(t, corking)
      const writes = countWrites(t)
      for (const text of ['one', 'two', 'three']) stream.send(new TextEncoder().encode(text))
      await eventually(async () => (chunks.length === 3 ? true : undefined), { what: 'three frames' })
      assert.deepEqual(
        chunks.map((chunk) => new TextDecoder().decode(chunk)),
        ['one', 'two', 'three'],
      )
      assert.equal(writes(), expected)
    })
  }

  it('delivers every byte in order when the socket pushes back', async (t) => {
    const { stream, chunks } = await openStream(t, true)
    const CHUNK = 64 * 1024
    const COUNT = 128
    let pushedBack = 0
    for (let i = 0; i < COUNT; i++) {
      if (!stream.send(new Uint8Array(CHUNK).fill(i))) {
        pushedBack++
        await new Promise((resolve) => stream.addEventListener('drain', resolve, { once: true }))
      }
    }
    const total = CHUNK * COUNT
    await eventually(
      async () => (chunks.reduce((sum, chunk) => sum + chunk.length, 0) === total ? true : undefined),
      {
        what: 'every byte',
      },
    )
    assert.ok(pushedBack > 0, 'the sender was held back at least once')
    const sent = Buffer.concat(Array.from({ length: COUNT }, (_, i) => new Uint8Array(CHUNK).fill(i)))
    assert.ok(Buffer.concat(chunks).equals(sent), 'the bytes as sent, in order')
  })
})
