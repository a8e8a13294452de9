import { AllmendeError } from './errors.js'

// What a binding's client throws when a peer refused or could not be reached: the same two errors
// on libp2p and DSP HTTP, so the outbox decides alike (`isRemoteRefusal` in error-table.ts).

/**
 * The peer answered a DSP request with a `*Error` message; `remoteCode` is the code it gave, and
 * `status` the HTTP status it came with (DSP HTTP only: libp2p sends none).
 */
export class RemoteDspError extends AllmendeError {
  static override name = 'RemoteDspError'
  constructor(
    readonly remoteCode: string,
    readonly reasons: readonly string[],
    readonly status?: number,
  ) {
    super('ALLMENDE_REMOTE_ERROR', `the peer refused: ${reasons.join('; ') || remoteCode} (${remoteCode})`)
  }
}

/** A peer could not be reached (or did not answer in time): worth another try later. */
export class PeerUnreachableError extends AllmendeError {
  static override name = 'PeerUnreachableError'
  constructor(peer: string, reason: string, options?: { cause?: unknown }) {
    super('ALLMENDE_PEER_UNREACHABLE', `cannot reach peer ${peer}: ${reason}`, options)
  }
}

/** The provider did not acknowledge a request (the connection failed or broke off): it may be retried later. */
export class ProviderUnreachableError extends AllmendeError {
  static override name = 'ProviderUnreachableError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALLMENDE_PEER_UNREACHABLE', message, options)
  }
}
