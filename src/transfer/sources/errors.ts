import { AllmendeError } from '../../protocol/errors.js'

/**
 * Base of every failure to read a dataset's source. `url` is the address without user info or
 * credentials; `status` the HTTP status when the source answered. Messages name the path or URL and
 * never contain a secret. Not exposed to remote peers by default: a source's address is the
 * provider's internal business.
 */
export class SourceError extends AllmendeError {
  static override name = 'SourceError'
  readonly url: string | undefined
  readonly status: number | undefined

  constructor(
    message: string,
    options?: { code?: string; url?: string; status?: number; cause?: unknown; expose?: boolean },
  ) {
    super(options?.code ?? 'ALLMENDE_SOURCE', message, {
      cause: options?.cause,
      expose: options?.expose ?? false,
    })
    this.url = options?.url
    this.status = options?.status
  }
}

/** A source description is malformed: the message names the field and what is expected. */
export class InvalidSourceSpecError extends SourceError {
  static override name = 'InvalidSourceSpecError'
  readonly field: string
  constructor(field: string, message: string) {
    super(`invalid source (${field}): ${message}`, { code: 'ALLMENDE_INVALID_SOURCE_SPEC', expose: true })
    this.field = field
  }
}

/** The file a dataset points at does not exist. */
export class SourceNotFoundError extends SourceError {
  static override name = 'SourceNotFoundError'
  readonly path: string
  constructor(path: string, options?: { cause?: unknown }) {
    super(`source file ${path} does not exist; check the dataset's source path`, {
      code: 'ALLMENDE_SOURCE_NOT_FOUND',
      cause: options?.cause,
    })
    this.path = path
  }
}

/** The path a dataset points at is a directory (or another non-regular file), or is not readable. */
export class SourceNotAFileError extends SourceError {
  static override name = 'SourceNotAFileError'
  readonly path: string
  constructor(path: string, what: string, options?: { cause?: unknown }) {
    super(`source ${path} ${what}; a file source must name a readable regular file`, {
      code: 'ALLMENDE_SOURCE_NOT_A_FILE',
      cause: options?.cause,
    })
    this.path = path
  }
}

/** The source answered with a non-2xx HTTP status (other than "temporarily unavailable"). */
export class SourceResponseError extends SourceError {
  static override name = 'SourceResponseError'
  constructor(url: string, status: number, detail: string) {
    super(`source ${url} answered HTTP ${status}${detail === '' ? '' : `: ${detail}`}`, {
      code: 'ALLMENDE_SOURCE_RESPONSE',
      url,
      status,
    })
  }
}

/**
 * The source cannot be reached right now: connection refused, DNS failure, time limit passed, or
 * HTTP 502/503/504. Retrying later may succeed.
 */
export class SourceUnavailableError extends SourceError {
  static override name = 'SourceUnavailableError'
  constructor(url: string, reason: string, options?: { status?: number; cause?: unknown }) {
    super(`source ${url} is unavailable: ${reason}`, {
      code: 'ALLMENDE_SOURCE_UNAVAILABLE',
      url,
      status: options?.status,
      cause: options?.cause,
    })
  }
}

/** The source answered, but not in the shape its kind promises (bad JSON, no `value` array, …). */
export class SourceFormatError extends SourceError {
  static override name = 'SourceFormatError'
  constructor(url: string, message: string, options?: { cause?: unknown }) {
    super(`source ${url} answered in an unexpected format: ${message}`, {
      code: 'ALLMENDE_SOURCE_FORMAT',
      url,
      cause: options?.cause,
    })
  }
}

/** A `credentialRef` names no secret this node holds, or the secret is malformed. Never shows the value. */
export class SourceCredentialError extends SourceError {
  static override name = 'SourceCredentialError'
  readonly credentialRef: string
  constructor(credentialRef: string, message: string) {
    super(`credential "${credentialRef}": ${message}`, { code: 'ALLMENDE_SOURCE_CREDENTIAL' })
    this.credentialRef = credentialRef
  }
}

/** A requested byte range starts beyond the end of the source. */
export class SourceRangeError extends SourceError {
  static override name = 'SourceRangeError'
  constructor(
    where: string,
    offset: number,
    /** The source's size, when known. */
    readonly size?: number,
  ) {
    super(
      `offset ${offset} lies beyond the end of source ${where}${size === undefined ? '' : ` (${size} bytes)`}`,
      {
        code: 'ALLMENDE_SOURCE_RANGE',
        expose: true,
      },
    )
  }
}

/** Reading stopped because the caller's AbortSignal fired (not a time limit). */
export class SourceAbortedError extends SourceError {
  static override name = 'SourceAbortedError'
  constructor(where: string, options?: { cause?: unknown }) {
    super(`reading source ${where} was aborted`, { code: 'ALLMENDE_SOURCE_ABORTED', cause: options?.cause })
  }
}
