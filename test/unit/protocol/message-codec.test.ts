import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  createCatalogRequestMessage,
  decodeMessage,
  encodeMessage,
  InvalidMessageError,
  MAX_MESSAGE_BYTES,
  MessageTooLargeError,
} from '../../../src/protocol/index.js'

const encoder = new TextEncoder()

describe('decodeMessage(bytes)', () => {
  it('parses UTF-8 JSON', () => {
    const message = createCatalogRequestMessage({ filter: [{ keyword: 'Straßenbäume' }] })
    assert.deepEqual(decodeMessage(encoder.encode(JSON.stringify(message))), message)
  })

  it('refuses malformed JSON with the parser detail', () => {
    assert.throws(
      () => decodeMessage(encoder.encode('{"@type": "CatalogRequestMessage",')),
      (error) => {
        assert.ok(error instanceof InvalidMessageError)
        assert.equal(error.code, 'ALLMENDE_INVALID_MESSAGE')
        assert.match(error.message, /^the message is not valid JSON: /)
        return true
      },
    )
    assert.throws(() => decodeMessage(new Uint8Array()), /not valid JSON/)
  })

  it('refuses bytes that are not UTF-8', () => {
    assert.throws(() => decodeMessage(new Uint8Array([0x7b, 0xff, 0x7d])), {
      code: 'ALLMENDE_INVALID_MESSAGE',
      message: 'the message is not valid UTF-8 text',
    })
  })

  it('refuses more than MAX_MESSAGE_BYTES (1 MiB) before parsing', () => {
    assert.equal(MAX_MESSAGE_BYTES, 1024 * 1024)
    const atLimit = encoder.encode(JSON.stringify({ pad: 'x'.repeat(MAX_MESSAGE_BYTES - 10) }))
    assert.equal(atLimit.byteLength, MAX_MESSAGE_BYTES)
    assert.deepEqual(Object.keys(decodeMessage(atLimit) as object), ['pad'])
    // One byte more, and not even JSON: the size check comes first.
    const tooBig = new Uint8Array(MAX_MESSAGE_BYTES + 1)
    assert.throws(
      () => decodeMessage(tooBig),
      (error) => {
        assert.ok(error instanceof MessageTooLargeError)
        assert.equal(error.code, 'ALLMENDE_MESSAGE_TOO_LARGE')
        assert.equal(error.size, MAX_MESSAGE_BYTES + 1)
        assert.equal(error.limit, MAX_MESSAGE_BYTES)
        assert.match(error.message, /1048577 bytes exceeds the limit of 1048576 bytes/)
        return true
      },
    )
  })

  it('honours a smaller limit', () => {
    assert.throws(() => decodeMessage(encoder.encode('{"a":1}'), 4), MessageTooLargeError)
  })
})

describe('encodeMessage(message)', () => {
  it('writes UTF-8 JSON that decodes to the same value', () => {
    const message = createCatalogRequestMessage()
    assert.deepEqual(decodeMessage(encodeMessage(message)), message)
  })

  it('refuses to write what the peer would refuse to read', () => {
    assert.throws(() => encodeMessage({ pad: 'ü'.repeat(MAX_MESSAGE_BYTES / 2) }), MessageTooLargeError)
  })
})
