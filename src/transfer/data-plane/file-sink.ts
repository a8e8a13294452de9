import { createReadStream } from 'node:fs'
import { type FileHandle, mkdir, open, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Uint8ArrayList } from 'uint8arraylist'
import { ContentMismatchError } from './errors.js'
import { ThreadDigest } from './hash-thread.js'

/** Bytes written between two background flushes of a file sink. */
const FLUSH_STEP_BYTES = 32 * 1024 * 1024

/** The length of a file, 0 if it does not exist. */
export async function fileLength(path: string): Promise<number> {
  try {
    return (await stat(path)).size
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return 0
    throw error
  }
}

/**
 * The consumer's end of a pull: appends received chunks to a file and keeps a running SHA-256 of
 * the whole file. Resuming at `offset` keeps the first `offset` bytes already in the file (cut off
 * anything after them) and hashes them first, so the final hash covers the whole content however
 * often the transfer was interrupted.
 *
 * While a pull runs the file is written and flushed to the disk in the background every
 * {@link FLUSH_STEP_BYTES}, without waiting for the flush: it survives `kill -9` of the node, and
 * after a power cut it may hold less than was written; a pull resumes after what it holds, and the
 * hash of the whole content, checked at the end, finds any damage. Settling or finishing syncs it,
 * so a transfer is never recorded complete with its file still in memory; thanks to the steps
 * before, that sync waits for the last step's bytes only, not for the whole file.
 */
export class FileSink {
  /** Bytes written since the last background flush began. */
  private unflushed = 0
  /** The background flushes, one after another (their errors surface at the final sync). */
  private flushing: Promise<void> = Promise.resolve()

  private constructor(
    private readonly handle: FileHandle,
    private readonly digest: ThreadDigest,
  ) {}

  /** Opens `path` to continue after its first `offset` bytes (0: start afresh). */
  static async open(path: string, offset: number): Promise<FileSink> {
    await mkdir(dirname(path), { recursive: true })
    const handle = await open(path, offset === 0 ? 'w' : 'r+')
    const digest = new ThreadDigest()
    try {
      if (offset > 0) {
        const { size } = await handle.stat()
        if (size < offset) throw new RangeError(`${path} holds ${size} bytes, fewer than ${offset}`)
        await handle.truncate(offset)
        for await (const chunk of createReadStream(path, { start: 0, end: offset - 1 })) {
          await digest.update(chunk as Buffer)
        }
      }
      return new FileSink(handle, digest)
    } catch (error) {
      digest.abandon()
      await handle.close()
      throw error
    }
  }

  /** Bytes in the file, the kept prefix included. */
  get written(): number {
    return this.digest.bytes
  }

  /** Appends one chunk; it is hashed on the hashing thread while it is written. */
  async write(chunk: Uint8Array | Uint8ArrayList): Promise<void> {
    let position = this.digest.bytes
    const hashed = this.digest.update(chunk)
    // Awaited after the write; a write that fails first leaves no unhandled rejection behind.
    hashed.catch(() => undefined)
    const parts = chunk instanceof Uint8Array ? [chunk] : [...chunk]
    for (let i = 0; i < parts.length; ) {
      // writev takes at most IOV_MAX buffers; positional writes keep the file exact on retries.
      const batch = parts.slice(i, i + 512)
      const { bytesWritten } = await this.handle.writev(batch, position)
      const expected = batch.reduce((n, p) => n + p.byteLength, 0)
      if (bytesWritten !== expected) {
        const rest = Buffer.concat(batch).subarray(bytesWritten)
        await this.handle.write(rest, 0, rest.byteLength, position + bytesWritten)
      }
      position += expected
      i += batch.length
    }
    this.unflushed += chunk.byteLength
    if (this.unflushed >= FLUSH_STEP_BYTES) {
      this.unflushed = 0
      this.flushing = this.flushing.then(() => this.handle.datasync()).catch(() => undefined)
    }
    await hashed
  }

  /**
   * Syncs and closes, and returns bytes and hash of the whole file: for a data plane that sends no
   * totals to check against (HttpData-PULL).
   */
  async settle(): Promise<{ bytes: number; sha256: string }> {
    await this.flushing
    await this.handle.sync()
    const sha256 = this.digest.hex()
    await this.close()
    return { bytes: this.digest.bytes, sha256: await sha256 }
  }

  /**
   * Checks the provider's totals against what was written, syncs and closes; returns the hash.
   * @throws {@link ContentMismatchError} when bytes or hash differ
   */
  async finish(expected: { bytes: number; sha256: string }): Promise<{ bytes: number; sha256: string }> {
    await this.flushing
    await this.handle.sync()
    const hashed = this.digest.hex()
    await this.close()
    const sha256 = await hashed
    const bytes = this.digest.bytes
    if (bytes !== expected.bytes) {
      throw new ContentMismatchError(`received ${bytes} bytes, but the provider sent ${expected.bytes}`)
    }
    if (sha256 !== expected.sha256) {
      throw new ContentMismatchError(
        `the received content hashes to ${sha256}, but the provider's hash is ${expected.sha256}`,
      )
    }
    return { bytes, sha256 }
  }

  private closed = false
  /** Closes the file (keeping what was written, for a later resume); safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    // Closed before its end: nobody will ask for the hash.
    this.digest.abandon()
    await this.flushing
    await this.handle.close()
  }
}
