import { Worker } from 'node:worker_threads'
import { AllmendeError } from '../../protocol/index.js'

/** Bytes of one piece handed to the hashing thread. */
export const HASH_PIECE_BYTES = 2 * 1024 * 1024
/** The hashing thread exits after this long without an open digest, so an idle node holds none. */
const IDLE_MS = 30_000
/**
 * Spare pieces kept for reuse: as many as one busy digest has in flight (its backlog and the piece
 * it fills), so a transfer's pieces cycle without new allocations.
 */
const SPARE_PIECES = 6

/** A message to the hashing thread: a piece of a digest's content, its end, or its abandonment. */
export type HashTask =
  | { readonly op: 'piece'; readonly id: number; readonly buffer: ArrayBuffer; readonly length: number }
  | { readonly op: 'seal'; readonly id: number }
  | { readonly op: 'drop'; readonly id: number }

/** A message from the hashing thread: a piece is hashed (its buffer comes back), or the final hash. */
export type HashReply =
  | { readonly op: 'hashed'; readonly id: number; readonly buffer: ArrayBuffer }
  | { readonly op: 'sealed'; readonly id: number; readonly hex: string }

/** What a digest hears from the hashing thread. */
export interface HashListener {
  hashed(): void
  sealed(hex: string): void
  failed(error: Error): void
}

/** The hashing thread stopped before it answered: a fault of this node, retried with the transfer. */
export class HashThreadError extends AllmendeError {
  static override name = 'HashThreadError'
  constructor(message: string) {
    super('ALLMENDE_HASH_THREAD_FAILED', message)
  }
}

/**
 * The process's one hashing thread: SHA-256 of transfers runs beside the event loop that moves
 * their bytes (the hash costs about as much CPU as the encryption of the connection). Started on
 * first use, unref'd except while a digest awaits its final hash, stopped when idle.
 */
class HashThread {
  private worker: Worker | undefined
  private readonly open = new Map<number, HashListener>()
  private readonly spare: ArrayBuffer[] = []
  private nextId = 1
  /** Pieces and seals not yet answered: the thread is ref'd while any is, so no answer is lost. */
  private pending = 0
  private idleTimer: NodeJS.Timeout | undefined

  /** A piece buffer: a spare one, or a new one. */
  piece(): ArrayBuffer {
    return this.spare.pop() ?? new ArrayBuffer(HASH_PIECE_BYTES)
  }

  /** Gives back a piece buffer that was never posted. */
  recycle(buffer: ArrayBuffer): void {
    if (this.spare.length < SPARE_PIECES) this.spare.push(buffer)
  }

  /** Registers a digest that hands its content over; returns its id. */
  register(listener: HashListener): number {
    clearTimeout(this.idleTimer)
    const id = this.nextId++
    this.open.set(id, listener)
    this.start()
    return id
  }

  /** Moves `length` bytes of `buffer` to the thread (the buffer is detached here). */
  post(id: number, buffer: ArrayBuffer, length: number): void {
    this.send({ op: 'piece', id, buffer, length }, [buffer])
  }

  /** Asks for the final hash; the listener hears `sealed`. */
  seal(id: number): void {
    this.send({ op: 'seal', id })
  }

  /** Forgets an unfinished digest. */
  drop(id: number): void {
    if (!this.open.delete(id)) return
    this.send({ op: 'drop', id })
    this.idleWhenUnused()
  }

  private send(task: HashTask, transfer: ArrayBuffer[] = []): void {
    const listener = this.open.get(task.id)
    if (this.worker === undefined) {
      listener?.failed(new HashThreadError('the hashing thread is not running'))
      return
    }
    if (task.op !== 'drop' && this.pending++ === 0) this.worker.ref()
    this.worker.postMessage(task, transfer)
  }

  private answered(worker: Worker): void {
    if (--this.pending === 0) worker.unref()
  }

  private start(): void {
    if (this.worker !== undefined) return
    const worker = new Worker(new URL('./hash-worker.js', import.meta.url))
    worker.unref()
    this.worker = worker
    worker.on('message', (reply: HashReply) => {
      this.answered(worker)
      const listener = this.open.get(reply.id)
      if (reply.op === 'hashed') {
        this.recycle(reply.buffer)
        listener?.hashed()
        return
      }
      this.open.delete(reply.id)
      listener?.sealed(reply.hex)
      this.idleWhenUnused()
    })
    const lost = (error: Error) => {
      if (this.worker !== worker) return
      this.worker = undefined
      this.pending = 0
      const listeners = [...this.open.values()]
      this.open.clear()
      for (const listener of listeners) listener.failed(error)
    }
    worker.once('error', lost)
    worker.once('exit', (code) => lost(new HashThreadError(`the hashing thread exited (code ${code})`)))
  }

  private idleWhenUnused(): void {
    if (this.open.size > 0 || this.worker === undefined) return
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => {
      const worker = this.worker
      if (this.open.size > 0 || worker === undefined) return
      this.worker = undefined
      this.spare.length = 0
      void worker.terminate()
    }, IDLE_MS)
    this.idleTimer.unref()
  }
}

/** The hashing thread of this process. */
export const hashThread = new HashThread()
