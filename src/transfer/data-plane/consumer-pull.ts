import { signReceipt, type TransferReceipt, verifyReceipt } from '../../audit/index.js'
import type { NodeKey } from '../../identity/index.js'
import { type DataAddress, InvalidInputError } from '../../protocol/index.js'
import { tokenOf } from './data-address.js'
import type { DataFlowSignals, FlowTransfer, FlowTransfers } from './data-flows.js'
import type { ContentTotals, DataPuller, PullTarget } from './data-plane.js'
import { ContentMismatchError, RemoteDataError } from './errors.js'
import { FileSink, fileLength } from './file-sink.js'

export interface ConsumerPullComponents {
  readonly nodeKey: NodeKey
  readonly clock: () => Date
  /** The data planes this node pulls over, picked by the start message's address (the dispatcher). */
  readonly puller: DataPuller
}

/**
 * The consumer's data plane: pulls a started transfer with the single-use token of its latest
 * start message into its file, after the bytes the file already holds, with a running SHA-256 of
 * the whole file; signs the receipt the provider countersigns (libp2p) or settles with the file's
 * totals (`HttpData-PULL`, no receipts). Completion and failure go to the control plane as
 * signals; a transient failure there asks the provider for a fresh token and starts the pull again.
 */
export class ConsumerPull {
  /** Running pulls by transfer id, with the bytes held so far. */
  private readonly pulls = new Map<string, { controller: AbortController; target?: PullTarget }>()
  /** The token last presented per transfer (each is single-use; a pull waits for a new one). */
  private readonly usedTokens = new Map<string, string>()
  private transfers: FlowTransfers | undefined
  private signals: DataFlowSignals | undefined
  private stopped = false

  constructor(private readonly components: ConsumerPullComponents) {}

  connect(transfers: FlowTransfers, signals: DataFlowSignals): void {
    this.transfers = transfers
    this.signals = signals
  }

  /** Whether a start message's address can be pulled: a data plane of this node serves it, with a bearer token. */
  accepts(address: DataAddress | undefined): boolean {
    return this.components.puller.serves(address) && tokenOf(address) !== undefined
  }

  /** Bytes a running pull holds (from byte 0), or undefined when none runs. */
  received(id: string): number | undefined {
    return this.pulls.get(id)?.target?.written
  }

  /** Whether a pull of the transfer runs. */
  pulling(id: string): boolean {
    return this.pulls.has(id)
  }

  /** Stops a running pull; what arrived stays in the file. */
  abort(id: string, reason: Error): void {
    this.pulls.get(id)?.controller.abort(reason)
  }

  /** The transfer ended: its tokens are of no more use. */
  forget(id: string): void {
    this.usedTokens.delete(id)
  }

  stop(): void {
    this.stopped = true
    for (const { controller } of this.pulls.values()) controller.abort(new Error('the node stops'))
  }

  /** The totals of the whole file a transfer wrote. */
  async settle(transfer: FlowTransfer): Promise<ContentTotals> {
    if (transfer.out === undefined) throw new InvalidInputError(`transfer ${transfer.id} has no output file`)
    const sink = await FileSink.open(transfer.out, await fileLength(transfer.out))
    return sink.settle()
  }

  /** Pulls a started transfer with its current token into its file, after what it holds. */
  async pull(id: string): Promise<void> {
    if (this.pulls.has(id) || this.stopped) return
    const transfer = await this.transfers?.get(id)
    const token = tokenOf(transfer?.dataAddress)
    if (transfer === undefined || transfer.role !== 'consumer' || transfer.state !== 'STARTED') return
    if (transfer.out === undefined || token === undefined || this.usedTokens.get(id) === token) return
    if (this.pulls.has(id)) return
    const controller = new AbortController()
    const running: { controller: AbortController; target?: PullTarget } = { controller }
    this.pulls.set(id, running)
    this.usedTokens.set(id, token)
    let sink: FileSink | undefined
    try {
      const offset = await fileLength(transfer.out)
      sink = await FileSink.open(transfer.out, offset)
      let settled: ContentTotals | undefined
      const target = this.pullTarget(transfer, sink, (totals) => {
        settled = totals
      })
      running.target = target
      const outcome = await this.components.puller.pull(
        transfer.counterparty,
        { token, agreementId: transfer.agreementId, offset },
        target,
        controller.signal,
        transfer.dataAddress,
      )
      // Only the target's own totals complete without a receipt: a data plane cannot fake them.
      if (settled !== undefined && outcome === settled) await this.signals?.completed(id, settled)
      else {
        const receipt = this.checkReceipt(transfer, outcome)
        await this.signals?.completed(id, { bytes: receipt.bytes, sha256: receipt.sha256, receipt })
      }
    } catch (error) {
      await sink?.close().catch(() => undefined)
      if (controller.signal.aborted) return
      await this.signals?.failed(id, failureOf(error))
    } finally {
      if (this.pulls.get(id) === running) {
        this.pulls.delete(id)
        // A fresh token may have arrived while this pull was winding down (suspend, resume).
        if (controller.signal.aborted) void this.pull(id)
      }
    }
  }

  private pullTarget(
    transfer: FlowTransfer,
    sink: FileSink,
    onSettled: (totals: ContentTotals) => void,
  ): PullTarget {
    const { nodeKey, clock } = this.components
    return {
      begin: async (header) => {
        if (header.offset !== sink.written) {
          throw new InvalidInputError(`the provider starts at byte ${header.offset}, not at ${sink.written}`)
        }
        if (transfer.providerPid !== undefined && header.transfer !== transfer.providerPid) {
          throw new InvalidInputError(
            `the provider serves transfer ${header.transfer}, not ${transfer.providerPid}`,
          )
        }
      },
      write: (chunk) => sink.write(chunk),
      get written() {
        return sink.written
      },
      finish: async (end) => {
        const { bytes, sha256 } = await sink.finish(end)
        return signReceipt(
          {
            agreement: transfer.agreementId,
            transfer: transfer.providerPid ?? '',
            bytes,
            sha256,
            time: clock().toISOString(),
            provider: transfer.counterparty,
            consumer: nodeKey.did,
          },
          nodeKey,
        )
      },
      settle: async () => {
        const totals = await sink.settle()
        onSettled(totals)
        return totals
      },
    }
  }

  /** Both signatures verify and the body is what this node signed. */
  private checkReceipt(transfer: FlowTransfer, countersigned: unknown): TransferReceipt {
    const check = verifyReceipt(countersigned)
    if (!check.ok)
      throw new ContentMismatchError(`the provider's receipt does not verify: ${check.problems.join('; ')}`)
    const receipt = countersigned as TransferReceipt
    if (
      receipt.agreement !== transfer.agreementId ||
      receipt.consumer !== this.components.nodeKey.did ||
      receipt.provider !== transfer.counterparty
    ) {
      throw new ContentMismatchError('the provider countersigned a receipt for another transfer')
    }
    return receipt
  }
}

/**
 * Refusals and bad content end the transfer; anything else is a transport failure, tried again. A
 * provider that is no longer STARTED is no refusal: it suspended or ended the transfer after it sent
 * this pull's token, and its message saying so follows the token; asking again learns its state.
 */
function failureOf(error: unknown): { code: string; reason: string; transient: boolean } {
  const reason = (error as Error).message
  if (error instanceof RemoteDataError && error.reasonCode === 'TRANSFER_NOT_STARTED') {
    return { code: 'PULL_FAILED', reason, transient: true }
  }
  if (error instanceof RemoteDataError) {
    const code =
      error.reasonCode ??
      (error.remoteCode === 'ALLMENDE_DATA_SOURCE_FAILED' ? 'SOURCE_FAILED' : error.remoteCode)
    return { code, reason, transient: false }
  }
  if (error instanceof ContentMismatchError) return { code: 'CONTENT_MISMATCH', reason, transient: false }
  if (error instanceof InvalidInputError) return { code: 'PROTOCOL_ERROR', reason, transient: false }
  return { code: 'PULL_FAILED', reason, transient: true }
}
