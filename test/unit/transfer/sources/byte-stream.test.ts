import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encodeNdjson, windowBytes } from '../../../../src/transfer/sources/byte-stream.js'
import { SourceRangeError } from '../../../../src/transfer/sources/errors.js'

async function* from(parts: readonly string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield Buffer.from(part)
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = []
  for await (const chunk of chunks) out.push(Buffer.from(chunk).toString())
  return out
}

describe('windowBytes', () => {
  const parts = ['abcde', 'fghij', 'klmno']
  it('skips across chunk boundaries and limits the length', async () => {
    assert.deepEqual(
      await collect(windowBytes(from(parts), { skip: 7, length: 5, maxChunk: 100, where: 't' })),
      ['hij', 'kl'],
    )
    assert.equal(
      (await collect(windowBytes(from(parts), { skip: 0, maxChunk: 100, where: 't' }))).join(''),
      parts.join(''),
    )
  })

  it('splits chunks larger than maxChunk', async () => {
    assert.deepEqual(await collect(windowBytes(from(['abcdefgh']), { skip: 1, maxChunk: 3, where: 't' })), [
      'bcd',
      'efg',
      'h',
    ])
  })

  it('stops pulling from upstream once the length is reached', async () => {
    let pulled = 0
    async function* counting(): AsyncGenerator<Uint8Array> {
      for (;;) {
        pulled++
        yield Buffer.from('xxxxxxxxxx')
      }
    }
    assert.equal(
      (await collect(windowBytes(counting(), { skip: 5, length: 12, maxChunk: 4, where: 't' }))).join(''),
      'x'.repeat(12),
    )
    assert.equal(pulled, 2)
  })

  it('refuses a skip beyond the end of a finite stream', async () => {
    await assert.rejects(
      collect(windowBytes(from(parts), { skip: 16, maxChunk: 100, where: 't' })),
      SourceRangeError,
    )
    assert.deepEqual(await collect(windowBytes(from(parts), { skip: 15, maxChunk: 100, where: 't' })), [])
  })
})

describe('encodeNdjson', () => {
  it('writes one canonical JSON record a line, the same bytes whatever the key order', () => {
    assert.deepEqual(encodeNdjson([{ x: 1, y: 2 }]), encodeNdjson([{ y: 2, x: 1 }]))
    assert.equal(Buffer.from(encodeNdjson([{ a: 1 }, { b: 2 }])).toString(), '{"a":1}\n{"b":2}\n')
  })
})
