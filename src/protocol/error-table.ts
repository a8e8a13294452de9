import { AllmendeError } from './errors.js'

/** How every interface answers one error code. */
export interface ErrorAnswer {
  /**
   * HTTP status on the management API, DSP HTTP and the HTTP data plane. Over libp2p no status is
   * sent, but the same line decides ({@link isRefusalStatus}): below 500 is a refusal (the sender
   * must not retry it unchanged) except 429, a rate limit; 500 and above a fault (retried).
   */
  readonly status: number
  /**
   * Whether the error's code and message reach the caller: the DSP `*Error` of the area (or the
   * data plane's error frame, the API's error body) carries them. When not, the caller reads
   * `ALLMENDE_INTERNAL` and a generic reason, and the details go to the node's log.
   */
  readonly exposed: boolean
}

const refusal = (status: number): ErrorAnswer => ({ status, exposed: true })
const fault = (status = 500): ErrorAnswer => ({ status, exposed: false })
const upstream: ErrorAnswer = { status: 502, exposed: true }

/**
 * The one table from an error `code` to how both bindings and the management API answer it. DSP
 * §1.1: 400 for invalid messages and transitions, 404 for unknown and unauthorized processes.
 * Every code an `AllmendeError` can carry is listed (a unit test reads them from the sources);
 * a code missing here is answered as a fault (500, reason withheld).
 */
export const ERROR_TABLE: Readonly<Record<string, ErrorAnswer>> = {
  // the request is malformed or makes no sense in this state
  ALLMENDE_INVALID_MESSAGE: refusal(400),
  ALLMENDE_INVALID_INPUT: refusal(400),
  ALLMENDE_INVALID_FRAME: refusal(400),
  ALLMENDE_ILLEGAL_TRANSITION: refusal(400),
  ALLMENDE_USAGE: refusal(400),
  ALLMENDE_INVALID_DID: refusal(400),
  ALLMENDE_UNRESOLVABLE_DID: refusal(400),
  ALLMENDE_INVALID_DATASET: refusal(400),
  ALLMENDE_INVALID_OFFER: refusal(400),
  ALLMENDE_INVALID_CATALOG: refusal(400),
  ALLMENDE_INVALID_CREDENTIAL: refusal(400),
  ALLMENDE_CREDENTIAL_ISSUER: refusal(400),
  ALLMENDE_INVALID_DESCRIPTOR: refusal(400),
  ALLMENDE_UNFIT_CREDENTIAL: refusal(400),
  ALLMENDE_INVALID_SOURCE_SPEC: refusal(400),
  ALLMENDE_UNKNOWN_DOCUMENT: refusal(400),
  ALLMENDE_STATUS_LIST: refusal(400),
  ALLMENDE_POLICY_PARSE: refusal(400),
  ALLMENDE_INVALID_POLICY: refusal(400),
  ALLMENDE_POLICY_INHERITANCE: refusal(400),
  ALLMENDE_POLICY_TEMPLATE_PARAMETER: refusal(400),
  ALLMENDE_AGREEMENT_MISMATCH: refusal(400),
  ALLMENDE_CONTENT_MISMATCH: refusal(400),
  ALLMENDE_DATA_PROTOCOL: refusal(400),
  ALLMENDE_RECEIPT: refusal(400),
  ALLMENDE_NOT_JSON: refusal(400),
  // who asks is not known, or not allowed
  ALLMENDE_NOT_AUTHENTICATED: refusal(401),
  ALLMENDE_UNAUTHORIZED: refusal(401),
  ALLMENDE_LOGIN_CODE: refusal(401),
  ALLMENDE_CSRF: refusal(403),
  ALLMENDE_NOT_A_MEMBER: refusal(403),
  ALLMENDE_INVALID_TOKEN: refusal(401),
  ALLMENDE_PEER_NOT_ADMITTED: refusal(403),
  ALLMENDE_DIRECTORY_REFUSED: refusal(403),
  ALLMENDE_NOT_AN_ANCHOR: refusal(403),
  ALLMENDE_NEGOTIATION_REFUSED: refusal(403),
  ALLMENDE_DATA_ACCESS_DENIED: refusal(403),
  ALLMENDE_AGREEMENT_REVOKED: refusal(403),
  ALLMENDE_NOT_FOUND: refusal(404),
  ALLMENDE_UNKNOWN_PROCESS: refusal(404),
  ALLMENDE_NO_DATASPACE: refusal(404),
  ALLMENDE_DATASET_VERSION_CONFLICT: refusal(409),
  ALLMENDE_TRANSFER_STATE: refusal(409),
  ALLMENDE_DELIVERY_UNDER_WAY: refusal(409),
  ALLMENDE_EXPORT_NOT_CONFIGURED: refusal(409),
  ALLMENDE_MESSAGE_TOO_LARGE: refusal(413),
  ALLMENDE_PAYLOAD_TOO_LARGE: refusal(413),
  ALLMENDE_RANGE_NOT_SATISFIABLE: refusal(416),
  ALLMENDE_RANGE_COMPLETE: refusal(416),
  ALLMENDE_RATE_LIMITED: refusal(429),
  // another party or a data source failed: retried, told in words that hide nothing of ours
  ALLMENDE_PEER_UNREACHABLE: upstream,
  ALLMENDE_NOT_CONNECTED: upstream,
  ALLMENDE_PEER_NOT_FOUND: upstream,
  ALLMENDE_PROVIDER_TIMEOUT: upstream,
  ALLMENDE_NETWORK: upstream,
  ALLMENDE_REMOTE_ERROR: upstream,
  ALLMENDE_REMOTE_DATA_ERROR: upstream,
  ALLMENDE_MEMBERSHIP_UNAVAILABLE: upstream,
  ALLMENDE_STATUS_LIST_UNAVAILABLE: upstream,
  ALLMENDE_DSP_VERSION_UNSUPPORTED: upstream,
  ALLMENDE_DATA_SOURCE_FAILED: upstream,
  // a source's own errors name its address: wrapped as ALLMENDE_DATA_SOURCE_FAILED for a consumer
  ALLMENDE_SOURCE: fault(502),
  ALLMENDE_SOURCE_ABORTED: fault(502),
  ALLMENDE_SOURCE_CHANGED: fault(502),
  ALLMENDE_SOURCE_CREDENTIAL: fault(502),
  ALLMENDE_SOURCE_FORMAT: fault(502),
  ALLMENDE_SOURCE_NOT_A_FILE: fault(502),
  ALLMENDE_SOURCE_NOT_FOUND: fault(502),
  ALLMENDE_SOURCE_RANGE: fault(502),
  ALLMENDE_SOURCE_RESPONSE: fault(502),
  ALLMENDE_SOURCE_UNAVAILABLE: fault(502),
  // this node's own faults: its operator reads them in the log
  ALLMENDE_INTERNAL: fault(),
  ALLMENDE_DUTY_STATE: fault(),
  ALLMENDE_CONTENT_TOTALS_UNKNOWN: fault(),
  ALLMENDE_CONFIG: fault(),
  ALLMENDE_KEY_FILE: fault(),
  ALLMENDE_AUDIT_CHAIN: fault(),
  ALLMENDE_AUDIT_SOURCE: fault(),
  ALLMENDE_STORE_CORRUPT: fault(),
  ALLMENDE_WORKER_TASK_FAILED: fault(),
  ALLMENDE_HASH_THREAD_LOST: fault(),
  ALLMENDE_API: fault(),
  ALLMENDE_API_DOCUMENT: fault(),
  ALLMENDE_DASHBOARD_MISSING: fault(),
  ALLMENDE_BACKUP: fault(),
  ALLMENDE_API_PORT_IN_USE: fault(),
  ALLMENDE_DSP_PORT_UNAVAILABLE: fault(),
  ALLMENDE_NODE_NOT_RUNNING: fault(),
  ALLMENDE_POLICY_TEMPLATE_FILE: fault(),
  ALLMENDE_POLICY_NEEDS_ASYNC_PARSE: fault(),
  ALLMENDE_LIBP2P_PATCH: fault(),
}

/** What an interface sends for a thrown value: status, code and message, with internals withheld. */
export interface ErrorReply {
  readonly status: number
  readonly code: string
  readonly message: string
  /** The caller reads the error's own code and message (else a fault it cannot act on). */
  readonly exposed: boolean
}

const WITHHELD = 'internal error; the node logged the details'

/**
 * Maps any thrown value by {@link ERROR_TABLE}: a listed code whose row and instance are both
 * exposed keeps its code and message; anything else is `ALLMENDE_INTERNAL` with a generic message
 * (and the status of its row, or 500).
 */
export function errorReply(error: unknown): ErrorReply {
  const answer = error instanceof AllmendeError ? ERROR_TABLE[error.code] : undefined
  if (answer === undefined || !answer.exposed || !(error as AllmendeError).expose) {
    return { status: answer?.status ?? 500, code: 'ALLMENDE_INTERNAL', message: WITHHELD, exposed: false }
  }
  const { code, message } = error as AllmendeError
  return { status: answer.status, code, message, exposed: true }
}

/** Whether an HTTP status is a refusal (final) rather than a rate limit or a fault worth retrying. */
export function isRefusalStatus(status: number): boolean {
  return status < 500 && status !== 429
}

/**
 * Whether a remote party's error code is a refusal (final: the same message would be refused
 * again) rather than a fault or a rate limit worth retrying. Codes this node does not know are
 * another connector's refusals: final.
 */
export function isRefusalCode(code: string): boolean {
  return isRefusalStatus(ERROR_TABLE[code]?.status ?? 400)
}

/**
 * Whether a failed delivery was the peer's final refusal (an outbox gives up at once) rather than
 * a failure to retry. A code of this table means the same whichever binding brought it; another
 * connector's own code is judged by the HTTP status it came with, and is final without one.
 */
export function isRemoteRefusal(error: unknown): boolean {
  const { code, remoteCode, status } = (error ?? {}) as {
    code?: unknown
    remoteCode?: unknown
    status?: unknown
  }
  if (code !== 'ALLMENDE_REMOTE_ERROR') return false
  if (typeof remoteCode === 'string' && ERROR_TABLE[remoteCode] !== undefined)
    return isRefusalCode(remoteCode)
  return typeof status === 'number' ? isRefusalStatus(status) : true
}
