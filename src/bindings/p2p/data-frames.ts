import { Uint8ArrayList } from 'uint8arraylist'
import {
  CONTENT_BATCH_BYTES,
  type ContentTotals,
  type DataHeader,
  DataProtocolError,
  type DataRequest,
} from '../../transfer/index.js'

/**
 * The frames of the libp2p data plane, `DATA_PROTOCOL`: a pull over one stream per data request (the
 * DSP messages themselves travel as in spec/libp2p-framing.md; this is the content channel). Frames are `kind (1 byte) | length (uint32 big-endian) | payload`; kind 1 is a JSON
 * control message, kind 2 a chunk of content.
 *
 * ```
 * consumer                                provider
 *   request {token, agreementId, offset}  ->
 *                                         <-  error {code, reason}            (denied: nothing sent)
 *                                         <-  header {mediaType, size, offset}
 *                                         <-  data ... data                   (bytes from `offset`)
 *   ack {offset}  (bytes written, credit) ->
 *                                         <-  end {bytes, sha256}             (of the WHOLE content)
 *   receipt {consumer-signed}             ->
 *                                         <-  receipt {both signatures}
 * ```
 * The provider keeps at most {@link DATA_CREDIT_BYTES} unacknowledged bytes in flight, so memory on
 * both sides stays bounded whatever the size of the content.
 */

/** Frame kind of a JSON control message. */
export const FRAME_CONTROL = 1
/** Frame kind of a content chunk. */
export const FRAME_DATA = 2
/** Bytes of a frame header: kind and length. */
export const FRAME_HEADER_BYTES = 5
/** Largest content chunk in one frame: one batch of the provider's gate. */
export const MAX_DATA_FRAME_BYTES = CONTENT_BATCH_BYTES
/** Largest control message. */
export const MAX_CONTROL_FRAME_BYTES = 64 * 1024
/** Unacknowledged content bytes the provider may have in flight. */
export const DATA_CREDIT_BYTES = 16 * 1024 * 1024
/**
 * Content bytes the provider may have on the wire ahead of what the consumer took off the stream:
 * the consumer widens its stream's receive window to this (yamux's own stays at 256 KiB). At 256 KiB
 * the provider waited for a window update after every 256 KiB, so the two sides took turns instead
 * of working at once, and over a link of 20 ms round trip a pull could not pass 13 MB/s. Memory stays
 * bounded by the credit, as the consumer takes every byte off the stream as it arrives; at most
 * yamux's ceiling of 16 MiB.
 */
export const DATA_RECEIVE_WINDOW_BYTES = 8 * 1024 * 1024
/** The consumer acknowledges after at least this many newly written bytes. */
export const DATA_ACK_BYTES = 1024 * 1024

/** The consumer's data request. */
export type DataRequestFrame = { readonly type: 'request' } & DataRequest

/** The provider's answer to a permitted request, before the first chunk. */
export type DataHeaderFrame = { readonly type: 'header' } & DataHeader

/** The consumer has written (and will keep) the content up to `offset`. */
export interface DataAckFrame {
  readonly type: 'ack'
  readonly offset: number
}

/** The content is complete: `bytes` in total (from byte 0), `sha256` (hex) of all of them. */
export type DataEndFrame = { readonly type: 'end' } & ContentTotals

/** A transfer receipt: signed by the consumer going out, countersigned by the provider coming back. */
export interface DataReceiptFrame {
  readonly type: 'receipt'
  readonly receipt: Record<string, unknown>
}

/** A refusal or failure; `code` is an Allmende error code, `reasonCode` the finer cause, if any. */
export interface DataErrorFrame {
  readonly type: 'error'
  readonly code: string
  readonly reasonCode?: string
  readonly reason: string
}

/** Every control message of the data plane. */
export type DataControlFrame =
  | DataRequestFrame
  | DataHeaderFrame
  | DataAckFrame
  | DataEndFrame
  | DataReceiptFrame
  | DataErrorFrame

/** One decoded frame. */
export type DataFrame =
  | { readonly kind: typeof FRAME_CONTROL; readonly message: DataControlFrame }
  | { readonly kind: typeof FRAME_DATA; readonly bytes: Uint8ArrayList }

/** The 5-byte header of a frame. */
export function frameHeader(kind: number, length: number): Uint8Array {
  const header = new Uint8Array(FRAME_HEADER_BYTES)
  header[0] = kind
  new DataView(header.buffer).setUint32(1, length)
  return header
}

/** A control message as header and payload (send both, in order). */
export function encodeControl(message: DataControlFrame): [Uint8Array, Uint8Array] {
  const payload = new TextEncoder().encode(JSON.stringify(message))
  if (payload.byteLength > MAX_CONTROL_FRAME_BYTES) {
    throw new DataProtocolError(`a ${message.type} message of ${payload.byteLength} bytes is too large`)
  }
  return [frameHeader(FRAME_CONTROL, payload.byteLength), payload]
}

/**
 * Reassembles frames from the bytes of a stream as they arrive. Refuses an unknown kind or an
 * oversized length as soon as the header is in, before buffering the payload.
 */
export class DataFrameDecoder {
  private readonly buffer = new Uint8ArrayList()
  /** The header of the frame being received, once read. */
  private pending:
    | { readonly kind: typeof FRAME_CONTROL | typeof FRAME_DATA; readonly length: number }
    | undefined

  /** Bytes received and not yet returned as frames (headers not counted). */
  get bufferedBytes(): number {
    return this.buffer.byteLength
  }

  push(bytes: Uint8Array | Uint8ArrayList): void {
    this.buffer.append(bytes)
  }

  /** The next complete frame, or `undefined` until more bytes arrive. */
  next(): DataFrame | undefined {
    if (this.pending === undefined) {
      if (this.buffer.byteLength < FRAME_HEADER_BYTES) return undefined
      const kind = this.buffer.get(0)
      const length = this.buffer.getUint32(1)
      if (kind !== FRAME_CONTROL && kind !== FRAME_DATA) {
        throw new DataProtocolError(`unknown data plane frame kind ${kind}`)
      }
      const max = kind === FRAME_CONTROL ? MAX_CONTROL_FRAME_BYTES : MAX_DATA_FRAME_BYTES
      if (length > max) throw new DataProtocolError(`a frame of ${length} bytes exceeds the limit of ${max}`)
      this.buffer.consume(FRAME_HEADER_BYTES)
      this.pending = { kind, length }
    }
    // A large frame arrives in many pieces: its header is read once, not again with every piece.
    const { kind, length } = this.pending
    if (this.buffer.byteLength < length) return undefined
    this.pending = undefined
    const payload = this.buffer.sublist(0, length)
    this.buffer.consume(length)
    if (kind === FRAME_DATA) return { kind, bytes: payload }
    return { kind, message: parseControl(payload.subarray()) }
  }
}

const HEX64 = /^[0-9a-f]{64}$/

/** Parses and checks one control message; anything malformed is a {@link DataProtocolError}. */
export function parseControl(payload: Uint8Array): DataControlFrame {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder().decode(payload))
  } catch (cause) {
    throw new DataProtocolError(`a control frame is not JSON: ${(cause as Error).message}`, { cause })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DataProtocolError('a control frame is not a JSON object')
  }
  const m = value as Record<string, unknown>
  const bad = (what: string): never => {
    throw new DataProtocolError(`a ${String(m.type)} frame needs ${what}`)
  }
  const offset = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0
  switch (m.type) {
    case 'request':
      if (typeof m.token !== 'string' || m.token === '') bad('a "token"')
      if (typeof m.agreementId !== 'string' || m.agreementId === '') bad('an "agreementId"')
      if (m.offset !== undefined && !offset(m.offset)) bad('a non-negative integer "offset"')
      if (m.query !== undefined) {
        const q = m.query as Record<string, unknown>
        if (typeof q !== 'object' || q === null) bad('a "query" object')
        for (const end of ['from', 'to']) {
          if (q[end] !== undefined && typeof q[end] !== 'string') bad(`"query.${end}" as an ISO 8601 string`)
        }
      }
      break
    case 'header':
      if (typeof m.transfer !== 'string') bad('a "transfer"')
      if (typeof m.mediaType !== 'string') bad('a "mediaType"')
      if (!offset(m.offset)) bad('an "offset"')
      if (m.size !== undefined && !offset(m.size)) bad('a non-negative integer "size"')
      break
    case 'ack':
      if (!offset(m.offset)) bad('an "offset"')
      break
    case 'end':
      if (!offset(m.bytes)) bad('"bytes"')
      if (typeof m.sha256 !== 'string' || !HEX64.test(m.sha256)) bad('a hex "sha256"')
      break
    case 'receipt':
      if (typeof m.receipt !== 'object' || m.receipt === null || Array.isArray(m.receipt)) bad('a "receipt"')
      break
    case 'error':
      if (typeof m.code !== 'string') bad('a "code"')
      if (typeof m.reason !== 'string') bad('a "reason"')
      if (m.reasonCode !== undefined && typeof m.reasonCode !== 'string') bad('a string "reasonCode"')
      break
    default:
      throw new DataProtocolError(`unknown control frame type ${JSON.stringify(m.type)}`)
  }
  return m as unknown as DataControlFrame
}
