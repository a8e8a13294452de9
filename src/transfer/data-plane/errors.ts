import { AllmendeError } from '../../protocol/errors.js'

/**
 * The provider refused a data request: bad or replayed token, transfer not started, or the usage
 * policy denies it now. `reasonCode` says which (`TOKEN_INVALID`, `TRANSFER_NOT_STARTED`,
 * `POLICY_DENIED`, ...); the message is for the consumer's operator.
 */
export class DataAccessDeniedError extends AllmendeError {
  static override name = 'DataAccessDeniedError'
  constructor(
    readonly reasonCode: string,
    message: string,
  ) {
    super('ALLMENDE_DATA_ACCESS_DENIED', message)
  }
}

/** The provider could not read the dataset's source; nothing was counted as a use. */
export class DataSourceFailedError extends AllmendeError {
  static override name = 'DataSourceFailedError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALLMENDE_DATA_SOURCE_FAILED', message, options)
  }
}

/** A resume offset lies beyond the content's end (HTTP 416 with the content's size). */
export class RangeNotSatisfiableError extends AllmendeError {
  static override name = 'RangeNotSatisfiableError'
  constructor(
    readonly offset: number,
    readonly size: number,
  ) {
    super(
      'ALLMENDE_RANGE_NOT_SATISFIABLE',
      `the resume offset ${offset} lies beyond the content's ${size} bytes; resume from at most ${size}`,
    )
  }
}

/** The received bytes do not hash to what the provider sent, or their count differs. */
export class ContentMismatchError extends AllmendeError {
  static override name = 'ContentMismatchError'
  constructor(message: string) {
    super('ALLMENDE_CONTENT_MISMATCH', message)
  }
}

/** The data plane peer broke the protocol: unexpected frame, oversized frame, bad JSON. */
export class DataProtocolError extends AllmendeError {
  static override name = 'DataProtocolError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALLMENDE_DATA_PROTOCOL', message, options)
  }
}

/**
 * The data plane reported an error frame: `remoteCode` is the provider's code, the message its
 * reason. Denials and source failures arrive this way on the consumer.
 */
export class RemoteDataError extends AllmendeError {
  static override name = 'RemoteDataError'
  constructor(
    readonly remoteCode: string,
    readonly reasonCode: string | undefined,
    message: string,
  ) {
    super('ALLMENDE_REMOTE_DATA_ERROR', message)
  }
}

/**
 * A file changed while it was sent: what went out is of no known version, so the provider states no
 * totals for it (its operator reads the path; the consumer learns only that the source failed).
 */
export class SourceChangedError extends AllmendeError {
  static override name = 'SourceChangedError'
  constructor(readonly path: string) {
    super('ALLMENDE_SOURCE_CHANGED', `${path} changed while it was sent; the transfer can start again`, {
      expose: false,
    })
  }
}

/**
 * The content went out, but its totals are neither hashed nor remembered: `openContent` sets up one
 * of the two for every stream with totals, so this is a fault of this node, not of the source.
 */
export class ContentTotalsUnknownError extends AllmendeError {
  static override name = 'ContentTotalsUnknownError'
  constructor() {
    super(
      'ALLMENDE_CONTENT_TOTALS_UNKNOWN',
      'the content was sent without a hash or remembered totals, so no receipt can state them; ' +
        'the transfer can start again, and the node log of this error belongs in a bug report',
      { expose: false },
    )
  }
}

/**
 * The whole content of a transfer went out and its stream is still open: the consumer's receipt
 * (or, over `HttpData-PULL`, its completion) is on the way. A repeated request gets no new token
 * then, and the transfer is not ended: it completes by itself, or its stream breaks and the grant
 * counts as used up.
 */
export class DeliveryUnderWayError extends AllmendeError {
  static override name = 'DeliveryUnderWayError'
  constructor(readonly transferId: string) {
    super(
      'ALLMENDE_DELIVERY_UNDER_WAY',
      `the data of transfer ${transferId} went out whole and its receipt is on the way; no new access token is issued`,
    )
  }
}
