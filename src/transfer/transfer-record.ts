import type { TransferReceipt } from '../audit/index.js'
import type { DataAddress, TransferState } from '../protocol/index.js'
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
 * provider, `consumerPid` on the consumer).
 */
export interface TransferProcessRecord {
  readonly id: string
  readonly role: TransferRole
  readonly consumerPid: string
  readonly providerPid?: string
  /** DID of the other party. */
  readonly counterparty: string
  readonly agreementId: string
  readonly datasetId: string
  readonly format: string
  readonly state: TransferState
  /** Consumer: the latest pull address from the provider (its token is single-use). Provider: the consumer's HttpData-PUSH address. */
  readonly dataAddress?: DataAddress
  /** Consumer: the file the data is written to. */
  readonly out?: string
  /** Provider: the consumer's DSP HTTP `callbackAddress`, when it asked over HTTPS (absent over libp2p). */
  readonly callbackAddress?: string
  /** Provider: this transfer counts as one use of its agreement (set at the first permitted access). */
  readonly counted?: boolean
  /** Bytes and SHA-256 (hex) of the whole content, once completed. */
  readonly bytes?: number
  readonly sha256?: string
  /** The receipt both parties signed, once completed. */
  readonly receipt?: TransferReceipt
  readonly history: readonly TransferStep[]
  readonly created: string
  readonly updated: string
}

/** Uses of one agreement on its provider: transfers granted access and not failed. */
export interface AgreementUsage {
  readonly agreementId: string
  readonly uses: number
  readonly lastUse?: string
}

/** The `format` Allmende asks for when the consumer names none: a pull over its libp2p data plane. */
export const DEFAULT_TRANSFER_FORMAT = 'allmende-libp2p-PULL'
