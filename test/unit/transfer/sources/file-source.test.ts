import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import {
  openSource,
  SourceAbortedError,
  SourceNotAFileError,
  SourceNotFoundError,
  SourceRangeError,
} from '../../../../src/transfer/sources/index.js'
import { tempDir } from '../../../support/temp-dir.js'

const MiB = 1024 * 1024

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; maxChunk: number }> {
  const parts: Uint8Array[] = []
  let maxChunk = 0
  for await (const chunk of chunks) {
    maxChunk = Math.max(maxChunk, chunk.byteLength)
    parts.push(chunk)
  }
  return { bytes: Buffer.concat(parts), maxChunk }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

describe('openSource({kind: file})', () => {
  let dir: string
  let content: Buffer
  before(async () => {
    dir = await tempDir('allmende-file-source-')
    content = Buffer.alloc(300_000)
    for (let i = 0; i < content.length; i++) content[i] = (i * 31 + (i >> 8)) & 0xff
    await writeFile(join(dir, 'pegel.csv'), content)
    await mkdir(join(dir, 'folder'))
  })

  it('streams the whole file with its size and a media type from the extension', async () => {
    const source = await openSource({ kind: 'file', path: join(dir, 'pegel.csv') })
    assert.equal(source.mediaType, 'text/csv')
    assert.equal(source.size, content.length)
    assert.equal(source.finite, true)
    const { bytes } = await drain(source.chunks)
    assert.equal(sha256(bytes), sha256(content))
  })

  it('resolves a relative path against baseDir and honours a mediaType override', async () => {
    const source = await openSource(
      { kind: 'file', path: 'pegel.csv', mediaType: 'text/plain' },
      { baseDir: dir },
    )
    assert.equal(source.mediaType, 'text/plain')
    assert.equal((await drain(source.chunks)).bytes.length, content.length)
  })

  it('resumes at an offset: first part + resumed part hash like the whole file', async () => {
    const cut = 123_457
    const head = await openSource(
      { kind: 'file', path: join(dir, 'pegel.csv') },
      { range: { offset: 0, length: cut } },
    )
    const tail = await openSource({ kind: 'file', path: join(dir, 'pegel.csv') }, { range: { offset: cut } })
    const a = (await drain(head.chunks)).bytes
    const b = (await drain(tail.chunks)).bytes
    assert.equal(a.length, cut)
    assert.equal(b.length, content.length - cut)
    assert.equal(sha256(Buffer.concat([a, b])), sha256(content))
    assert.deepEqual(b.subarray(0, 16), content.subarray(cut, cut + 16))
  })

  it('reads an exact window with offset and length, and nothing for length 0', async () => {
    const window = await openSource(
      { kind: 'file', path: join(dir, 'pegel.csv') },
      { range: { offset: 1000, length: 10 } },
    )
    assert.deepEqual((await drain(window.chunks)).bytes, content.subarray(1000, 1010))
    const empty = await openSource(
      { kind: 'file', path: join(dir, 'pegel.csv') },
      { range: { offset: 5, length: 0 } },
    )
    assert.equal((await drain(empty.chunks)).bytes.length, 0)
    const atEnd = await openSource(
      { kind: 'file', path: join(dir, 'pegel.csv') },
      { range: { offset: content.length } },
    )
    assert.equal((await drain(atEnd.chunks)).bytes.length, 0)
  })

  it('refuses an offset beyond the end', async () => {
    await assert.rejects(
      openSource({ kind: 'file', path: join(dir, 'pegel.csv') }, { range: { offset: content.length + 1 } }),
      (error: unknown) => error instanceof SourceRangeError && error.code === 'ALLMENDE_SOURCE_RANGE',
    )
  })

  it('refuses a missing file with a typed error naming the path', async () => {
    const path = join(dir, 'fehlt.csv')
    await assert.rejects(openSource({ kind: 'file', path }), (error: unknown) => {
      assert.ok(error instanceof SourceNotFoundError)
      assert.equal(error.code, 'ALLMENDE_SOURCE_NOT_FOUND')
      assert.equal(error.path, path)
      assert.match(error.message, /fehlt\.csv/)
      return true
    })
  })

  it('refuses a directory with a typed error naming the path', async () => {
    const path = join(dir, 'folder')
    await assert.rejects(openSource({ kind: 'file', path }), (error: unknown) => {
      assert.ok(error instanceof SourceNotAFileError)
      assert.equal(error.code, 'ALLMENDE_SOURCE_NOT_A_FILE')
      assert.match(error.message, /folder is a directory/)
      return true
    })
  })

  it('stops with SourceAbortedError when the signal fires mid-read', async () => {
    const controller = new AbortController()
    const source = await openSource(
      { kind: 'file', path: join(dir, 'pegel.csv') },
      { signal: controller.signal, maxChunkBytes: 1024 },
    )
    let seen = 0
    await assert.rejects(
      (async () => {
        for await (const chunk of source.chunks) {
          seen += chunk.byteLength
          if (seen >= 4096) controller.abort()
        }
      })(),
      SourceAbortedError,
    )
    assert.ok(seen < content.length)
  })

  it('streams a 50 MiB file in chunks of at most 1 MiB, byte for byte', async () => {
    const path = join(dir, 'large.bin')
    const expected = createHash('sha256')
    const out = createWriteStream(path)
    for (let i = 0; i < 50; i++) {
      const block = Buffer.alloc(MiB, i)
      expected.update(block)
      if (!out.write(block)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
    }
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject)
      out.end(() => resolve())
    })
    const source = await openSource({ kind: 'file', path })
    const hash = createHash('sha256')
    let total = 0
    let maxChunk = 0
    for await (const chunk of source.chunks) {
      maxChunk = Math.max(maxChunk, chunk.byteLength)
      total += chunk.byteLength
      hash.update(chunk)
    }
    assert.equal(total, 50 * MiB)
    assert.ok(maxChunk <= MiB, `largest chunk ${maxChunk} bytes`)
    assert.equal(hash.digest('hex'), expected.digest('hex'))
  })

  it('splits chunks down to a smaller maxChunkBytes', async () => {
    const source = await openSource({ kind: 'file', path: join(dir, 'pegel.csv') }, { maxChunkBytes: 1000 })
    const { bytes, maxChunk } = await drain(source.chunks)
    assert.equal(maxChunk, 1000)
    assert.equal(sha256(bytes), sha256(content))
  })
})
