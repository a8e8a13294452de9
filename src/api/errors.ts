import { AllmendeError, DSP_ERROR_STATUS } from '../protocol/index.js'

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

/** A caller of an open route sent more requests than it may; it gets 429 with `Retry-After`. */
export class TooManyRequestsError extends AllmendeError {
  static override name = 'TooManyRequestsError'
  constructor(message: string) {
    super('ALLMENDE_TOO_MANY_REQUESTS', message)
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

/**
 * HTTP status of the management API's own codes; protocol codes come from the one DSP table
 * (`DSP_ERROR_STATUS`). Codes in neither are server faults (500) unless the error is exposed.
 */
const API_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ALLMENDE_USAGE: 400,
  ALLMENDE_INVALID_DID: 400,
  ALLMENDE_INVALID_DATASET: 400,
  ALLMENDE_INVALID_OFFER: 400,
  ALLMENDE_UNAUTHORIZED: 401,
  ALLMENDE_LOGIN_CODE: 401,
  ALLMENDE_CSRF: 403,
  ALLMENDE_PEER_NOT_ADMITTED: 403,
  ALLMENDE_NOT_A_MEMBER: 403,
  ALLMENDE_NOT_AN_ANCHOR: 403,
  ALLMENDE_NO_DATASPACE: 404,
  ALLMENDE_MEMBERSHIP_UNAVAILABLE: 502,
  ALLMENDE_DATASET_VERSION_CONFLICT: 409,
  ALLMENDE_EXPORT_NOT_CONFIGURED: 409,
  ALLMENDE_PAYLOAD_TOO_LARGE: 413,
  ALLMENDE_TOO_MANY_REQUESTS: 429,
  ALLMENDE_PEER_UNREACHABLE: 502,
  ALLMENDE_REMOTE_ERROR: 502,
}

function statusOfCode(code: string): number | undefined {
  return API_STATUS_BY_CODE[code] ?? DSP_ERROR_STATUS[code]?.status
}

/** Maps an error to its HTTP status; unknown errors are 500 and keep their message private. */
export function httpStatusOf(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof AllmendeError) {
    const status = statusOfCode(error.code) ?? (error.expose ? 400 : 500)
    return {
      status,
      code: error.code,
      message: status >= 500 && !error.expose ? 'internal error' : error.message,
    }
  }
  return { status: 500, code: 'ALLMENDE_INTERNAL', message: 'internal error' }
}
