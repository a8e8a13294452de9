import { AllmendeError } from '../../protocol/index.js'
import type { DataClaims } from './data-token.js'
import { DataAccessDeniedError, DataSourceFailedError, RangeNotSatisfiableError } from './errors.js'

/**
 * The loopback channel between the control plane and a data-plane worker process (Node's IPC
 * channel of the forked worker). The worker asks; the control plane decides and records. Calls carry
 * a number the answer repeats; grants are numbered by the control plane.
 */

/** An error as it crosses the channel: enough to throw the same class, code and message again. */
export interface WireError {
  readonly name: string
  readonly code: string
  readonly message: string
  readonly reasonCode?: string
  readonly offset?: number
  readonly size?: number
}

/** From a worker to the control plane. */
export type WorkerMessage =
  /** A request whose token the worker verified: may it be served, and from which source? */
  | { readonly op: 'admit'; readonly call: number; readonly claims: DataClaims; readonly offset: number }
  /** The consumer took the last byte of a grant's content; answered once it is recorded. */
  | { readonly op: 'delivered'; readonly call: number; readonly grant: number }
  /** The source of a grant failed; answered with the error the consumer sees. */
  | { readonly op: 'failed'; readonly call: number; readonly grant: number; readonly error: WireError }
  /** A grant's stream ended (whole or broken off). */
  | { readonly op: 'release'; readonly grant: number }
  /** A request refused before its token was authenticated (counted, never audited). */
  | { readonly op: 'refused'; readonly reason: string }

/** From the control plane to a worker. */
export type HostMessage =
  | {
      readonly op: 'admitted'
      readonly call: number
      readonly grant: number
      readonly transferId: string
      readonly source: unknown
      readonly baseDir?: string
    }
  | { readonly op: 'done'; readonly call: number }
  | { readonly op: 'error'; readonly call: number; readonly error: WireError }
  /** The transfer was suspended or terminated, or the node stops: the grant's stream ends. */
  | { readonly op: 'abort'; readonly grant: number; readonly reason: string }

export function toWire(error: unknown): WireError {
  const e = error as Partial<WireError> & Error
  return {
    name: e.name ?? 'Error',
    code: error instanceof AllmendeError ? error.code : 'ALLMENDE_INTERNAL',
    message: e.message ?? String(error),
    ...(typeof e.reasonCode === 'string' ? { reasonCode: e.reasonCode } : {}),
    ...(typeof e.offset === 'number' ? { offset: e.offset } : {}),
    ...(typeof e.size === 'number' ? { size: e.size } : {}),
  }
}

/** The error a wire error stands for: the same class where the bindings tell them apart. */
export function fromWire(wire: WireError): Error {
  if (wire.name === DataAccessDeniedError.name)
    return new DataAccessDeniedError(wire.reasonCode ?? '', wire.message)
  if (wire.name === DataSourceFailedError.name) return new DataSourceFailedError(wire.message)
  if (wire.name === RangeNotSatisfiableError.name && wire.offset !== undefined && wire.size !== undefined)
    return new RangeNotSatisfiableError(wire.offset, wire.size)
  if (wire.code === 'ALLMENDE_INTERNAL') return new Error(wire.message)
  return new AllmendeError(wire.code, wire.message)
}
