import { AllmendeError } from '../protocol/errors.js'

/** A data space descriptor is malformed, tampered with, or not signed by all of its trust anchors. */
export class InvalidDescriptorError extends AllmendeError {
  static override name = 'InvalidDescriptorError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALLMENDE_INVALID_DESCRIPTOR', message, options)
  }
}

/** The operation needs a trust anchor of the data space (endorse, revoke), and this node is none. */
export class NotAnAnchorError extends AllmendeError {
  static override name = 'NotAnAnchorError'
  constructor(did: string, dataspace: string) {
    super(
      'ALLMENDE_NOT_AN_ANCHOR',
      `${did} is not a trust anchor of data space ${dataspace}; only its anchors endorse and revoke members`,
    )
  }
}

/** The node has joined no data space (its config names no descriptor). */
export class NoDataspaceError extends AllmendeError {
  static override name = 'NoDataspaceError'
  constructor(root: string) {
    super(
      'ALLMENDE_NO_DATASPACE',
      `the node in ${root} belongs to no data space; create one with 'allmende dataspace create' or join one with 'allmende dataspace join'`,
    )
  }
}

/** A membership credential could not be obtained from an anchor (not endorsed, unreachable). */
export class MembershipUnavailableError extends AllmendeError {
  static override name = 'MembershipUnavailableError'
  /** The anchor answered and refused (not endorsed or revoked), as opposed to not answering. */
  readonly refused: boolean
  /** When the anchor revoked this node's membership, if it said so. */
  readonly revokedAt: string | undefined
  constructor(message: string, options?: { cause?: unknown; refused?: boolean; revokedAt?: string }) {
    super('ALLMENDE_MEMBERSHIP_UNAVAILABLE', message, options)
    this.refused = options?.refused ?? false
    this.revokedAt = options?.revokedAt
  }
}

/** A membership credential handed over as a file does not fit this node (`dataspace join --credential`). */
export class UnfitCredentialError extends AllmendeError {
  static override name = 'UnfitCredentialError'
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(
      'ALLMENDE_UNFIT_CREDENTIAL',
      `${file}: ${reason}; ask an anchor of the data space for this node's credential: ` +
        'allmende dataspace endorse DID --credential-out FILE (or leave it out: a running node fetches it from an anchor)',
      options,
    )
  }
}
