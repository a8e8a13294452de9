import { InvalidMessageError, MessageTooLargeError } from './dsp-errors.js'

/** Largest DSP message Allmende reads or writes: 1 MiB of UTF-8 JSON (a catalog larger than this pages). */
export const MAX_MESSAGE_BYTES = 1024 * 1024

/**
 * Deepest nesting of arrays and objects accepted from outside (DSP messages, libp2p frames, API
 * bodies). Real offers nest about a dozen levels; the cap keeps recursive code (schema validation,
 * JSON-LD, the store's encoding) far from the stack's end.
 */
export const MAX_JSON_DEPTH = 64

/**
 * Refuses a parsed JSON value nested deeper than `max` with `refuse(depth)`; walks iteratively, so
 * the check itself cannot overflow the stack.
 */
export function checkJsonDepth(
  value: unknown,
  refuse: (message: string) => Error,
  max = MAX_JSON_DEPTH,
): void {
  const pending: [unknown, number][] = [[value, 1]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next
    if (node === null || typeof node !== 'object') continue
    if (depth > max) throw refuse(`the JSON is nested more than ${max} levels deep; flatten it`)
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push([child, depth + 1])
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

/**
 * Turns received bytes into a JSON value, refusing anything over `limit` before decoding it.
 * Throws `MessageTooLargeError`, or `InvalidMessageError` for bytes that are not UTF-8 JSON or nest
 * deeper than {@link MAX_JSON_DEPTH}.
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
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause)
    throw new InvalidMessageError(`the message is not valid JSON: ${detail}`, { cause })
  }
  checkJsonDepth(value, (message) => new InvalidMessageError(message))
  return value
}

/** Serialises a message to UTF-8 JSON; refuses one over `limit` so no peer receives what it must reject. */
export function encodeMessage(message: unknown, limit: number = MAX_MESSAGE_BYTES): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(message))
  if (bytes.byteLength > limit) throw new MessageTooLargeError(bytes.byteLength, limit)
  return bytes
}
