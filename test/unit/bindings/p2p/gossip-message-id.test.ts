import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gossipMessageId } from '../../../../src/bindings/p2p/gossip-message-id.js'

const bytes = (text: string) => new TextEncoder().encode(text)
const message = {
  topic: '/allmende/abc/catalog/1.0.0',
  from: bytes('peer'),
  seqno: bytes('00000001'),
  data: bytes('{"summary":true}'),
  signature: bytes('signature'),
  key: bytes('key'),
}

describe('the id under which gossip drops a copy before checking its signature', () => {
  it('is the same for two copies identical byte for byte', () => {
    assert.equal(gossipMessageId(message), gossipMessageId(structuredClone(message)))
  })

  it('differs when any part differs, a forged signature included', () => {
    const id = gossipMessageId(message)
    for (const part of ['from', 'seqno', 'data', 'signature', 'key'] as const) {
      assert.notEqual(gossipMessageId({ ...message, [part]: bytes('other') }), id, part)
      assert.notEqual(gossipMessageId({ ...message, [part]: undefined }), id, `${part} missing`)
    }
    assert.notEqual(gossipMessageId({ ...message, topic: '/allmende/abc/membership/1.0.0' }), id)
  })

  it('keeps the parts apart: bytes moved from one part to the next make another id', () => {
    assert.notEqual(
      gossipMessageId({ ...message, from: bytes('pee'), seqno: bytes('r00000001') }),
      gossipMessageId(message),
    )
  })
})
