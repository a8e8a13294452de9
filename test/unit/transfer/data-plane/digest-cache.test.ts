import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { type ContentPermit, openContent } from '../../../../src/transfer/data-plane/content-stream.js'
import { DigestCache } from '../../../../src/transfer/data-plane/digest-cache.js'
import { tempDir } from '../../../support/temp-dir.js'

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const totalsOf = (bytes: Uint8Array) => ({ bytes: bytes.byteLength, sha256: sha256(bytes) })

/** A permit for `path` that records source failures. */
function permitFor(path: string): ContentPermit & { failures: unknown[] } {
  const failures: unknown[] = []
  return {
    source: { kind: 'file', path },
    signal: new AbortController().signal,
    delivered: async () => undefined,
    failed: async (error) => {
      failures.push(error)
      return error as Error
    },
    failures,
  }
}

/** Sends a file through openContent with totals; the bytes that went out and the totals stated. */
async function send(cache: DigestCache, path: string, offset = 0) {
  const opened = await openContent(permitFor(path), { offset, totals: { cache } })
  const parts: Uint8Array[] = []
  for await (const batch of opened.content) parts.push(...batch)
  return { sent: Buffer.concat(parts), totals: await opened.sent!.totals() }
}

describe('DigestCache with openContent', () => {
  let dir: string
  // The cache's clock runs 10 s ahead: the files written here count as settled.
  const later = () => Date.now() + 10_000

  before(async () => {
    dir = await tempDir('allmende-digests-')
  })

  it('remembers the totals of a settled file and states them again, a resume included, without the prefix', async () => {
    const path = join(dir, 'settled.bin')
    const content = randomBytes(3 * 1024 * 1024 + 17)
    await writeFile(path, content)
    const cache = new DigestCache(later)
    assert.equal((await cache.look(path)).totals, undefined)
    const first = await send(cache, path)
    assert.deepEqual(first.totals, totalsOf(content))
    assert.deepEqual(first.sent, content)
    assert.deepEqual((await cache.look(path)).totals, totalsOf(content))
    const resumed = await send(cache, path, 1_000_000)
    assert.deepEqual(resumed.sent, content.subarray(1_000_000))
    assert.deepEqual(resumed.totals, totalsOf(content), 'the totals of the whole content')
  })

  it('does not remember a file that changed just before it was hashed (its timestamps may not move again)', async () => {
    const path = join(dir, 'fresh.bin')
    const content = randomBytes(100_000)
    await writeFile(path, content)
    const cache = new DigestCache()
    assert.deepEqual((await send(cache, path)).totals, totalsOf(content))
    assert.equal((await cache.look(path)).totals, undefined)
  })

  it('hashes a changed file anew: rewritten in place, or replaced by another file of the same size', async () => {
    const path = join(dir, 'changing.bin')
    await writeFile(path, randomBytes(200_000))
    const cache = new DigestCache(later)
    await send(cache, path)
    const longer = randomBytes(200_001)
    await writeFile(path, longer)
    assert.deepEqual((await send(cache, path)).totals, totalsOf(longer))
    const replacement = randomBytes(200_001)
    await writeFile(join(dir, 'replacement.bin'), replacement)
    await rename(join(dir, 'replacement.bin'), path)
    assert.deepEqual((await send(cache, path)).totals, totalsOf(replacement))
  })

  it('states no remembered totals for a file replaced while it was sent: the source failed', async () => {
    const path = join(dir, 'replaced.bin')
    await writeFile(path, randomBytes(300_000))
    const cache = new DigestCache(later)
    await send(cache, path)
    const permit = permitFor(path)
    const opened = await openContent(permit, { offset: 0, totals: { cache } })
    await writeFile(join(dir, 'other.bin'), randomBytes(300_000))
    await rename(join(dir, 'other.bin'), path)
    await assert.rejects(
      (async () => {
        for await (const _ of opened.content);
      })(),
      (error: Error & { code?: string }) => error.code === 'ALLMENDE_SOURCE_CHANGED',
    )
    assert.equal(permit.failures.length, 1, 'recorded as a failed source (the use is given back)')
    await assert.rejects(opened.sent!.totals(), { code: 'ALLMENDE_SOURCE_CHANGED' }, 'no totals stated')
  })
})
