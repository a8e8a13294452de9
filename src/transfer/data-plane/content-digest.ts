import { createHash, type Hash } from 'node:crypto'
import type { Uint8ArrayList } from 'uint8arraylist'

/**
 * A running SHA-256 over everything passed in, with the byte count, hashed on the event loop as the
 * chunks pass. The provider hashes this way the first time it sends a file (later sends take the
 * remembered digest, `digest-cache.ts`); the consumer's file sink hashes on a thread of its own
 * (`hash-thread.ts`), as it has the connection's decryption on its event loop.
 */
export class ContentDigest {
  private readonly hash: Hash = createHash('sha256')
  private count = 0
  private final: string | undefined

  /** Bytes hashed so far. */
  get bytes(): number {
    return this.count
  }

  update(chunk: Uint8Array | Uint8ArrayList): void {
    if (this.final !== undefined) throw new Error('the digest is already final')
    if (chunk instanceof Uint8Array) this.hash.update(chunk)
    else for (const part of chunk) this.hash.update(part)
    this.count += chunk.byteLength
  }

  /** Hex SHA-256 of all bytes; the digest cannot be updated afterwards. */
  hex(): string {
    this.final ??= this.hash.digest('hex')
    return this.final
  }
}

/**
 * Yields the content of `chunks` from byte `offset` on, after passing EVERY byte through `digest`,
 * the skipped prefix included: a resumed transfer is hashed from byte 0, so its final hash is the
 * hash of the whole content, the same as for an uninterrupted one.
 */
export async function* skipHashed(
  chunks: AsyncIterable<Uint8Array>,
  offset: number,
  digest: ContentDigest,
): AsyncGenerator<Uint8Array, void, undefined> {
  let position = 0
  for await (const chunk of chunks) {
    digest.update(chunk)
    const end = position + chunk.byteLength
    if (end > offset) yield position >= offset ? chunk : chunk.subarray(offset - position)
    position = end
  }
  if (position < offset) {
    throw new RangeError(`the content has ${position} bytes, fewer than the resume offset ${offset}`)
  }
}

/**
 * Reads ahead of the consumer of `chunks`: keeps pulling into a queue of at most `limitBytes` while
 * earlier chunks are being sent, so the source's read latency overlaps with the network. Yields
 * batches: every chunk already queued, up to `batchBytes` (at least one chunk, waiting only when
 * none is queued), so a fast source goes out in large frames and a slow one without delay. Errors
 * of the source surface after the chunks before them; stopping early stops the source.
 */
export async function* readAhead(
  chunks: AsyncIterable<Uint8Array>,
  limitBytes: number,
  batchBytes: number,
): AsyncGenerator<Uint8Array[], void, undefined> {
  const iterator = chunks[Symbol.asyncIterator]()
  const queue: Uint8Array[] = []
  let queued = 0
  let done = false
  let failure: { error: unknown } | undefined
  let wakeConsumer: (() => void) | undefined
  let wakePump: (() => void) | undefined
  let stopped = false
  /** The source ended by itself (or failed): nothing to stop. */
  let ended = false
  const pump = (async () => {
    try {
      while (!stopped) {
        if (queued >= limitBytes) {
          await new Promise<void>((resolve) => {
            wakePump = resolve
          })
          continue
        }
        const next = await iterator.next()
        if (next.done === true) {
          ended = true
          break
        }
        queue.push(next.value)
        queued += next.value.byteLength
        wakeConsumer?.()
      }
    } catch (error) {
      ended = true
      failure = { error }
    } finally {
      done = true
      wakeConsumer?.()
    }
  })()
  try {
    for (;;) {
      if (queue.length > 0) {
        const batch: Uint8Array[] = []
        let size = 0
        while (queue.length > 0 && (batch.length === 0 || size + queue[0]!.byteLength <= batchBytes)) {
          const chunk = queue.shift()!
          batch.push(chunk)
          size += chunk.byteLength
        }
        queued -= size
        wakePump?.()
        wakePump = undefined
        yield batch
        continue
      }
      if (failure !== undefined) throw failure.error
      if (done) return
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve
      })
      wakeConsumer = undefined
    }
  } finally {
    stopped = true
    wakePump?.()
    // Left early: stop the source once its pending read settles (not waiting here for a slow one).
    void pump.then(() => (ended ? undefined : iterator.return?.())).catch(() => undefined)
  }
}
