/**
 * @packageDocumentation
 * Source adapters of the data plane: data stays where it lives (a file, an HTTP resource, a
 * SensorThings Datastream, an NGSI-LD broker) and is read at transfer time as a pull-driven
 * stream of bounded chunks that can resume at a byte offset.
 *
 * @example
 * ```ts
 * const spec = validateSourceSpec({
 *   kind: 'sensorthings',
 *   baseUrl: 'https://sensoren.kreis-kusel.de/FROST-Server',
 *   datastreamId: 7,
 * })
 * const source = await openSource(spec, {
 *   query: { from: '2026-11-01T00:00:00Z', to: '2026-11-08T00:00:00Z' },
 *   range: { offset: acknowledged },
 *   signal: AbortSignal.timeout(30_000),
 * })
 * for await (const chunk of source.chunks) send(chunk) // NDJSON, one Observation per line
 * ```
 */
export { NDJSON_MEDIA_TYPE } from './byte-stream.js'
export {
  InvalidSourceSpecError,
  SourceAbortedError,
  SourceCredentialError,
  SourceError,
  SourceFormatError,
  SourceNotAFileError,
  SourceNotFoundError,
  SourceRangeError,
  SourceResponseError,
  SourceUnavailableError,
} from './errors.js'
export { fileSourcePath, localSourceProblem, mediaTypeOfPath } from './file-source.js'
export { DEFAULT_NGSI_LD_PAGE_SIZE, DEFAULT_TIME_PROPERTY } from './ngsi-ld-source.js'
export { openSource } from './open-source.js'
export { DEFAULT_POLL_INTERVAL_MS } from './sensorthings-source.js'
export {
  DEFAULT_MAX_CHUNK_BYTES,
  type FileSourceSpec,
  type HttpSourceSpec,
  type NgsiLdSourceSpec,
  type OpenedSource,
  type OpenSourceOptions,
  type SecretsLookup,
  type SensorThingsSourceSpec,
  SOURCE_KINDS,
  type SourceCredential,
  type SourceQuery,
  type SourceRange,
  type SourceSpec,
  validateSourceSpec,
} from './source.js'
