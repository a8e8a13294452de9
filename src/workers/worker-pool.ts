import { parentPort, type TransferListItem, Worker } from 'node:worker_threads'

/** What a pool worker posts back for one task: its result, or the message of what went wrong. */
export type WorkerReply<R> = { id: number; ok: true; result: R } | { id: number; ok: false; message: string }

/** A task failed inside a worker; the message is the worker's. */
export class WorkerTaskError extends Error {
  readonly code = 'ALLMENDE_WORKER_TASK_FAILED'
}

interface Task<Q, R> {
  readonly id: number
  readonly request: Q
  readonly transfer: readonly TransferListItem[]
  resolve(result: R): void
  reject(error: Error): void
}

interface PoolWorker {
  readonly worker: Worker
  ready: boolean
  /** The task this worker runs; one at a time, so a long task never delays another worker's queue. */
  task?: Task<unknown, unknown>
  idleTimer?: NodeJS.Timeout
}

export interface WorkerPoolInit {
  /** The worker module (compiled `.js`), answering `{ id, request }` with a {@link WorkerReply}. */
  readonly script: URL
  /** At most this many workers. */
  readonly size: number
  /** A worker idle this long exits, so an idle node holds no worker memory. */
  readonly idleMs: number
}

/**
 * A small pool of worker threads, started on first use and stopped when idle. Workers are unref'd while
 * idle so a pool never keeps a process alive, and ref'd while they run a task, so an awaited result is
 * never lost to an exiting event loop.
 */
export class WorkerPool<Q, R> {
  private readonly workers = new Set<PoolWorker>()
  private readonly queue: Task<Q, R>[] = []
  private nextId = 1
  private closed = false

  constructor(private readonly init: WorkerPoolInit) {}

  /** Runs one task on a worker; `transfer` lists buffers moved (not copied) to the worker. */
  run(request: Q, transfer: readonly TransferListItem[] = []): Promise<R> {
    if (this.closed) return Promise.reject(new WorkerTaskError('the worker pool is closed'))
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, transfer, resolve, reject })
      this.dispatch()
    })
  }

  /** Workers currently running (starting, busy or idle). */
  get threads(): number {
    return this.workers.size
  }

  /** Stops every worker; queued tasks are refused. */
  async close(): Promise<void> {
    this.closed = true
    for (const task of this.queue.splice(0)) task.reject(new WorkerTaskError('the worker pool is closed'))
    await Promise.all([...this.workers].map((w) => this.retire(w)))
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const idle = [...this.workers].find((w) => w.ready && w.task === undefined)
      if (idle === undefined) {
        // Start another worker only when none is starting: a burst would otherwise start them all at once.
        const starting = [...this.workers].some((w) => !w.ready)
        if (!starting && this.workers.size < this.init.size) this.spawn()
        return
      }
      this.assign(idle, this.queue.shift()!)
    }
  }

  private assign(pooled: PoolWorker, task: Task<Q, R>): void {
    clearTimeout(pooled.idleTimer)
    pooled.task = task as Task<unknown, unknown>
    pooled.worker.ref()
    pooled.worker.postMessage({ id: task.id, request: task.request }, [...task.transfer])
  }

  private spawn(): void {
    const worker = new Worker(this.init.script)
    const pooled: PoolWorker = { worker, ready: false }
    worker.unref()
    this.workers.add(pooled)
    worker.once('online', () => {
      pooled.ready = true
      this.idle(pooled)
    })
    worker.on('message', (reply: WorkerReply<R>) => {
      const task = pooled.task
      if (task === undefined || task.id !== reply.id) return
      pooled.task = undefined
      if (reply.ok) task.resolve(reply.result)
      else task.reject(new WorkerTaskError(reply.message))
      this.idle(pooled)
    })
    const lost = (error: Error) => {
      this.workers.delete(pooled)
      clearTimeout(pooled.idleTimer)
      pooled.task?.reject(error)
      pooled.task = undefined
      if (!this.closed) this.dispatch()
    }
    worker.once('error', lost)
    worker.once('exit', (code) => lost(new WorkerTaskError(`the worker exited (code ${code})`)))
  }

  private idle(pooled: PoolWorker): void {
    pooled.worker.unref()
    this.dispatch()
    if (pooled.task !== undefined) return
    pooled.idleTimer = setTimeout(() => void this.retire(pooled), this.init.idleMs)
    pooled.idleTimer.unref()
  }

  private async retire(pooled: PoolWorker): Promise<void> {
    this.workers.delete(pooled)
    clearTimeout(pooled.idleTimer)
    await pooled.worker.terminate()
  }
}

/**
 * The worker side: answers each task posted by a {@link WorkerPool} with `handle`'s result (buffers listed
 * by `transferOf` are moved, not copied) or the message of its error.
 */
export function answerTasks<Q, R>(
  handle: (request: Q) => R | Promise<R>,
  transferOf: (result: R) => TransferListItem[] = () => [],
): void {
  const port = parentPort
  if (port === null) throw new Error('answerTasks runs only inside a worker thread')
  port.on('message', async ({ id, request }: { id: number; request: Q }) => {
    try {
      const result = await handle(request)
      port.postMessage({ id, ok: true, result } satisfies WorkerReply<R>, transferOf(result))
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      port.postMessage({ id, ok: false, message } satisfies WorkerReply<R>)
    }
  })
}
