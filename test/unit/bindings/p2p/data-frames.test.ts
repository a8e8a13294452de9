import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  DataFrameDecoder,
  encodeControl,
  FRAME_CONTROL,
  FRAME_DATA,
  frameHeader,
  MAX_CONTROL_FRAME_BYTES,
  MAX_DATA_FRAME_BYTES,
  parseControl,
} from '../../../../src/bindings/p2p/index.js'
import { DataProtocolError } from '../../../../src/transfer/index.js'

const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))

describe('DataFrameDecoder', () => {
  it('reassembles control and data frames pushed in arbitrary pieces', () => {
    const [h1, p1] = encodeControl({
      type: 'header',
      transfer: 'urn:t',
      mediaType: 'text/csv',
      offset: 0,
      size: 5,
    })
    const data = new Uint8Array([1, 2, 3, 4, 5])
    const [h3, p3] = encodeControl({ type: 'end', bytes: 5, sha256: 'a'.repeat(64) })
    const wire = Buffer.concat([h1, p1, frameHeader(FRAME_DATA, data.byteLength), data, h3, p3])
    for (const step of [1, 3, 7, wire.byteLength]) {
      const decoder = new DataFrameDecoder()
      const frames = []
      for (let at = 0; at < wire.byteLength; at += step) {
        decoder.push(wire.subarray(at, at + step))
        for (let f = decoder.next(); f !== undefined; f = decoder.next()) frames.push(f)
      }
      assert.equal(frames.length, 3, `step ${step}`)
      assert.equal(frames[0]!.kind, FRAME_CONTROL)
      assert.deepEqual(frames[1]!.kind === FRAME_DATA && [...frames[1]!.bytes.subarray()], [1, 2, 3, 4, 5])
      assert.deepEqual(frames[2]!.kind === FRAME_CONTROL && frames[2]!.message, {
        type: 'end',
        bytes: 5,
        sha256: 'a'.repeat(64),
      })
      assert.equal(decoder.bufferedBytes, 0)
    }
  })

  it('refuses an oversized frame from its header, before its payload arrives', () => {
    const decoder = new DataFrameDecoder()
    decoder.push(frameHeader(FRAME_DATA, MAX_DATA_FRAME_BYTES + 1))
    assert.throws(() => decoder.next(), DataProtocolError)
    const control = new DataFrameDecoder()
    control.push(frameHeader(FRAME_CONTROL, MAX_CONTROL_FRAME_BYTES + 1))
    assert.throws(() => control.next(), /exceeds the limit/)
  })

  it('refuses an unknown frame kind', () => {
    const decoder = new DataFrameDecoder()
    decoder.push(frameHeader(9, 0))
    assert.throws(() => decoder.next(), /unknown data plane frame kind 9/)
  })

  it('waits for the rest of a frame', () => {
    const decoder = new DataFrameDecoder()
    decoder.push(frameHeader(FRAME_DATA, 4))
    decoder.push(new Uint8Array([1, 2]))
    assert.equal(decoder.next(), undefined)
    decoder.push(new Uint8Array([3, 4]))
    assert.equal(decoder.next()?.kind, FRAME_DATA)
  })
})

describe('parseControl', () => {
  it('accepts each well-formed message', () => {
    for (const message of [
      {
        type: 'request',
        token: 't',
        agreementId: 'urn:a',
        offset: 10,
        query: { from: '2026-01-01T00:00:00Z' },
      },
      { type: 'header', transfer: 'urn:t', mediaType: 'text/csv', offset: 0 },
      { type: 'ack', offset: 1048576 },
      { type: 'end', bytes: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
      { type: 'receipt', receipt: { agreement: 'urn:a' } },
      { type: 'error', code: 'ALLMENDE_DATA_ACCESS_DENIED', reasonCode: 'POLICY_DENIED', reason: 'count' },
    ]) {
      assert.deepEqual(parseControl(text(message)), message)
    }
  })

  it('names what a malformed message lacks', () => {
    assert.throws(
      () => parseControl(text({ type: 'request', agreementId: 'urn:a' })),
      /request frame needs a "token"/,
    )
    assert.throws(
      () => parseControl(text({ type: 'request', token: 't', agreementId: 'a', offset: -1 })),
      /offset/,
    )
    assert.throws(() => parseControl(text({ type: 'end', bytes: 1, sha256: 'XYZ' })), /sha256/)
    assert.throws(() => parseControl(text({ type: 'ack' })), /offset/)
    assert.throws(() => parseControl(text({ type: 'dance' })), /unknown control frame type "dance"/)
    assert.throws(() => parseControl(text([1])), /not a JSON object/)
    assert.throws(() => parseControl(new TextEncoder().encode('{')), /not JSON/)
  })
})
