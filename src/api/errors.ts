import { AllmendeError } from '../protocol/errors.js'

/** The management API was called without the node's bearer token, or with a wrong one. */
export class UnauthorizedError extends AllmendeError {
  static override name = 'UnauthorizedError'
  constructor(message: string) {
    super('ALLMENDE_UNAUTHORIZED', message)
  }
}

/** The request body is larger than the API accepts. */
export class PayloadTooLargeError extends AllmendeError {
  static override name = 'PayloadTooLargeError'
  constructor(limit: number) {
    super('ALLMENDE_PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`)
  }
}

/** The management API port is taken. */
export class ApiPortInUseError extends AllmendeError {
  static override name = 'ApiPortInUseError'
  constructor(host: string, port: number) {
    super(
      'ALLMENDE_API_PORT_IN_USE',
      `API port ${port} on ${host} is already in use; choose another with --api-port`,
      {
        expose: false,
      },
    )
  }
}

/** HTTP status of each error code; codes not listed are server faults (500). */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ALLMENDE_INVALID_INPUT: 400,
  ALLMENDE_USAGE: 400,
  ALLMENDE_INVALID_MESSAGE: 400,
  ALLMENDE_INVALID_DID: 400,
  ALLMENDE_UNAUTHORIZED: 401,
  ALLMENDE_PEER_NOT_ADMITTED: 403,
  ALLMENDE_NOT_FOUND: 404,
  ALLMENDE_ILLEGAL_TRANSITION: 409,
  ALLMENDE_PAYLOAD_TOO_LARGE: 413,
  ALLMENDE_PEER_UNREACHABLE: 502,
}

/** Maps an error to its HTTP status; unknown errors are 500 and keep their message private. */
export function httpStatusOf(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof AllmendeError) {
    const status = STATUS_BY_CODE[error.code] ?? (error.expose ? 400 : 500)
    return {
      status,
      code: error.code,
      message: status >= 500 && !error.expose ? 'internal error' : error.message,
    }
  }
  return { status: 500, code: 'ALLMENDE_INTERNAL', message: 'internal error' }
}
