/**
 * Base of every typed Allmende error. `code` is API: stable across versions, upper case,
 * `ALLMENDE_` prefixed; messages may change. `expose` says whether the message may reach a remote
 * client (client faults) or stays in the local log (server faults).
 */
export class AllmendeError extends Error {
  static override name = 'AllmendeError'
  readonly code: string
  readonly expose: boolean

  constructor(code: string, message: string, options?: { cause?: unknown; expose?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.expose = options?.expose ?? true
  }
}

/** Input from a user, a file or a peer is malformed or out of range. */
export class InvalidInputError extends AllmendeError {
  static override name = 'InvalidInputError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALLMENDE_INVALID_INPUT', message, options)
  }
}

/** The thing asked for does not exist (or is not the caller's to see). */
export class NotFoundError extends AllmendeError {
  static override name = 'NotFoundError'
  constructor(message: string) {
    super('ALLMENDE_NOT_FOUND', message)
  }
}
