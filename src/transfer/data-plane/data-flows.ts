import type { TransferReceipt } from '../../audit/index.js'
import type { DataAddress, DspBinding, TransferState } from '../../protocol/index.js'
import type { ContentTotals } from './data-plane.js'

/**
 * The one narrow interface between the two planes of a transfer. The control plane (the transfer
 * manager: states, messages, resumption) tells the data plane to start, suspend or terminate the
 * flow of one transfer; the data plane (the provider's gate, the consumer's pull, the provider's
 * push) tells it when a flow completed or failed. Tokens, files and read-ahead stay on the data
 * plane's side; the control plane passes a start message's data address on without reading it.
 */

/** A transfer process as the data plane reads it (the control plane's record fits). */
export interface FlowTransfer {
  /** This side's process id (`providerPid` on the provider, `consumerPid` on the consumer). */
  readonly id: string
  readonly role: 'provider' | 'consumer'
  readonly consumerPid: string
  readonly providerPid?: string
  /** DID of the other party. */
  readonly counterparty: string
  readonly agreementId: string
  readonly datasetId: string
  readonly format: string
  readonly state: TransferState
  /** Consumer: the pull address of the latest start message. Provider: the consumer's push address. */
  readonly dataAddress?: DataAddress
  /** Consumer: the file the data is written to. */
  readonly out?: string
}

/** The control plane's records, read-only, for the data plane. */
export interface FlowTransfers {
  get(id: string): Promise<FlowTransfer | undefined>
}

/** How a flow ended whole: the totals, and the receipt when both parties signed one. */
export interface FlowCompleted extends ContentTotals {
  readonly receipt?: TransferReceipt
}

/**
 * Why a flow failed. `transient` (a broken connection, a stall): the control plane may start it
 * again with a fresh token; otherwise the transfer ends with `code` (the DSP termination code).
 */
export interface FlowFailed {
  readonly code: string
  readonly reason: string
  readonly transient: boolean
}

/** What the data plane tells the control plane. */
export interface DataFlowSignals {
  /** The flow delivered the whole content; resolves once the control plane stored it. */
  completed(transferId: string, outcome: FlowCompleted): Promise<void>
  failed(transferId: string, failure: FlowFailed): Promise<void>
}

/** What the control plane tells the data plane. */
export interface DataFlows {
  /**
   * Lets the data plane read the control plane's records and signal back; called once by the
   * transfer manager that drives it.
   */
  connect(transfers: FlowTransfers, signals: DataFlowSignals): void
  /**
   * Provider: the data address of a start message (a pull address with a fresh single-use token;
   * none for a push). Refuses with a `DataAccessDeniedError` when the grant is used up or the
   * agreement revoked.
   */
  startAddress(transfer: FlowTransfer, consumer: DspBinding): Promise<DataAddress | undefined>
  /**
   * Provider: while the whole content of a transfer went out on a stream that still carries the
   * consumer's receipt, a promise of that stream's end (receipt stored or refused, or the stream
   * broken off); otherwise undefined.
   */
  deliveryUnderWay(transferId: string): Promise<void> | undefined
  /** Consumer: whether this node can pull from a start message's data address. */
  accepts(address: DataAddress | undefined): boolean
  /** Provider: whether this node can push to the data address of a consumer's request. */
  delivers(address: DataAddress | undefined): boolean
  /** Starts the flow of a STARTED transfer: the consumer's pull, the provider's push. */
  start(transferId: string): void
  /** Stops the running flow, keeping what arrived (the consumer resumes after it). */
  suspend(transferId: string, reason: string): void
  /** Stops the running flow for good. */
  terminate(transferId: string, reason: string): void
  /** Consumer: the totals of what it holds, when the provider completed while this side was away. */
  settle(transfer: FlowTransfer): Promise<ContentTotals>
  /** Consumer: bytes a running pull holds (from byte 0), or undefined when none runs. */
  received(transferId: string): number | undefined
  /** Consumer: whether a pull of the transfer runs. */
  pulling(transferId: string): boolean
  stop(): void
}
