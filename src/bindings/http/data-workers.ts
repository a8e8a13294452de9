import { type ChildProcess, fork } from 'node:child_process'
import { createServer, type Server, type Socket } from 'node:net'
import type { Logger, UnauthenticatedRefusals } from '../../log/index.js'
import {
  type HostMessage,
  type VerifiedAdmission,
  WorkerHost,
  type WorkerMessage,
} from '../../transfer/index.js'
import { listenDsp } from './listen.js'

/** How long a lost worker's replacement waits, so a worker that cannot start does not spin. */
const RESPAWN_DELAY_MS = 500
/** Connections held while no worker is ready (all lost at once, replacements starting). */
const MAX_WAITING_CONNECTIONS = 64

/** What the control plane tells a worker besides the gate's answers. */
export type WorkerControl =
  | { readonly worker: 'init'; readonly provider: string }
  /** A connection to serve: the socket comes as the message's handle. */
  | { readonly worker: 'connection' }

export interface DataWorkersInit {
  /** Worker processes serving `HttpData-PULL`. */
  readonly count: number
  /** Interface and port of the data listener (0: any free port). */
  readonly host: string
  readonly port: number
  /** The versioned base as consumers reach the data listener through a TLS proxy. */
  readonly publicUrl?: string
  /** The provider's DID: its public key is all a worker needs to check access tokens. */
  readonly provider: string
  readonly gate: VerifiedAdmission
  readonly log: Logger
  readonly refusals?: UnauthenticatedRefusals
}

/**
 * The provider's data-plane workers: separate processes that serve `HttpData-PULL` (the bytes of a
 * transfer never pass the control plane), behind one data listener. The control plane accepts each
 * connection and hands it on to the next worker; a worker checks the access token with the node's
 * public key, asks the control plane over its IPC channel to admit the request (which alone writes
 * the audit log, counts and state), and streams the source. A lost worker is replaced; its broken-off
 * streams are resumed by their consumers with a fresh token.
 *
 * @example
 * ```ts
 * const workers = new DataWorkers({ count: 2, host: '127.0.0.1', port: 0, provider: did, gate, log })
 * await workers.start()
 * workers.dataEndpoint(transferId) // http://127.0.0.1:41234/dsp/2025-1/data/<transferId>
 * ```
 */
export class DataWorkers {
  private readonly host: WorkerHost
  private readonly workers: (ChildProcess | undefined)[]
  private readonly ready = new Set<ChildProcess>()
  /** Connections that arrived while no worker was ready. */
  private readonly waiting: Socket[] = []
  private server: Server | undefined
  private url: string | undefined
  private next = 0
  private stopping = false

  constructor(private readonly init: DataWorkersInit) {
    this.host = new WorkerHost({
      gate: init.gate,
      log: init.log,
      ...(init.refusals === undefined ? {} : { refusals: init.refusals }),
    })
    this.workers = new Array<ChildProcess | undefined>(init.count).fill(undefined)
  }

  /** Where a consumer pulls transfer `pid` (`dataAddress.endpoint`); undefined before listening. */
  dataEndpoint(pid: string): string | undefined {
    return this.url === undefined ? undefined : `${this.url}/data/${encodeURIComponent(pid)}`
  }

  /** Process ids of the running workers. */
  get pids(): number[] {
    return [...this.ready].map((worker) => worker.pid).filter((pid): pid is number => pid !== undefined)
  }

  async start(): Promise<void> {
    const { host, port } = this.init
    await Promise.all(this.workers.map((_, slot) => this.spawn(slot)))
    const server = createServer({ pauseOnConnect: true }, (socket) => this.handOn(socket))
    const { url, listen } = await listenDsp(server, host, port, this.init.publicUrl)
    this.server = server
    this.url = url
    this.init.log.info({ url, workers: this.init.count, listen }, 'data-plane workers listening')
  }

  async stop(): Promise<void> {
    this.stopping = true
    const server = this.server
    this.server = undefined
    for (const socket of this.waiting.splice(0)) socket.destroy()
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
    await Promise.all(
      this.workers.map(async (worker) => {
        if (worker === undefined || worker.exitCode !== null || worker.signalCode !== null) return
        const exited = new Promise((resolve) => worker.once('exit', resolve))
        worker.kill('SIGTERM')
        await exited
      }),
    )
  }

  /** The next ready worker takes the connection; while none is, it waits for a replacement. */
  private handOn(socket: Socket): void {
    const ready = [...this.ready]
    if (ready.length === 0) {
      if (this.waiting.length >= MAX_WAITING_CONNECTIONS || this.stopping) socket.destroy()
      else this.waiting.push(socket)
      return
    }
    const worker = ready[this.next++ % ready.length]!
    worker.send({ worker: 'connection' } satisfies WorkerControl, socket, (error) => {
      if (error !== null) socket.destroy()
    })
  }

  private spawn(slot: number): Promise<void> {
    const worker = fork(new URL('./data-worker.js', import.meta.url), [], { execArgv: [], stdio: 'inherit' })
    this.workers[slot] = worker
    const started = new Promise<void>((resolve, reject) => {
      worker.once('error', reject)
      worker.once('exit', (code) => reject(new Error(`data-plane worker exited at start (code ${code})`)))
      worker.on('message', (message: WorkerMessage | { worker: 'ready' }) => {
        if ('worker' in message) {
          this.ready.add(worker)
          for (const socket of this.waiting.splice(0)) this.handOn(socket)
          resolve()
          return
        }
        void this.host.receive(worker, message, (answer: HostMessage) => {
          if (worker.connected) worker.send(answer)
        })
      })
    })
    worker.send({ worker: 'init', provider: this.init.provider } satisfies WorkerControl)
    worker.once('exit', (code, signal) => {
      this.ready.delete(worker)
      this.host.lost(worker)
      if (this.stopping) return
      this.init.log.warn({ pid: worker.pid, code, signal }, 'data-plane worker exited; starting another')
      setTimeout(() => {
        if (!this.stopping)
          this.spawn(slot).catch((error: Error) =>
            this.init.log.error({ err: error }, 'data-plane worker did not start'),
          )
      }, RESPAWN_DELAY_MS).unref()
    })
    return started
  }
}
