import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { Uint8ArrayList } from 'uint8arraylist'
import { ContentDigest, readAhead, skipHashed } from '../../../../src/transfer/index.js'

async function* chunked(bytes: Uint8Array, size: number) {
  for (let at = 0; at < bytes.byteLength; at += size) yield bytes.subarray(at, at + size)
}

/** One turn of the event loop: every pending read of an in-memory source settles meanwhile. */
const turn = () => new Promise((resolve) => setImmediate(resolve))

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return Buffer.concat(parts)
}

describe('skipHashed', () => {
  const content = randomBytes(10_000)
  const whole = createHash('sha256').update(content).digest('hex')

  it('yields the content from the offset on and hashes all of it, at any offset', async () => {
    for (const offset of [0, 1, 999, 1000, 1001, 9_999, 10_000]) {
      const digest = new ContentDigest()
      const sent = await collect(skipHashed(chunked(content, 1000), offset, digest))
      assert.deepEqual(sent, content.subarray(offset), `offset ${offset}`)
      assert.equal(digest.bytes, content.byteLength)
      assert.equal(digest.hex(), whole)
    }
  })

  it('fails when the content is shorter than the resume offset', async () => {
    await assert.rejects(collect(skipHashed(chunked(content, 1000), 10_001, new ContentDigest())), RangeError)
  })
})

describe('ContentDigest', () => {
  it('is final once read', () => {
    const digest = new ContentDigest()
    digest.update(new Uint8Array([1]))
    assert.equal(digest.hex(), digest.hex())
    assert.throws(() => digest.update(new Uint8Array([2])), /final/)
  })

  it('takes the parts of a list of chunks as one content', () => {
    const parts = [randomBytes(1_500_000), randomBytes(1_500_000), randomBytes(10)]
    const digest = new ContentDigest()
    digest.update(new Uint8ArrayList(...parts))
    assert.equal(digest.bytes, 3_000_010)
    assert.equal(digest.hex(), createHash('sha256').update(Buffer.concat(parts)).digest('hex'))
  })
})

describe('readAhead', () => {
  it('yields every chunk in order, batched up to the batch size', async () => {
    const content = randomBytes(100_000)
    const batches: Uint8Array[][] = []
    for await (const batch of readAhead(chunked(content, 1000), 10_000, 4000)) {
      batches.push(batch)
      await turn() // a slow network: the source gets ahead
    }
    assert.deepEqual(Buffer.concat(batches.flat()), content)
    for (const batch of batches) {
      assert.ok(batch.length >= 1)
      assert.ok(batch.length === 1 || batch.reduce((n, c) => n + c.byteLength, 0) <= 4000)
    }
    assert.ok(
      batches.some((b) => b.length > 1),
      'a fast source comes in batches',
    )
  })

  it('delivers the chunks before a failure, then the failure', async () => {
    async function* failing() {
      yield new Uint8Array([1])
      yield new Uint8Array([2])
      throw new Error('disk gone')
    }
    const seen: number[] = []
    await assert.rejects(
      (async () => {
        for await (const batch of readAhead(failing(), 1024, 1024)) for (const c of batch) seen.push(...c)
      })(),
      /disk gone/,
    )
    assert.deepEqual(seen, [1, 2])
  })

  // Were the source never stopped, `finished` would never settle: the test fails (on its timeout at the latest).
  it('never holds more than the limit ahead of its consumer, and stops the source when left early', {
    timeout: 30_000,
  }, async () => {
    let produced = 0
    let finish: () => void = () => undefined
    const finished = new Promise<void>((resolve) => {
      finish = resolve
    })
    async function* endless() {
      try {
        for (;;) {
          produced += 100
          yield new Uint8Array(100)
        }
      } finally {
        finish()
      }
    }
    let consumed = 0
    for await (const batch of readAhead(endless(), 1000, 100)) {
      consumed += batch.length * 100
      await turn()
      assert.ok(produced - consumed <= 1000 + 100, `${produced - consumed} bytes ahead`)
      if (consumed >= 3000) break
    }
    await finished
  })
})
