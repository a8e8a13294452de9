import type { TransferReceipt } from '../audit/index.js'
import type { TransferState } from '../protocol/index.js'
import type { FlowTransfer } from './data-plane/data-flows.js'
import type { TransferRole } from './transfer-machine.js'

/** One step of a transfer's history, with the reason when there is one. */
export interface TransferStep {
  readonly state: TransferState
  readonly at: string
  readonly code?: string
  readonly reason?: string
}

/**
 * A transfer process as this node keeps it, keyed by its own process id (`providerPid` on the
 * provider, `consumerPid` on the consumer): what the data plane reads of it, and the rest.
 */
export interface TransferProcessRecord extends FlowTransfer {
  readonly role: TransferRole
  /** Provider: the consumer's DSP HTTP `callbackAddress`, when it asked over HTTPS (absent over libp2p). */
  readonly callbackAddress?: string
  /** Bytes and SHA-256 (hex) of the whole content, once complete (COMPLETING with a receipt, then COMPLETED). */
  readonly bytes?: number
  readonly sha256?: string
  /** The receipt both parties signed, once complete. */
  readonly receipt?: TransferReceipt
  readonly history: readonly TransferStep[]
  readonly created: string
  readonly updated: string
}

/** The `format` Allmende asks for when the consumer names none: a pull over its libp2p data plane. */
export const DEFAULT_TRANSFER_FORMAT = 'allmende-libp2p-PULL'
