import { AllmendeError } from '../protocol/errors.js'

/** A key file is missing, unreadable or not an Ed25519 private key. */
export class KeyFileError extends AllmendeError {
  static override name = 'KeyFileError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALLMENDE_KEY_FILE', message, { ...options, expose: false })
  }
}

/** A DID is malformed or of a method this node cannot resolve. */
export class InvalidDidError extends AllmendeError {
  static override name = 'InvalidDidError'
  constructor(message: string) {
    super('ALLMENDE_INVALID_DID', message)
  }
}
