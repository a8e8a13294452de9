import { AllmendeError } from '../../protocol/errors.js'

/** A peer did not pass admission to this data space (wrong data space, no membership, revoked). */
export class PeerNotAdmittedError extends AllmendeError {
  static override name = 'PeerNotAdmittedError'
  constructor(peer: string, reason: string) {
    super('ALLMENDE_PEER_NOT_ADMITTED', `peer ${peer} is not admitted: ${reason}`)
  }
}

/** A peer could not be reached. */
export class PeerUnreachableError extends AllmendeError {
  static override name = 'PeerUnreachableError'
  constructor(peer: string, reason: string, options?: { cause?: unknown }) {
    super('ALLMENDE_PEER_UNREACHABLE', `cannot reach peer ${peer}: ${reason}`, options)
  }
}

/** This node is not (yet, or no longer) a member of its data space: peers would refuse it. */
export class NotAMemberError extends AllmendeError {
  static override name = 'NotAMemberError'
  constructor(reason: string) {
    super('ALLMENDE_NOT_A_MEMBER', reason)
  }
}
