import { Worker } from 'node:worker_threads'
import type { Uint8ArrayList } from 'uint8arraylist'
import {
  CONTROL,
  CONTROL_INTS,
  type HashResult,
  RING,
  RING_HEADER_INTS,
  type RingOpened,
  STATE,
} from './hash-ring.js'

/** Bytes a digest's ring holds ahead of its hashing thread (a power of two). */
const RING_BYTES = 4 * 1024 * 1024
/** The hashing thread ends after this long without a digest, so an idle node holds no thread. */
const IDLE_STOP_MS = 30_000

/** The hashing thread was lost: the digests it held cannot be finished. */
export class HashThreadError extends Error {
  readonly code = 'ALLMENDE_HASH_THREAD_LOST'
}

interface Waiter {
  resolve(hex: string): void
  reject(error: Error): void
}

/**
 * The one hashing thread of this process, started with the first digest and ended when none is open
 * for a while. It is ref'd only while the event loop waits for it (a hash, or room in a ring), so an
 * awaited hash is never lost to an exiting event loop and a forgotten digest keeps no process alive.
 */
class HashThread {
  private worker: Worker | undefined
  private control: Int32Array | undefined
  private readonly digests = new Map<number, ThreadDigest>()
  private readonly waiting = new Map<number, Waiter>()
  private nextId = 1
  private idleTimer: NodeJS.Timeout | undefined
  /** Waits of the event loop for the thread. */
  private holds = 0

  /** A new ring for `digest`; its id. */
  open(digest: ThreadDigest, header: SharedArrayBuffer, bytes: SharedArrayBuffer): number {
    const worker = this.start()
    clearTimeout(this.idleTimer)
    const id = this.nextId++
    this.digests.set(id, digest)
    worker.postMessage({ id, header, bytes } satisfies RingOpened)
    this.ring()
    return id
  }

  /** Wakes the thread: new bytes, a new ring or a final state. */
  ring(): void {
    if (this.control === undefined) return
    Atomics.add(this.control, CONTROL.doorbell, 1)
    Atomics.notify(this.control, CONTROL.doorbell)
  }

  /** The hash of ring `id` once the thread has hashed everything it held. */
  result(id: number): Promise<string> {
    return this.hold(new Promise<string>((resolve, reject) => this.waiting.set(id, { resolve, reject })))
  }

  /** Keeps the process alive while the event loop waits for the thread. */
  async hold<T>(wait: Promise<T>): Promise<T> {
    if (this.holds++ === 0) this.worker?.ref()
    try {
      return await wait
    } finally {
      if (--this.holds === 0) this.worker?.unref()
    }
  }

  /** The digest is done (answered or abandoned). */
  close(id: number): void {
    if (!this.digests.delete(id) || this.digests.size > 0) return
    this.idleTimer = setTimeout(() => this.stop(), IDLE_STOP_MS).unref()
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4))
    const worker = new Worker(new URL('./hash-worker.js', import.meta.url), { workerData: control.buffer })
    worker.on('message', (result: HashResult) => {
      const waiter = this.waiting.get(result.id)
      this.waiting.delete(result.id)
      this.close(result.id)
      waiter?.resolve(result.hex)
    })
    const lost = (error: Error) => {
      if (this.worker !== worker) return
      this.worker = undefined
      this.control = undefined
      const failure = new HashThreadError(`the hashing thread was lost: ${error.message}`, { cause: error })
      for (const digest of this.digests.values()) digest.fail(failure)
      for (const waiter of this.waiting.values()) waiter.reject(failure)
      this.digests.clear()
      this.waiting.clear()
    }
    worker.on('error', lost)
    worker.on('exit', (code) => lost(new Error(`it exited with code ${code}`)))
    if (this.holds === 0) worker.unref()
    this.worker = worker
    this.control = control
    return worker
  }

  private stop(): void {
    const { worker, control } = this
    if (worker === undefined || control === undefined || this.digests.size > 0) return
    this.worker = undefined
    this.control = undefined
    Atomics.store(control, CONTROL.stop, 1)
    Atomics.add(control, CONTROL.doorbell, 1)
    Atomics.notify(control, CONTROL.doorbell)
  }
}

const thread = new HashThread()

/**
 * A running SHA-256 hashed on a thread of its own: {@link ThreadDigest.update} copies the bytes into
 * a ring of shared memory (a memory copy, a fraction of the hash's CPU), and the hashing thread
 * hashes them beside the event loop, which is left to decrypt and write. A full ring makes
 * `update` wait for the thread, so memory stays bounded by the ring.
 */
export class ThreadDigest {
  private readonly header = new Int32Array(new SharedArrayBuffer(RING_HEADER_INTS * 4))
  private readonly ring = new Uint8Array(new SharedArrayBuffer(RING_BYTES))
  private readonly id: number
  /** Free-running write position, as stored in the header. */
  private written = 0
  private count = 0
  private failure: Error | undefined
  private final: Promise<string> | undefined
  /** Updates run one after another, in the order they were called. */
  private tail: Promise<void> = Promise.resolve()

  constructor() {
    this.id = thread.open(
      this,
      this.header.buffer as SharedArrayBuffer,
      this.ring.buffer as SharedArrayBuffer,
    )
  }

  /** Bytes passed in so far. */
  get bytes(): number {
    return this.count
  }

  /** Takes a chunk; resolves once it is copied (the caller may reuse its buffer then). */
  update(chunk: Uint8Array | Uint8ArrayList): Promise<void> {
    if (this.final !== undefined) return Promise.reject(new Error('the digest is already final'))
    const parts = chunk instanceof Uint8Array ? [chunk] : [...chunk]
    this.count += chunk.byteLength
    this.tail = this.tail.then(async () => {
      for (const part of parts) await this.copy(part)
      thread.ring()
    })
    return this.tail
  }

  /** Hex SHA-256 of all bytes, once the thread hashed them; the digest takes no more bytes. */
  hex(): Promise<string> {
    this.final ??= this.tail.then(() => {
      if (this.failure !== undefined) throw this.failure
      const result = thread.result(this.id)
      Atomics.store(this.header, RING.state, STATE.final)
      thread.ring()
      return result
    })
    return this.final
  }

  /** Nobody will ask for the hash (the stream broke off): the thread drops the ring. */
  abandon(): void {
    if (this.final !== undefined) return
    this.final = Promise.reject(new Error('the digest was abandoned'))
    this.final.catch(() => undefined)
    Atomics.store(this.header, RING.state, STATE.abandoned)
    thread.ring()
    thread.close(this.id)
  }

  /** The thread was lost: every wait ends with `error`. */
  fail(error: Error): void {
    this.failure = error
    Atomics.notify(this.header, RING.read)
  }

  private async copy(part: Uint8Array): Promise<void> {
    const capacity = this.ring.byteLength
    for (let at = 0; at < part.byteLength; ) {
      if (this.failure !== undefined) throw this.failure
      const read = Atomics.load(this.header, RING.read)
      const free = capacity - ((this.written - read) >>> 0)
      if (free === 0) {
        thread.ring()
        const wait = Atomics.waitAsync(this.header, RING.read, read)
        if (wait.async) await thread.hold(wait.value)
        continue
      }
      const position = (this.written >>> 0) % capacity
      const take = Math.min(part.byteLength - at, free, capacity - position)
      this.ring.set(part.subarray(at, at + take), position)
      this.written = (this.written + take) | 0
      Atomics.store(this.header, RING.written, this.written)
      at += take
    }
  }
}
