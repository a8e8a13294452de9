import type { Uint8ArrayList } from 'uint8arraylist'
import type { TransferReceipt } from '../../audit/index.js'
import type { DataAddress } from '../../protocol/index.js'

/**
 * What the data plane's parts say to each other and to the bindings that carry the bytes (libp2p
 * streams, HTTP): a data request, the provider's answer, the content and its totals. The wire
 * format of each binding lives with it (`src/bindings/p2p/data-frames.ts`, `src/bindings/http/`).
 */

/** Largest batch of content the provider's gate hands a binding at once (a libp2p frame's worth). */
export const CONTENT_BATCH_BYTES = 1024 * 1024

/** A time range for time-series sources, as ISO 8601 instants. */
export interface DataQuery {
  readonly from?: string
  readonly to?: string
}

/** The consumer's data request. `offset` > 0 resumes after that many bytes already held. */
export interface DataRequest {
  readonly token: string
  readonly agreementId: string
  readonly offset?: number
  readonly query?: DataQuery
}

/** The provider's answer to a permitted request, before the first byte of content. */
export interface DataHeader {
  /** The provider's transfer process (`providerPid`). */
  readonly transfer: string
  readonly mediaType: string
  readonly size?: number
  readonly offset: number
}

/** Bytes and SHA-256 (hex) of a whole content, from byte 0. */
export interface ContentTotals {
  readonly bytes: number
  readonly sha256: string
}

/** The count and totals of a content as it goes out. */
export interface SentContent {
  /** Bytes of the content from byte 0 that went out so far (a resumed transfer's prefix included). */
  readonly bytes: number
  /** Bytes and SHA-256 of the whole content; asked once its last byte was taken. */
  totals(): Promise<ContentTotals>
}

/** The consumer's end of one pull, driven by a binding. */
export interface PullTarget {
  /** The provider permitted the request; content follows from `header.offset`. */
  begin(header: DataHeader): Promise<void>
  write(chunk: Uint8ArrayList): Promise<void>
  /** Bytes held so far (from byte 0): what the consumer acknowledges. */
  readonly written: number
  /** The content is complete, as the provider counted it: check it and return the receipt signed by the consumer. */
  finish(end: ContentTotals): Promise<TransferReceipt>
  /**
   * The content is complete on a data plane that sends no totals and signs no receipt
   * (`HttpData-PULL`): returns the totals of the whole file; the pull resolves to exactly this
   * object. Optional: a target for receipt-signing data planes only may leave it out.
   */
  settle?(): Promise<ContentTotals>
}

/**
 * The client side of a data plane: pulls one request into a target and resolves to the receipt the
 * provider countersigned, or to the totals of {@link PullTarget.settle} when the data plane has no
 * receipts. `address` is the start message's `dataAddress`.
 */
export interface DataPuller {
  /** Whether this data plane pulls from `address` (its `endpointType` and endpoint). */
  serves(address: DataAddress | undefined): boolean
  pull(
    peer: string,
    request: DataRequest,
    target: PullTarget,
    signal: AbortSignal,
    address?: DataAddress,
  ): Promise<unknown>
}

/** What a provider pushes to a consumer's endpoint: the whole content, in batches of chunks. */
export interface PushDelivery {
  readonly mediaType: string
  readonly size?: number
  readonly content: AsyncIterable<readonly Uint8Array[]>
}

/**
 * The provider side of a push data plane (`HttpData-PUSH`): delivers the content to the address
 * the consumer gave in its request; resolves once the consumer's endpoint accepted it.
 */
export interface DataPusher {
  /** Whether this data plane delivers to the consumer's `address`. */
  serves(address: DataAddress | undefined): boolean
  push(address: DataAddress, delivery: PushDelivery, signal: AbortSignal): Promise<void>
}

/**
 * Who asks for data. Over libp2p the admitted peer (its DID), which must be the token's subject;
 * over HTTP (`HttpData-PULL`) nobody but the token's bearer, on the path of one transfer: the token
 * is the credential, as DSP defines it, and must be for that transfer.
 */
export type DataCaller = { readonly peer: string } | { readonly bearerFor: string }

/** What the provider's gate hands a binding for a permitted request. */
export interface DataGrant {
  /** The transfer process (`providerPid`). */
  readonly transfer: string
  readonly mediaType: string
  readonly size?: number
  readonly offset: number
  /** The content from `offset` on, in batches of chunks of at most {@link CONTENT_BATCH_BYTES}. */
  readonly content: AsyncIterable<readonly Uint8Array[]>
  /** Aborted when the transfer is suspended or terminated meanwhile. */
  readonly signal: AbortSignal
  /** The stream ended without completion (consumer gone, protocol error); safe to call twice. */
  release(): void
}

/**
 * A grant on a data plane with receipts (libp2p pulls, pushes): the provider states totals it
 * counted itself, hashed as the content went out or remembered for the unchanged file.
 */
export interface ReceiptGrant extends DataGrant {
  readonly sent: SentContent
  /** Checks and countersigns the consumer's receipt and completes the transfer. */
  complete(receipt: unknown): Promise<TransferReceipt>
}

/**
 * The provider's gate as the bindings that serve data requests see it. An admitted peer's request
 * gets a {@link ReceiptGrant}; a bearer's (`HttpData-PULL`, no receipts) a plain grant, whose
 * content nobody hashes on this side.
 */
export interface DataProvider {
  openData(request: DataRequest, from: { readonly peer: string }): Promise<ReceiptGrant>
  openData(request: DataRequest, from: { readonly bearerFor: string }): Promise<DataGrant>
}
