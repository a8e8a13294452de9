import type { Logger } from '../../log/index.js'
import { AllmendeError, type DataAddress } from '../../protocol/index.js'
import type { DataFlowSignals, FlowTransfers } from './data-flows.js'
import type { DataPusher, ReceiptGrant } from './data-plane.js'
import { DataAccessDeniedError, DataProtocolError, DataSourceFailedError } from './errors.js'
import type { ProviderGate } from './provider-gate.js'

export interface ProviderPushComponents {
  readonly gate: ProviderGate
  /** Delivers to the consumer's `dataAddress` (`HttpData-PUSH`). */
  readonly pusher: DataPusher
  readonly log: Logger
  /** Delivery attempts after transport failures before the transfer ends (default 6). */
  readonly maxAttempts?: number
}

/**
 * The provider's push: delivers a started push transfer to the consumer's `dataAddress`. The
 * content passes the same gate as a pull ({@link ProviderGate.openData}: token, agreement, usage
 * policy, audit entry before a byte moves); once the consumer's endpoint accepted all of it the
 * control plane completes the transfer. Transport failures are tried again after a pause; a
 * refusal of the gate or of the consumer's endpoint ends the transfer.
 */
export class ProviderPush {
  private readonly pushing = new Set<string>()
  private readonly failures = new Map<string, number>()
  private transfers: FlowTransfers | undefined
  private signals: DataFlowSignals | undefined
  private stopped = false

  constructor(private readonly components: ProviderPushComponents) {}

  connect(transfers: FlowTransfers, signals: DataFlowSignals): void {
    this.transfers = transfers
    this.signals = signals
  }

  stop(): void {
    this.stopped = true
  }

  /** Whether the consumer's `address` is one this node pushes to. */
  delivers(address: DataAddress | undefined): boolean {
    return this.components.pusher.serves(address)
  }

  async push(id: string): Promise<void> {
    if (this.pushing.has(id) || this.stopped) return
    this.pushing.add(id)
    let grant: ReceiptGrant | undefined
    try {
      const transfer = await this.transfers?.get(id)
      if (transfer?.role !== 'provider' || transfer.state !== 'STARTED' || transfer.dataAddress === undefined)
        return
      grant = await this.components.gate.openForPush(transfer)
      const delivery = {
        mediaType: grant.mediaType,
        ...(grant.size === undefined ? {} : { size: grant.size }),
        content: grant.content,
      }
      await this.components.pusher.push(transfer.dataAddress, delivery, grant.signal)
      if (grant.size !== undefined && grant.sent.bytes !== grant.size) {
        throw new DataProtocolError(`the consumer answered after ${grant.sent.bytes} of ${grant.size} bytes`)
      }
      this.failures.delete(id)
      await this.signals?.completed(id, await grant.sent.totals())
    } catch (error) {
      if (grant?.signal.aborted === true || this.stopped) return
      await this.onError(id, error)
    } finally {
      const aborted = grant?.signal.aborted === true
      grant?.release()
      this.pushing.delete(id)
      // Resumed while this push was winding down after a suspension: deliver anew.
      if (aborted) void this.push(id)
    }
  }

  /** A refusal (of the gate or of the consumer's endpoint) ends the push; transport failures retry. */
  private async onError(id: string, error: unknown): Promise<void> {
    const reason = (error as Error).message
    const transient = !(error instanceof AllmendeError) || error.code === 'ALLMENDE_PEER_UNREACHABLE'
    const failures = (this.failures.get(id) ?? 0) + 1
    this.failures.set(id, failures)
    if (transient && failures < (this.components.maxAttempts ?? 6)) {
      this.components.log.warn({ transfer: id, attempt: failures, err: reason }, 'push interrupted; retrying')
      setTimeout(() => void this.push(id), 200 * 2 ** failures).unref()
      return
    }
    this.failures.delete(id)
    const code = transient
      ? 'PUSH_FAILED'
      : error instanceof DataAccessDeniedError
        ? error.reasonCode
        : error instanceof DataSourceFailedError
          ? 'SOURCE_FAILED'
          : 'PUSH_REFUSED'
    await this.signals?.failed(id, { code, reason, transient: false })
  }
}
