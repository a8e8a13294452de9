import { canonicalJson } from '../../audit/index.js'
import { SourceAbortedError, SourceError, SourceRangeError, SourceUnavailableError } from './errors.js'

/** What every adapter gets after the options are checked. */
export interface ReadPlan {
  readonly offset: number
  readonly length?: number
  readonly maxChunkBytes: number
  readonly signal?: AbortSignal
}

/**
 * Cuts a byte window out of a chunk stream: skips `skip` bytes, stops after `length` bytes (closing
 * the upstream iterator), and splits chunks larger than `maxChunk`. Pull-driven: the upstream is
 * asked for its next chunk only when the consumer asks, so memory stays at one chunk.
 */
export async function* windowBytes(
  upstream: AsyncIterable<Uint8Array>,
  window: { skip: number; length?: number; maxChunk: number; where: string },
): AsyncGenerator<Uint8Array, void, undefined> {
  let toSkip = window.skip
  let remaining = window.length ?? Number.POSITIVE_INFINITY
  if (remaining === 0) return
  let seen = 0
  for await (let chunk of upstream) {
    seen += chunk.byteLength
    if (toSkip > 0) {
      if (chunk.byteLength <= toSkip) {
        toSkip -= chunk.byteLength
        continue
      }
      chunk = chunk.subarray(toSkip)
      toSkip = 0
    }
    for (let at = 0; at < chunk.byteLength; at += window.maxChunk) {
      const piece = chunk.subarray(at, Math.min(chunk.byteLength, at + window.maxChunk, at + remaining))
      remaining -= piece.byteLength
      yield piece
      if (remaining <= 0) return
    }
  }
  if (toSkip > 0) throw new SourceRangeError(window.where, window.skip, seen)
}

/** The error to throw when `signal` has fired: a time limit means "unavailable", anything else "aborted". */
export function abortError(signal: AbortSignal, where: string): SourceError {
  const reason: unknown = signal.reason
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new SourceUnavailableError(where, 'no answer within the time limit', { cause: reason })
  }
  return new SourceAbortedError(where, { cause: reason })
}

/**
 * Wraps a chunk stream so that failures surface as {@link SourceError}s: an abort becomes
 * {@link abortError}, a lost connection {@link SourceUnavailableError}.
 */
export async function* guardErrors(
  upstream: AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
  where: string,
): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    yield* upstream
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, where)
    if (error instanceof SourceError) throw error
    throw new SourceUnavailableError(where, `reading failed (${describeCause(error)})`, { cause: error })
  }
}

/** A short, secret-free description of a low-level error: its code or class, never its full text. */
export function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause as { code?: unknown } | undefined
    const code = (error as { code?: unknown }).code ?? cause?.code
    return typeof code === 'string' ? code : error.name
  }
  return 'unknown error'
}

const encoder = new TextEncoder()

/** One NDJSON chunk for a page of records: each canonical JSON on its own line. */
export function encodeNdjson(records: readonly unknown[]): Uint8Array {
  let text = ''
  for (const record of records) text += `${canonicalJson(record)}\n`
  return encoder.encode(text)
}

/** NDJSON media type used by the time-series adapters. */
export const NDJSON_MEDIA_TYPE = 'application/x-ndjson'
