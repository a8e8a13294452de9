import { openSource, type SecretsLookup, SourceRangeError, type SourceSpec } from '../sources/index.js'
import { type ContentDigest, readAhead, skipHashed } from './content-digest.js'
import { CONTENT_BATCH_BYTES, type DataQuery } from './data-plane.js'
import { DataAccessDeniedError, RangeNotSatisfiableError } from './errors.js'

/** Bytes of a source read ahead of the network. */
const READ_AHEAD_BYTES = 4 * 1024 * 1024

/**
 * A data request the control plane permitted: the source it named, and where the stream's facts go.
 * The gate keeps them in its own books; a data-plane worker sends them back over its channel.
 */
export interface ContentPermit {
  /** The dataset's source spec (validated when opened). */
  readonly source: unknown
  /** Aborted when the transfer is suspended or terminated. */
  readonly signal: AbortSignal
  /** The binding took the content's last byte: the grant is used up (awaited before the end goes out). */
  delivered(): Promise<void>
  /** The source could not be read: the use is given back; returns the error the consumer sees. */
  failed(error: unknown): Promise<Error>
}

export interface ContentOptions {
  /** Bytes the consumer already holds. */
  readonly offset: number
  readonly query?: DataQuery
  /**
   * Hashes every byte from 0 (the prefix before `offset` included) for totals and receipts. Without
   * one the source is opened at `offset` and nothing is hashed.
   */
  readonly digest?: ContentDigest
  readonly secrets?: SecretsLookup
  /** Directory relative file sources resolve against. */
  readonly baseDir?: string
}

/** What a binding streams: the content from the offset on, in batches of a frame. */
export interface OpenedContent {
  readonly mediaType: string
  readonly size?: number
  readonly content: AsyncIterable<readonly Uint8Array[]>
}

/**
 * Opens a permitted request's source and streams it: read ahead (bounded) so the source's latency
 * overlaps with sending, in batches of at most {@link CONTENT_BATCH_BYTES}; a source error, at the
 * open or while streaming, goes to {@link ContentPermit.failed}; the last byte taken to
 * {@link ContentPermit.delivered}. A resume offset beyond the content is a
 * {@link RangeNotSatisfiableError} (nothing went out; the use is given back all the same).
 */
export async function openContent(permit: ContentPermit, options: ContentOptions): Promise<OpenedContent> {
  const { offset, digest } = options
  let opened: Awaited<ReturnType<typeof openSource>>
  try {
    opened = await openSource(permit.source as SourceSpec, {
      // Hashed content is read from byte 0: a resumed transfer's hash covers the whole content.
      range: { offset: digest === undefined ? offset : 0 },
      ...(options.query === undefined ? {} : { query: options.query }),
      signal: permit.signal,
      ...(options.secrets === undefined ? {} : { secrets: options.secrets }),
      ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
    })
    if (opened.size !== undefined && opened.size < offset)
      throw new RangeNotSatisfiableError(offset, opened.size)
  } catch (error) {
    // Suspended or ended while the source opened: the source did not fail, and the consumer asks
    // again (its next ask learns the transfer's state) instead of ending the transfer.
    if (permit.signal.aborted) {
      const { reason } = permit.signal
      const why = reason instanceof Error ? reason.message : String(reason)
      throw new DataAccessDeniedError(
        'TRANSFER_NOT_STARTED',
        `the transfer stopped while its source opened: ${why}`,
      )
    }
    const failed = await permit.failed(error)
    // Nothing went out: the use is given back, and the consumer learns the content's size.
    if (error instanceof RangeNotSatisfiableError) throw error
    if (error instanceof SourceRangeError && error.size !== undefined)
      throw new RangeNotSatisfiableError(offset, error.size)
    throw failed
  }
  const chunks = digest === undefined ? opened.chunks : skipHashed(opened.chunks, offset, digest)
  return {
    mediaType: opened.mediaType,
    ...(opened.size === undefined ? {} : { size: opened.size }),
    content: untilDelivered(
      readAhead(guardSource(chunks, permit), READ_AHEAD_BYTES, CONTENT_BATCH_BYTES),
      permit,
    ),
  }
}

/** The grant is used up once the binding took the content's last byte (before the end goes out). */
async function* untilDelivered<T>(batches: AsyncIterable<T>, permit: ContentPermit): AsyncGenerator<T, void> {
  yield* batches
  await permit.delivered()
}

/** Source errors while streaming: recorded as a failed use, surfaced as the permit's error. */
async function* guardSource(
  chunks: AsyncIterable<Uint8Array>,
  permit: ContentPermit,
): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    yield* chunks
  } catch (error) {
    if (permit.signal.aborted) throw error
    throw await permit.failed(error)
  }
}
