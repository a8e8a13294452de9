import type { Logger, UnauthenticatedRefusals } from '../../log/index.js'
import type { DataClaims } from './data-token.js'
import type { VerifiedPermit } from './provider-gate.js'
import { fromWire, type HostMessage, toWire, type WorkerMessage } from './worker-wire.js'

/** The gate's side the workers reach: admission of a verified request. */
export interface VerifiedAdmission {
  admitVerified(claims: DataClaims, offset: number): Promise<VerifiedPermit>
}

export interface WorkerHostInit {
  readonly gate: VerifiedAdmission
  readonly log: Logger
  readonly refusals?: UnauthenticatedRefusals
}

/**
 * The control plane's end of the channel to its data-plane workers: admits what a worker asks
 * for at the provider's gate, records the facts a worker reports (the last byte taken, a source
 * failure, the end of a stream) in the gate's books, and tells a worker when a grant is aborted.
 * When a worker is lost, its grants end as broken-off streams; the consumer resumes elsewhere.
 */
export class WorkerHost {
  private readonly grants = new Map<number, { permit: VerifiedPermit; worker: object }>()
  private nextGrant = 1

  constructor(private readonly init: WorkerHostInit) {}

  /** Handles one message of `worker`; `reply` sends to that worker. */
  async receive(
    worker: object,
    message: WorkerMessage,
    reply: (message: HostMessage) => void,
  ): Promise<void> {
    switch (message.op) {
      case 'refused':
        this.init.refusals?.refuse('data-plane', message.reason)
        return
      case 'release':
        this.end(message.grant)
        return
      case 'admit': {
        let permit: VerifiedPermit
        try {
          permit = await this.init.gate.admitVerified(message.claims, message.offset)
        } catch (error) {
          reply({ op: 'error', call: message.call, error: toWire(error) })
          return
        }
        const grant = this.nextGrant++
        this.grants.set(grant, { permit, worker })
        // Suspended, terminated, a newer request, or the node stops: the worker ends the stream.
        permit.signal.addEventListener(
          'abort',
          () => {
            if (this.grants.has(grant)) reply({ op: 'abort', grant, reason: String(permit.signal.reason) })
          },
          { once: true },
        )
        reply({
          op: 'admitted',
          call: message.call,
          grant,
          transferId: permit.transferId,
          source: permit.source,
          ...(permit.baseDir === undefined ? {} : { baseDir: permit.baseDir }),
        })
        return
      }
      case 'delivered': {
        const permit = this.grants.get(message.grant)?.permit
        try {
          if (permit === undefined) throw new Error(`no open grant ${message.grant}`)
          await permit.delivered()
          reply({ op: 'done', call: message.call })
        } catch (error) {
          reply({ op: 'error', call: message.call, error: toWire(error) })
        }
        return
      }
      case 'failed': {
        const permit = this.grants.get(message.grant)?.permit
        const failure = fromWire(message.error)
        const told = permit === undefined ? failure : await permit.failed(failure)
        reply({ op: 'error', call: message.call, error: toWire(told) })
        return
      }
    }
  }

  /** A worker is gone: its grants end as broken-off streams. */
  lost(worker: object): void {
    for (const [grant, open] of this.grants) {
      if (open.worker !== worker) continue
      this.init.log.warn({ transfer: open.permit.transferId }, 'data-plane worker lost during a stream')
      this.end(grant)
    }
  }

  private end(grant: number): void {
    const open = this.grants.get(grant)
    if (open === undefined) return
    this.grants.delete(grant)
    open.permit.release()
  }
}
