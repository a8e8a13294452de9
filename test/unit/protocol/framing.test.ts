import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  createContractNegotiation,
  createContractRequestMessage,
  encodeFrame,
  FrameDecoder,
  InvalidFrameError,
  InvalidMessageError,
  MAX_MESSAGE_BYTES,
  MessageTooLargeError,
  parseMessage,
} from '../../../src/protocol/index.js'

/** Unsigned varint (LEB128) of `value`, written independently of the implementation under test. */
function varint(value: number): number[] {
  const out: number[] = []
  do {
    let byte = value % 128
    value = Math.floor(value / 128)
    if (value > 0) byte |= 0x80
    out.push(byte)
  } while (value > 0)
  return out
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

const request = createContractRequestMessage({
  consumerPid: 'urn:uuid:c1',
  callbackAddress: '/p2p/12D3KooWExample',
  offer: { '@type': 'Offer', '@id': 'urn:offer:1', target: 'urn:dataset:1', permission: [{ action: 'use' }] },
})
const ack = createContractNegotiation({
  providerPid: 'urn:uuid:p1',
  consumerPid: 'urn:uuid:c1',
  state: 'REQUESTED',
})

describe('encodeFrame(message)', () => {
  it('is an unsigned varint length followed by the UTF-8 JSON', () => {
    const json = new TextEncoder().encode(JSON.stringify(request))
    assert.ok(json.byteLength >= 128, 'long enough for a two-byte prefix')
    assert.deepEqual(encodeFrame(request), concat(new Uint8Array(varint(json.byteLength)), json))
  })

  it('writes the varint little-endian, 7 bits a byte (300 → AC 02)', () => {
    const payload = { p: 'x'.repeat(300 - 8) }
    assert.equal(JSON.stringify(payload).length, 300)
    assert.deepEqual([...encodeFrame(payload).subarray(0, 2)], [0xac, 0x02])
  })

  it('uses one prefix byte up to 127 bytes and three at 1 MiB', () => {
    assert.deepEqual([...encodeFrame({}).subarray(0, 1)], [2])
    const big = { pad: 'x'.repeat(MAX_MESSAGE_BYTES - 10) }
    assert.deepEqual([...encodeFrame(big).subarray(0, 3)], varint(MAX_MESSAGE_BYTES))
  })

  it('refuses a message over the limit', () => {
    assert.throws(() => encodeFrame({ pad: 'x'.repeat(MAX_MESSAGE_BYTES) }), MessageTooLargeError)
  })
})

describe('FrameDecoder', () => {
  it('yields the objects of complete frames, in order, from one chunk', () => {
    const decoder = new FrameDecoder()
    const out = decoder.push(concat(encodeFrame(request), encodeFrame(ack)))
    assert.deepEqual(out, [request, ack])
    assert.equal(parseMessage(out[0]), out[0])
    decoder.end()
  })

  it('reassembles frames split at every byte boundary', () => {
    const bytes = concat(encodeFrame(request), encodeFrame(ack), encodeFrame({ n: 'ö€😀' }))
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const decoder = new FrameDecoder()
      const out: unknown[] = []
      for (let offset = 0; offset < bytes.byteLength; offset += size) {
        out.push(...decoder.push(bytes.subarray(offset, offset + size)))
      }
      assert.deepEqual(out, [request, ack, { n: 'ö€😀' }], `chunks of ${size}`)
      assert.equal(decoder.pending, 0)
      decoder.end()
    }
  })

  it('returns nothing until a frame is complete', () => {
    const frame = encodeFrame(ack)
    const decoder = new FrameDecoder()
    assert.deepEqual(decoder.push(frame.subarray(0, frame.byteLength - 1)), [])
    const prefix = varint(JSON.stringify(ack).length).length
    assert.equal(decoder.pending, frame.byteLength - 1 - prefix, 'the prefix is consumed, the payload waits')
    assert.deepEqual(decoder.push(frame.subarray(frame.byteLength - 1)), [ack])
  })

  it('refuses a declared length over the limit as soon as the prefix says so', () => {
    const decoder = new FrameDecoder()
    // Only the prefix arrives: 1 MiB + 1 declared, no payload buffered yet.
    assert.throws(
      () => decoder.push(new Uint8Array(varint(MAX_MESSAGE_BYTES + 1))),
      (error) => {
        assert.ok(error instanceof MessageTooLargeError)
        assert.equal(error.size, MAX_MESSAGE_BYTES + 1)
        return true
      },
    )
    // The stream is out of step now: further input is refused.
    assert.throws(() => decoder.push(new Uint8Array([1])), MessageTooLargeError)
    assert.throws(() => decoder.end(), MessageTooLargeError)
  })

  it('refuses an absurd length after its first bytes, not after 2^53 bytes', () => {
    const decoder = new FrameDecoder()
    assert.throws(() => decoder.push(new Uint8Array([0xff, 0xff, 0xff])), MessageTooLargeError)
    const small = new FrameDecoder(100)
    assert.throws(() => small.push(new Uint8Array([0x80, 0x80])), MessageTooLargeError)
  })

  it('accepts exactly the limit', () => {
    const decoder = new FrameDecoder(16)
    assert.deepEqual(decoder.push(encodeFrame({ a: 'xxxxxxxx' }, 16)), [{ a: 'xxxxxxxx' }])
  })

  it('refuses a frame whose payload is not JSON', () => {
    const payload = new TextEncoder().encode('{not json')
    const decoder = new FrameDecoder()
    assert.throws(
      () => decoder.push(concat(new Uint8Array([payload.byteLength]), payload)),
      InvalidMessageError,
    )
  })

  it('end() reports a frame cut off by the end of the stream', () => {
    const frame = encodeFrame(ack)
    const truncated = new FrameDecoder()
    truncated.push(frame.subarray(0, 10))
    assert.throws(
      () => truncated.end(),
      (error) => {
        assert.ok(error instanceof InvalidFrameError)
        assert.equal(error.code, 'ALLMENDE_INVALID_FRAME')
        assert.match(error.message, /stream ended inside a frame/)
        return true
      },
    )
    const halfPrefix = new FrameDecoder()
    halfPrefix.push(new Uint8Array([0x85]))
    assert.throws(() => halfPrefix.end(), /its length prefix/)
  })
})
