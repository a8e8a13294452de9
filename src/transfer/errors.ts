import { AllmendeError, NotFoundError } from '../protocol/errors.js'

/**
 * The agreement named for a transfer is unknown here, not FINALIZED, or not the caller's. Code
 * `ALLMENDE_NOT_FOUND`: to a peer, an agreement it is not party to and none at all look the same.
 */
export class AgreementNotUsableError extends NotFoundError {
  static override name = 'AgreementNotUsableError'
}

/** The provider revoked the agreement a transfer is asked under: no transfer opens under it. */
export class AgreementRevokedError extends AllmendeError {
  static override name = 'AgreementRevokedError'
  constructor(agreementId: string) {
    super(
      'ALLMENDE_AGREEMENT_REVOKED',
      `agreement ${agreementId} was revoked by the provider; no transfer can be started under it`,
    )
  }
}

/** A transfer cannot be started, suspended or resumed in its current state, or lacks its output file. */
export class TransferStateError extends AllmendeError {
  static override name = 'TransferStateError'
  constructor(message: string) {
    super('ALLMENDE_TRANSFER_STATE', message)
  }
}
