import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { nodeKeyFromSeed } from '../../../src/identity/index.js'

// RFC 8032, section 7.1, test 1: an Ed25519 seed and its public key.
const SEED = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')
const PUBLIC_KEY = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex')

describe('nodeKeyFromSeed', () => {
  it("gives a seed's Ed25519 public key to all three faces of the key", async () => {
    const key = await nodeKeyFromSeed(new Uint8Array(SEED))
    assert.deepEqual(Buffer.from(key.publicKey), PUBLIC_KEY)
    assert.deepEqual(Buffer.from(key.privateKey.publicKey.raw), PUBLIC_KEY)
    assert.ok(key.peerId.equals(peerIdFromPublicKey(publicKeyFromRaw(PUBLIC_KEY))))
    assert.ok(key.did.startsWith('did:key:z6Mk'))
  })

  it('signs as libp2p does: either signature verifies with the public key', async () => {
    const key = await nodeKeyFromSeed(new Uint8Array(SEED))
    const message = new TextEncoder().encode('Kusel')
    const publicKey = publicKeyFromRaw(PUBLIC_KEY)
    assert.ok(await publicKey.verify(message, key.sign(message)))
    assert.ok(await publicKey.verify(message, await key.privateKey.sign(message)))
    assert.deepEqual(Buffer.from(key.sign(message)), Buffer.from(await key.privateKey.sign(message)))
  })
})
