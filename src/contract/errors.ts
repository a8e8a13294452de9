import { AllmendeError } from '../protocol/errors.js'

/** The provider refused the request: the consumer's operator reads `message`. */
export class NegotiationRefusedError extends AllmendeError {
  static override name = 'NegotiationRefusedError'
  constructor(
    readonly reasonCode: string,
    message: string,
  ) {
    super('ALLMENDE_NEGOTIATION_REFUSED', message)
  }
}

/** An agreement credential sent by the counterparty does not match what was negotiated or fails a check. */
export class AgreementMismatchError extends AllmendeError {
  static override name = 'AgreementMismatchError'
  constructor(message: string) {
    super('ALLMENDE_AGREEMENT_MISMATCH', message)
  }
}
