import { AllmendeError } from '../protocol/errors.js'

/**
 * The JSON-LD document loader was asked for a URL it does not hold. The loader never touches the
 * network: every context must be bundled, every DID resolvable from the local cache.
 */
export class UnknownDocumentError extends AllmendeError {
  static override name = 'UnknownDocumentError'
  readonly url: string
  constructor(url: string) {
    super(
      'ALLMENDE_UNKNOWN_DOCUMENT',
      `the document ${url} is not bundled and the loader never fetches from the network; ` +
        'add the context to spec/contexts/ or use a bundled one',
    )
    this.url = url
  }
}

/** A credential or presentation to be issued or signed is not well formed. */
export class InvalidCredentialError extends AllmendeError {
  static override name = 'InvalidCredentialError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALLMENDE_INVALID_CREDENTIAL', message, options)
  }
}

/**
 * A credential to be issued names no issuer, or another one than the signing key: the node signs only
 * in its own name and only when the credential says so.
 */
export class CredentialIssuerError extends AllmendeError {
  static override name = 'CredentialIssuerError'
  constructor(message: string) {
    super('ALLMENDE_CREDENTIAL_ISSUER', message)
  }
}

/** A status list operation failed: unknown list, index out of range, or the list is full. */
export class StatusListError extends AllmendeError {
  static override name = 'StatusListError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALLMENDE_STATUS_LIST', message, options)
  }
}

/** The status list credential of a credential could not be fetched or did not verify. */
export class StatusListUnavailableError extends AllmendeError {
  static override name = 'StatusListUnavailableError'
  readonly listUrl: string
  constructor(listUrl: string, message: string, options?: { cause?: unknown }) {
    super('ALLMENDE_STATUS_LIST_UNAVAILABLE', message, options)
    this.listUrl = listUrl
  }
}

/** Why an access or ID token was refused; stable, so callers can map it to an HTTP status. */
export type TokenFailure =
  | 'malformed'
  | 'algorithm'
  | 'signature'
  | 'issuer'
  | 'subject'
  | 'audience'
  | 'expired'
  | 'not-yet-valid'
  | 'lifetime'
  | 'replay'
  | 'unresolvable-did'
  | 'claim'

/** An access token or self-issued ID token is refused (or a token to be issued is out of bounds). */
export class TokenError extends AllmendeError {
  static override name = 'TokenError'
  readonly reason: TokenFailure
  constructor(reason: TokenFailure, message: string, options?: { cause?: unknown }) {
    super('ALLMENDE_INVALID_TOKEN', message, options)
    this.reason = reason
  }
}
