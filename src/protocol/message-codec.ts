import { InvalidMessageError, MessageTooLargeError } from './dsp-errors.js'

/** Largest DSP message Allmende reads or writes: 1 MiB of UTF-8 JSON (a catalog larger than this pages). */
export const MAX_MESSAGE_BYTES = 1024 * 1024

const utf8 = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

/**
 * Turns received bytes into a JSON value, refusing anything over `limit` before decoding it.
 * Throws `MessageTooLargeError`, or `InvalidMessageError` for bytes that are not UTF-8 JSON.
 * The result is untrusted: pass it to `parseMessage`.
 */
export function decodeMessage(bytes: Uint8Array, limit: number = MAX_MESSAGE_BYTES): unknown {
  if (bytes.byteLength > limit) throw new MessageTooLargeError(bytes.byteLength, limit)
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch (cause) {
    throw new InvalidMessageError('the message is not valid UTF-8 text', { cause })
  }
  try {
    return JSON.parse(text)
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause)
    throw new InvalidMessageError(`the message is not valid JSON: ${detail}`, { cause })
  }
}

/** Serialises a message to UTF-8 JSON; refuses one over `limit` so no peer receives what it must reject. */
export function encodeMessage(message: unknown, limit: number = MAX_MESSAGE_BYTES): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(message))
  if (bytes.byteLength > limit) throw new MessageTooLargeError(bytes.byteLength, limit)
  return bytes
}
