import { AllmendeError } from '../../protocol/errors.js'

/** A peer did not pass admission to this data space (wrong data space, no membership, revoked). */
export class PeerNotAdmittedError extends AllmendeError {
  static override name = 'PeerNotAdmittedError'
  constructor(peer: string, reason: string) {
    super('ALLMENDE_PEER_NOT_ADMITTED', `peer ${peer} is not admitted: ${reason}`)
  }
}

/** This node is not (yet, or no longer) a member of its data space: peers would refuse it. */
export class NotAMemberError extends AllmendeError {
  static override name = 'NotAMemberError'
  constructor(reason: string) {
    super('ALLMENDE_NOT_A_MEMBER', reason)
  }
}
