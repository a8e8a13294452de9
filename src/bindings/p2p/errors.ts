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

/** The DHT asked a peer this node has no connection to: it queries connected peers only, the mesh dials. */
export class NotConnectedError extends AllmendeError {
  static override name = 'NotConnectedError'
  constructor(peer: string) {
    super('ALLMENDE_NOT_CONNECTED', `the DHT does not dial ${peer}: it asks connected peers only`)
  }
}
