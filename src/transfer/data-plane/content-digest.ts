import { createHash } from 'node:crypto'
import type { Uint8ArrayList } from 'uint8arraylist'
import { HASH_PIECE_BYTES, type HashListener, hashThread } from './hash-thread.js'

/** Pieces a digest may have at the hashing thread before its writer waits: bounds the copies held. */
const BACKLOG_PIECES = 4

/**
 * A running SHA-256 over everything passed in, with the byte count. Content is copied into pieces
 * of {@link HASH_PIECE_BYTES}; the pieces are hashed on the process's hashing thread, so the event
 * loop pays for a copy, not for the hash. Content that fits into one piece is hashed here, without
 * a thread round trip. Writers await {@link ContentDigest.drained} between chunks (a bounded
 * backlog), and {@link ContentDigest.seal} before they read {@link ContentDigest.hex}.
 */
export class ContentDigest implements HashListener {
  private count = 0
  private piece: ArrayBuffer | undefined
  private pieceBytes = 0
  /** Set once the content went to the hashing thread. */
  private id: number | undefined
  private backlog = 0
  private final: string | undefined
  private failure: Error | undefined
  private sealing: Promise<string> | undefined
  private settle: { resolve(hex: string): void; reject(error: Error): void } | undefined
  private waiters: (() => void)[] = []

  /** Bytes hashed so far. */
  get bytes(): number {
    return this.count
  }

  update(chunk: Uint8Array | Uint8ArrayList): void {
    if (this.final !== undefined || this.sealing !== undefined) throw new Error('the digest is already final')
    if (chunk instanceof Uint8Array) this.copy(chunk)
    else for (const part of chunk) this.copy(part)
    this.count += chunk.byteLength
  }

  /** Resolves once the hashing thread holds at most its bounded backlog of this digest's pieces. */
  async drained(): Promise<void> {
    while (this.backlog > BACKLOG_PIECES && this.failure === undefined) {
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
    if (this.failure !== undefined) throw this.failure
  }

  /** The final hex SHA-256; the digest cannot be updated afterwards. */
  seal(): Promise<string> {
    if (this.sealing !== undefined) return this.sealing
    if (this.id === undefined) {
      this.sealing = Promise.resolve(this.hex())
      return this.sealing
    }
    const id = this.id
    this.sealing = new Promise<string>((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure)
      this.settle = { resolve, reject }
      this.post()
      hashThread.seal(id)
    })
    return this.sealing
  }

  /**
   * Hex SHA-256 of all bytes; the digest cannot be updated afterwards. Content that went to the
   * hashing thread must be {@link ContentDigest.seal}ed first.
   */
  hex(): string {
    if (this.final !== undefined) return this.final
    if (this.failure !== undefined) throw this.failure
    if (this.id !== undefined) throw new Error('the digest is still being computed: await seal() first')
    const hash = createHash('sha256')
    if (this.piece !== undefined) {
      hash.update(new Uint8Array(this.piece, 0, this.pieceBytes))
      hashThread.recycle(this.piece)
      this.piece = undefined
    }
    this.final = hash.digest('hex')
    this.sealing ??= Promise.resolve(this.final)
    return this.final
  }

  /** Gives up an unfinished digest (the transfer broke off): the hashing thread forgets it. */
  discard(): void {
    // A digest being sealed finishes by itself (and the hashing thread forgets it then).
    if (this.final !== undefined || this.sealing !== undefined) return
    if (this.id !== undefined) hashThread.drop(this.id)
    if (this.piece !== undefined) hashThread.recycle(this.piece)
    this.piece = undefined
    this.failed(this.failure ?? new Error('the digest was discarded'))
  }

  hashed(): void {
    this.backlog--
    this.wake()
  }

  sealed(hex: string): void {
    this.final = hex
    this.settle?.resolve(hex)
  }

  failed(error: Error): void {
    this.failure = error
    this.settle?.reject(error)
    this.wake()
  }

  private copy(part: Uint8Array): void {
    for (let at = 0; at < part.byteLength; ) {
      this.piece ??= hashThread.piece()
      const take = Math.min(HASH_PIECE_BYTES - this.pieceBytes, part.byteLength - at)
      new Uint8Array(this.piece, this.pieceBytes, take).set(part.subarray(at, at + take))
      this.pieceBytes += take
      at += take
      if (this.pieceBytes === HASH_PIECE_BYTES) {
        this.id ??= hashThread.register(this)
        this.post()
      }
    }
  }

  /** Moves the current piece to the hashing thread. */
  private post(): void {
    if (this.piece === undefined || this.failure !== undefined) return
    hashThread.post(this.id!, this.piece, this.pieceBytes)
    this.backlog++
    this.piece = undefined
    this.pieceBytes = 0
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter()
  }
}

/**
 * Yields the content of `chunks` from byte `offset` on, after passing EVERY byte through `digest`,
 * the skipped prefix included: a resumed transfer is hashed from byte 0, so its final hash is the
 * hash of the whole content, the same as for an uninterrupted one. The digest is sealed when the
 * iteration ends (its `hex()` can be read), and discarded when it is left early.
 */
export async function* skipHashed(
  chunks: AsyncIterable<Uint8Array>,
  offset: number,
  digest: ContentDigest,
): AsyncGenerator<Uint8Array, void, undefined> {
  let position = 0
  try {
    for await (const chunk of chunks) {
      digest.update(chunk)
      await digest.drained()
      const end = position + chunk.byteLength
      if (end > offset) yield position >= offset ? chunk : chunk.subarray(offset - position)
      position = end
    }
    if (position < offset) {
      throw new RangeError(`the content has ${position} bytes, fewer than the resume offset ${offset}`)
    }
    // The whole content is out: the hash is final before the iteration ends.
    await digest.seal()
  } finally {
    digest.discard()
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
