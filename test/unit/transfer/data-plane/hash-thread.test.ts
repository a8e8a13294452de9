import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { Uint8ArrayList } from 'uint8arraylist'
import { ThreadDigest } from '../../../../src/transfer/index.js'

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe('ThreadDigest', () => {
  it('hashes more than its ring holds, in odd pieces and lists, to the SHA-256 of the whole', async () => {
    // 4 MiB ring: 21 MiB wraps it five times, and pieces of 777 777 bytes straddle its end.
    const content = randomBytes(21 * 1024 * 1024 + 12_345)
    const digest = new ThreadDigest()
    for (let at = 0, i = 0; at < content.byteLength; at += 777_777, i++) {
      const piece = content.subarray(at, at + 777_777)
      const half = piece.byteLength >> 1
      await digest.update(
        i % 2 === 0 ? piece : new Uint8ArrayList(piece.subarray(0, half), piece.subarray(half)),
      )
    }
    assert.equal(digest.bytes, content.byteLength)
    assert.equal(await digest.hex(), sha256(content))
  })

  it('keeps digests that run at the same time apart', async () => {
    const contents = [randomBytes(3_000_001), randomBytes(9 * 1024 * 1024), randomBytes(0)]
    const digests = contents.map(() => new ThreadDigest())
    // Interleaved, without waiting for one update before the next digest's.
    const updates: Promise<void>[] = []
    for (let at = 0; at < 9 * 1024 * 1024; at += 500_000)
      contents.forEach((content, i) => {
        if (at < content.byteLength) updates.push(digests[i]!.update(content.subarray(at, at + 500_000)))
      })
    await Promise.all(updates)
    assert.deepEqual(await Promise.all(digests.map((d) => d.hex())), contents.map(sha256))
  })

  it('takes no bytes once final, and an abandoned digest answers no hash', async () => {
    const final = new ThreadDigest()
    await final.update(Buffer.from('abc'))
    assert.equal(await final.hex(), sha256(Buffer.from('abc')))
    await assert.rejects(final.update(Buffer.from('d')), /already final/)
    const abandoned = new ThreadDigest()
    await abandoned.update(Buffer.from('abc'))
    abandoned.abandon()
    await assert.rejects(abandoned.hex(), /abandoned/)
  })
})
