import type { SecretsLookup } from '../sources/index.js'
import { openContent } from './content-stream.js'
import type { DataGrant, DataRequest } from './data-plane.js'
import { DataTokens } from './data-token.js'
import { fromWire, type HostMessage, toWire, type WorkerMessage } from './worker-wire.js'

export interface WorkerGateInit {
  /** The provider's DID: its public key checks the access tokens; the worker never holds the private key. */
  readonly provider: string
  readonly clock: () => Date
  /** Sends a message to the control plane. */
  readonly send: (message: WorkerMessage) => void
  readonly secrets?: SecretsLookup
}

type Answer = Extract<HostMessage, { call: number }>

/**
 * The provider's gate inside a data-plane worker process, for `HttpData-PULL`: checks the access
 * token with the node's public key (a forged, expired or misdirected token never reaches the
 * control plane), asks the control plane to admit the request (transfer, agreement, policy, count
 * and audit entry are its business, as in-process), opens the source it names and streams it. The
 * stream's facts (last byte taken, source failure, end) go back to the control plane; the worker
 * keeps no state but its open grants.
 */
export class WorkerGate {
  private readonly tokens: DataTokens
  private readonly calls = new Map<number, (answer: Answer) => void>()
  private readonly grants = new Map<number, AbortController>()
  private nextCall = 1
  private stopped = false

  constructor(private readonly init: WorkerGateInit) {
    this.tokens = new DataTokens(init.provider, init.clock, (reason) => init.send({ op: 'refused', reason }))
  }

  /** A message from the control plane. */
  receive(message: HostMessage): void {
    if (message.op === 'abort') {
      this.grants.get(message.grant)?.abort(new Error(message.reason))
      return
    }
    const answer = this.calls.get(message.call)
    this.calls.delete(message.call)
    answer?.(message)
  }

  async openData(request: DataRequest, from: { readonly bearerFor: string }): Promise<DataGrant> {
    const offset = request.offset ?? 0
    const claims = await this.tokens.authenticate(request, from)
    const admitted = await this.ask((call) => ({ op: 'admit', call, claims, offset }))
    if (admitted.op !== 'admitted') throw new Error(`the control plane answered ${admitted.op} to admit`)
    const grant = admitted.grant
    const controller = new AbortController()
    this.grants.set(grant, controller)
    let released = false
    const release = () => {
      if (released) return
      released = true
      this.grants.delete(grant)
      this.init.send({ op: 'release', grant })
    }
    try {
      const opened = await openContent(
        {
          source: admitted.source,
          signal: controller.signal,
          delivered: async () => {
            await this.ask((call) => ({ op: 'delivered', call, grant }))
          },
          failed: async (error) => {
            const answer = await this.call((call) => ({ op: 'failed', call, grant, error: toWire(error) }))
            return answer.op === 'error' ? fromWire(answer.error) : new Error('the source failed')
          },
        },
        {
          offset,
          ...(request.query === undefined ? {} : { query: request.query }),
          ...(this.init.secrets === undefined ? {} : { secrets: this.init.secrets }),
          ...(admitted.baseDir === undefined ? {} : { baseDir: admitted.baseDir }),
        },
      )
      return {
        transfer: admitted.transferId,
        ...opened,
        offset,
        signal: controller.signal,
        release: () => {
          release()
          controller.abort(new Error('released'))
        },
      }
    } catch (error) {
      release()
      throw error
    }
  }

  /** The control plane is gone or the worker stops: every stream ends, every call fails. */
  stop(reason: string): void {
    this.stopped = true
    for (const controller of this.grants.values()) controller.abort(new Error(reason))
    for (const [call, answer] of this.calls)
      answer({ op: 'error', call, error: { name: 'Error', code: 'ALLMENDE_INTERNAL', message: reason } })
    this.calls.clear()
  }

  /** One call to the control plane, answered with a result or an error. */
  private call(message: (call: number) => WorkerMessage): Promise<Answer> {
    if (this.stopped) return Promise.reject(new Error('the data-plane worker stops'))
    const call = this.nextCall++
    return new Promise<Answer>((resolve) => {
      this.calls.set(call, resolve)
      this.init.send(message(call))
    })
  }

  /** A call whose error answer is thrown as the error it stands for. */
  private async ask(message: (call: number) => WorkerMessage): Promise<Answer> {
    const answer = await this.call(message)
    if (answer.op === 'error') throw fromWire(answer.error)
    return answer
  }
}
