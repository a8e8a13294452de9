import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { ContentMismatchError, FileSink, fileLength } from '../../../../src/transfer/index.js'
import { tempDir } from '../../../support/temp-dir.js'

describe('FileSink', () => {
  let dir: string
  const content = randomBytes(5 * 1024 * 1024 + 300_000)
  const expected = { bytes: content.byteLength, sha256: createHash('sha256').update(content).digest('hex') }

  before(async () => {
    dir = await tempDir('allmende-sink-')
  })

  it('writes a whole content and confirms its hash', async () => {
    const path = join(dir, 'sub', 'whole.bin')
    const sink = await FileSink.open(path, 0)
    for (let at = 0; at < content.byteLength; at += 300_000)
      await sink.write(content.subarray(at, at + 300_000))
    assert.deepEqual(await sink.finish(expected), expected)
    assert.deepEqual(await readFile(path), content)
  })

  it('resumes after the bytes a file holds and ends with the hash of the whole content', async () => {
    const path = join(dir, 'resumed.bin')
    const first = await FileSink.open(path, 0)
    await first.write(content.subarray(0, 3_123_457))
    await first.close()
    const offset = await fileLength(path)
    assert.equal(offset, 3_123_457)
    const second = await FileSink.open(path, offset)
    assert.equal(second.written, offset)
    await second.write(content.subarray(offset))
    assert.deepEqual(await second.finish(expected), expected)
    assert.deepEqual(await readFile(path), content)
  })

  it('cuts off bytes after the resume offset', async () => {
    const path = join(dir, 'longer.bin')
    await writeFile(path, Buffer.concat([content.subarray(0, 1000), Buffer.from('garbage')]))
    const sink = await FileSink.open(path, 1000)
    await sink.write(content.subarray(1000))
    assert.deepEqual(await sink.finish(expected), expected)
  })

  it('reports a content that does not hash to what the provider sent', async () => {
    const path = join(dir, 'bad.bin')
    const sink = await FileSink.open(path, 0)
    const tampered = Buffer.from(content)
    tampered[5] = (tampered[5]! + 1) % 256
    await sink.write(tampered)
    await assert.rejects(sink.finish(expected), ContentMismatchError)
  })

  it('refuses to resume after more bytes than the file holds', async () => {
    const path = join(dir, 'short.bin')
    await writeFile(path, 'abc')
    await assert.rejects(FileSink.open(path, 4), /fewer than 4/)
  })

  it('keeps every byte when closed while a background flush runs, and resumes to the same hash', async () => {
    // 36 MiB: past the first flush step (32 MiB), closed right after it began.
    const large = Buffer.concat(Array.from({ length: 7 }, () => content)).subarray(0, 36 * 1024 * 1024)
    const path = join(dir, 'flushed.bin')
    const first = await FileSink.open(path, 0)
    for (let at = 0; at < 33 * 1024 * 1024; at += 1024 * 1024)
      await first.write(large.subarray(at, at + 1024 * 1024))
    await first.close()
    assert.equal(await fileLength(path), 33 * 1024 * 1024)
    const second = await FileSink.open(path, 33 * 1024 * 1024)
    await second.write(large.subarray(33 * 1024 * 1024))
    const whole = { bytes: large.byteLength, sha256: createHash('sha256').update(large).digest('hex') }
    assert.deepEqual(await second.finish(whole), whole)
    assert.deepEqual(await readFile(path), large)
  })

  it('counts a missing file as empty', async () => {
    assert.equal(await fileLength(join(dir, 'none.bin')), 0)
  })
})
