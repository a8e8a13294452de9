import { AllmendeError, errorReply } from '../protocol/index.js'

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

/** Maps an error to its HTTP status by the one error table; faults keep their message private. */
export function httpStatusOf(error: unknown): { status: number; code: string; message: string } {
  const { status, code, message } = errorReply(error)
  return { status, code, message }
}
