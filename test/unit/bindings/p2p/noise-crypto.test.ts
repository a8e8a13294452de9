import '../../../../src/polyfills.js'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { describe, it } from 'node:test'
import { type ICryptoInterface, noise } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { MultiaddrConnection } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { multiaddrConnectionPair } from '@libp2p/utils'
import { noiseCrypto } from '../../../../src/bindings/p2p/noise-crypto.js'
import { eventually } from '../../../support/cli-process.js'

async function encrypter(cryptoImpl: ICryptoInterface) {
  return noise({ crypto: cryptoImpl })({
    privateKey: await generateKeyPair('Ed25519'),
    logger: defaultLogger(),
  } as never)
}

/** A Noise session over a pair of raw connections, each side with its own crypto; the client says `text`. */
async function exchange(client: ICryptoInterface, server: ICryptoInterface, text: string): Promise<string> {
  const [clientRaw, serverRaw] = multiaddrConnectionPair()
  const options = { skipStreamMuxerNegotiation: true }
  const [outbound, inbound] = await Promise.all([
    (await encrypter(client)).secureOutbound(clientRaw, options),
    (await encrypter(server)).secureInbound(serverRaw, options),
  ])
  const received: string[] = []
  inbound.connection.addEventListener('message', (event) =>
    received.push(new TextDecoder().decode(event.data.subarray())),
  )
  ;(outbound.connection as MultiaddrConnection).send(new TextEncoder().encode(text))
  return eventually(async () => received[0], { what: 'the message' })
}

describe('noiseCrypto', () => {
  it('agrees on the shared key with the library’s own Node crypto, both ways', () => {
    const ours = noiseCrypto.generateX25519KeyPair()
    const theirs = defaultCrypto.generateX25519KeyPair()
    const expected = defaultCrypto.generateX25519SharedKey(theirs.privateKey, ours.publicKey)
    assert.deepEqual(noiseCrypto.generateX25519SharedKey(ours.privateKey, theirs.publicKey), expected)
    // a private key it did not generate (imported from its raw bytes), twice: the second from its key object
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(noiseCrypto.generateX25519SharedKey(theirs.privateKey, ours.publicKey), expected)
    }
  })

  it('derives the same key pair from a seed as the library', () => {
    const seed = crypto.randomBytes(32)
    const ours = noiseCrypto.generateX25519KeyPairFromSeed(seed)
    const theirs = defaultCrypto.generateX25519KeyPairFromSeed(seed)
    assert.deepEqual(Buffer.from(ours.publicKey), Buffer.from(theirs.publicKey))
    assert.deepEqual(Buffer.from(ours.privateKey), Buffer.from(theirs.privateKey))
  })

  it('completes a handshake with a peer on the library’s crypto, as initiator and as responder', async () => {
    assert.equal(await exchange(noiseCrypto, defaultCrypto, 'to the library'), 'to the library')
    assert.equal(await exchange(defaultCrypto, noiseCrypto, 'from the library'), 'from the library')
    assert.equal(await exchange(noiseCrypto, noiseCrypto, 'between ours'), 'between ours')
  })

  it('imports no X25519 private key and each peer key once in a handshake (the library: both keys of each of 3 DH)', async (t) => {
    const privateImports = t.mock.method(crypto, 'createPrivateKey')
    const publicImports = t.mock.method(crypto, 'createPublicKey')
    // the X25519 keys go in as DER; the Ed25519 identity keys that sign the handshake go in as JWK
    const x25519 = (mock: typeof privateImports | typeof publicImports) =>
      mock.mock.calls.filter((call) => (call.arguments[0] as { format?: string }).format === 'der').length
    await exchange(noiseCrypto, noiseCrypto, 'counted')
    assert.equal(x25519(privateImports), 0)
    assert.equal(x25519(publicImports), 4, 'two per side: the peer’s ephemeral and static keys')
    privateImports.mock.resetCalls()
    publicImports.mock.resetCalls()
    await exchange(defaultCrypto, defaultCrypto, 'counted')
    assert.equal(x25519(privateImports), 6)
    assert.equal(x25519(publicImports), 6)
  })
})
