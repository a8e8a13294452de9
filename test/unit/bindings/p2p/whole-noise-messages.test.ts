import '../../../../src/polyfills.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { ConnectionEncrypter, MultiaddrConnection } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { multiaddrConnectionPair } from '@libp2p/utils'
import { wholeNoiseMessages } from '../../../../src/bindings/p2p/whole-noise-messages.js'
import { eventually } from '../../../support/cli-process.js'

async function encrypter(wrap: boolean): Promise<ConnectionEncrypter> {
  const factory = wrap ? wholeNoiseMessages(noise()) : noise()
  return factory({ privateKey: await generateKeyPair('Ed25519'), logger: defaultLogger() } as never)
}

/** A Noise session over a pair of raw connections: a client that wraps or not, a server that never does. */
async function session(wrapClient: boolean) {
  const [clientRaw, serverRaw] = multiaddrConnectionPair()
  const options = { skipStreamMuxerNegotiation: true }
  const [client, server] = await Promise.all([
    (await encrypter(wrapClient)).secureOutbound(clientRaw, options),
    (await encrypter(false)).secureInbound(serverRaw, options),
  ])
  const buffersOnTheWire: number[] = []
  const received: Uint8Array[] = []
  // what the transport is handed per send: TCP writes each of these buffers with a call of its own
  serverRaw.addEventListener('message', (event) =>
    buffersOnTheWire.push(event.data instanceof Uint8Array ? 1 : [...event.data].length),
  )
  server.connection.addEventListener('message', (event) => received.push(event.data.subarray()))
  return { client: client.connection as MultiaddrConnection, buffersOnTheWire, received }
}

describe('Noise messages sent whole', () => {
  it('reach the transport as one buffer each, and the peer reads them as sent', async () => {
    const { client, buffersOnTheWire, received } = await session(true)
    const messages = ['first', 'second', 'third'].map((text) => new TextEncoder().encode(text))
    for (const message of messages) client.send(message)
    await eventually(async () => (received.length === 3 ? true : undefined), { what: 'three messages' })
    assert.deepEqual(received, messages)
    assert.deepEqual(buffersOnTheWire, [1, 1, 1])
  })

  it('are two buffers each without the wrapper (length and ciphertext), the cost it saves', async () => {
    const { client, buffersOnTheWire, received } = await session(false)
    client.send(new TextEncoder().encode('only'))
    await eventually(async () => (received.length === 1 ? true : undefined), { what: 'one message' })
    assert.deepEqual(buffersOnTheWire, [2])
  })
})
