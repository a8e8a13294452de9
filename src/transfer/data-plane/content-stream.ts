import {
  fileSourcePath,
  openSource,
  type SecretsLookup,
  SourceRangeError,
  type SourceSpec,
} from '../sources/index.js'
import { ContentDigest, readAhead, skipHashed } from './content-digest.js'
import { CONTENT_BATCH_BYTES, type ContentTotals, type DataQuery, type SentContent } from './data-plane.js'
import type { DigestCache, FileLook } from './digest-cache.js'
import {
  ContentTotalsUnknownError,
  DataAccessDeniedError,
  RangeNotSatisfiableError,
  SourceChangedError,
} from './errors.js'

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
   * Counts and hashes the whole content from byte 0 (the prefix before `offset` included) for
   * totals and receipts, or takes the totals `cache` remembers for an unchanged file. Without it
   * the source is opened at `offset` and nothing is hashed.
   */
  readonly totals?: { readonly cache?: DigestCache }
  readonly secrets?: SecretsLookup
  /** Directory relative file sources resolve against. */
  readonly baseDir?: string
}

/** What a binding streams: the content from the offset on, in batches of a frame. */
export interface OpenedContent {
  readonly mediaType: string
  readonly size?: number
  readonly content: AsyncIterable<readonly Uint8Array[]>
  /** With {@link ContentOptions.totals}: what went out, and the totals of the whole content. */
  readonly sent?: SentContent
}

/**
 * Opens a permitted request's source and streams it: read ahead (bounded) so the source's latency
 * overlaps with sending, in batches of at most {@link CONTENT_BATCH_BYTES}; a source error, at the
 * open or while streaming, goes to {@link ContentPermit.failed}; the last byte taken to
 * {@link ContentPermit.delivered}. A resume offset beyond the content is a
 * {@link RangeNotSatisfiableError} (nothing went out; the use is given back all the same).
 */
export async function openContent(permit: ContentPermit, options: ContentOptions): Promise<OpenedContent> {
  const { offset } = options
  const cache = options.totals?.cache
  const look = cache === undefined ? undefined : await lookAtFile(cache, permit.source, options)
  // Hashed here unless the totals of this very file version are remembered.
  const digest = options.totals === undefined || look?.totals !== undefined ? undefined : new ContentDigest()
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
  const sent =
    options.totals === undefined
      ? undefined
      : new SentCount(offset, (bytes) => totalsAtEnd(bytes, digest, look, cache))
  const content = readAhead(guardSource(chunks, permit), READ_AHEAD_BYTES, CONTENT_BATCH_BYTES)
  return {
    mediaType: opened.mediaType,
    ...(opened.size === undefined ? {} : { size: opened.size }),
    content: untilDelivered(sent === undefined ? content : sent.count(content), permit, async () => {
      await sent?.totals()
    }),
    ...(sent === undefined ? {} : { sent }),
  }
}

/**
 * The grant is used up once the binding took the content's last byte and its totals are known
 * (before the end goes out); totals that cannot be known are a source failure, the use given back.
 */
async function* untilDelivered<T>(
  batches: AsyncIterable<T>,
  permit: ContentPermit,
  ended: () => Promise<void>,
): AsyncGenerator<T, void> {
  yield* batches
  try {
    await ended()
  } catch (error) {
    throw await permit.failed(error)
  }
  await permit.delivered()
}

/**
 * Counts the bytes of the batches passing, from the offset on. The totals are worked out once, by
 * whoever asks first: the end of the content, or a binding whose peer answered before the content's
 * iterator was asked for its end.
 */
class SentCount implements SentContent {
  private final: Promise<ContentTotals> | undefined

  constructor(
    private position: number,
    private readonly atEnd: (bytes: number) => Promise<ContentTotals>,
  ) {}

  get bytes(): number {
    return this.position
  }

  async *count(batches: AsyncIterable<readonly Uint8Array[]>): AsyncGenerator<readonly Uint8Array[], void> {
    for await (const batch of batches) {
      for (const chunk of batch) this.position += chunk.byteLength
      yield batch
    }
  }

  totals(): Promise<ContentTotals> {
    this.final ??= this.atEnd(this.position)
    return this.final
  }
}

/**
 * The totals once the last byte went out: hashed on the way (and remembered if the file stayed the
 * same version meanwhile), or remembered ones, if the file is still the version they belong to.
 */
async function totalsAtEnd(
  bytes: number,
  digest: ContentDigest | undefined,
  look: FileLook | undefined,
  cache: DigestCache | undefined,
): Promise<ContentTotals> {
  if (digest !== undefined) {
    const totals = { bytes: digest.bytes, sha256: digest.hex() }
    if (look !== undefined && (await cache?.unchanged(look))) cache?.remember(look, totals)
    return totals
  }
  const remembered = look?.totals
  if (remembered === undefined) throw new ContentTotalsUnknownError()
  if (bytes !== remembered.bytes || !(await cache?.unchanged(look!))) throw new SourceChangedError(look!.path)
  return remembered
}

/** A look at a file source's version before it is read (none for other sources, or a time range). */
async function lookAtFile(
  cache: DigestCache,
  source: unknown,
  options: ContentOptions,
): Promise<FileLook | undefined> {
  const spec = source as { kind?: unknown; path?: unknown }
  if (spec.kind !== 'file' || typeof spec.path !== 'string' || options.query !== undefined) return undefined
  try {
    return await cache.look(fileSourcePath(spec.path, options.baseDir))
  } catch {
    // Not readable: opening the source reports why.
    return undefined
  }
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
