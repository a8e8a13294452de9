import '../../../../src/polyfills.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import {
  PROTOCOL_REMERGE_MS,
  skipRepeatedProtocolMerges,
} from '../../../../src/bindings/p2p/protocol-merges.js'

const PING = '/ipfs/ping/1.0.0'
const KAD = '/allmende/test/kad/1.0.0'

/** A libp2p node's own peer store (not started) with the skip applied, a clock to move, and a peer it knows. */
async function peerStoreWithPeer() {
  const node = await createLibp2p({ start: false, privateKey: await generateKeyPair('Ed25519') })
  let now = 1_000_000
  skipRepeatedProtocolMerges(node.peerStore, () => now)
  const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  await node.peerStore.merge(peer, { multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/4001')] })
  return {
    store: node.peerStore,
    peer,
    advance: (ms: number) => {
      now += ms
    },
  }
}

describe('repeated protocol merges', () => {
  it('answers a protocol the record was given lately without writing it again', async () => {
    const { store, peer } = await peerStoreWithPeer()
    const written = await store.merge(peer, { protocols: [PING] })
    // libp2p's own merge reads, encodes and writes the record each time and answers with a new object
    assert.equal(await store.merge(peer, { protocols: [PING] }), written)
    assert.deepEqual((await store.get(peer)).protocols, [PING])
  })

  it('writes a protocol the record does not hold yet, and one merged longer ago than the window', async () => {
    const { store, peer, advance } = await peerStoreWithPeer()
    const first = await store.merge(peer, { protocols: [PING] })
    const second = await store.merge(peer, { protocols: [KAD] })
    assert.notEqual(second, first)
    assert.deepEqual((await store.get(peer)).protocols.toSorted(), [KAD, PING])
    advance(PROTOCOL_REMERGE_MS)
    assert.notEqual(await store.merge(peer, { protocols: [PING] }), second)
  })

  it('writes again after the record was deleted or its protocols replaced', async () => {
    const { store, peer } = await peerStoreWithPeer()
    await store.merge(peer, { protocols: [PING, KAD] })
    await store.delete(peer)
    await store.merge(peer, { protocols: [PING] })
    assert.deepEqual((await store.get(peer)).protocols, [PING])
    // identify patches the record with the peer's own list of protocols
    await store.patch(peer, { protocols: [KAD] })
    await store.merge(peer, { protocols: [PING] })
    assert.deepEqual((await store.get(peer)).protocols.toSorted(), [KAD, PING])
  })

  it('does not take a merge that ran beside a patch for the record', async () => {
    const { store, peer } = await peerStoreWithPeer()
    const merging = store.merge(peer, { protocols: [PING] })
    const patching = store.patch(peer, { protocols: [KAD] })
    await Promise.all([merging, patching])
    await store.merge(peer, { protocols: [PING] })
    assert.deepEqual((await store.get(peer)).protocols.toSorted(), [KAD, PING])
  })

  it('passes merges that bring more than protocols', async () => {
    const { store, peer } = await peerStoreWithPeer()
    const written = await store.merge(peer, { protocols: [PING] })
    const tagged = await store.merge(peer, { protocols: [PING], tags: { mesh: { value: 100 } } })
    assert.notEqual(tagged, written)
    assert.equal((await store.get(peer)).tags.get('mesh')?.value, 100)
  })
})
