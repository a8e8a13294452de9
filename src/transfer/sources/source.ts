import { InvalidInputError } from '../../protocol/errors.js'
import { InvalidSourceSpecError } from './errors.js'

/**
 * A file on the provider node's disk. A relative `path` resolves against
 * {@link OpenSourceOptions.baseDir}. `mediaType` overrides the guess from the file extension.
 */
export interface FileSourceSpec {
  readonly kind: 'file'
  readonly path: string
  readonly mediaType?: string
}

/**
 * An HTTP(S) resource. `headers` are stored with the dataset and are not secret (authorization and
 * cookie headers are refused here); credentials live in the node's secrets and are named by
 * `credentialRef`. `mediaType` overrides the response's Content-Type.
 */
export interface HttpSourceSpec {
  readonly kind: 'http'
  readonly url: string
  readonly headers?: Readonly<Record<string, string>>
  readonly credentialRef?: string
  readonly mediaType?: string
}

/**
 * The Observations of one OGC SensorThings Datastream (OGC 18-088), read as NDJSON.
 * `baseUrl` is the service root, with or without the version segment (`…/FROST-Server` or
 * `…/FROST-Server/v1.1`; without, `v1.1` is used). A numeric `datastreamId` (or a string of digits)
 * is addressed as `Datastreams(42)`, any other string as `Datastreams('id')`. With `follow`, an
 * open-ended read keeps polling for new observations every `pollIntervalMs` (default 60 000).
 * `pageSize` asks for `$top` observations per page (the server may cap it).
 */
export interface SensorThingsSourceSpec {
  readonly kind: 'sensorthings'
  readonly baseUrl: string
  readonly datastreamId: string | number
  readonly follow?: boolean
  readonly pollIntervalMs?: number
  readonly pageSize?: number
  readonly headers?: Readonly<Record<string, string>>
  readonly credentialRef?: string
}

/**
 * The result of an NGSI-LD entities query (`GET /ngsi-ld/v1/entities?type=…&q=…`), read as NDJSON.
 * `context` is sent as the JSON-LD `Link` header, `tenant` as `NGSILD-Tenant`. A time range in
 * {@link SourceQuery} becomes `q` terms on `timeProperty` (default `dateObservedFrom`). `pageSize`
 * is the `limit` per request (default 100).
 */
export interface NgsiLdSourceSpec {
  readonly kind: 'ngsi-ld'
  readonly brokerUrl: string
  readonly type: string
  readonly q?: string
  readonly tenant?: string
  readonly context?: string
  readonly timeProperty?: string
  readonly pageSize?: number
  readonly headers?: Readonly<Record<string, string>>
  readonly credentialRef?: string
}

/** Where a dataset's data lives: a JSON-serialisable description stored with the dataset. */
export type SourceSpec = FileSourceSpec | HttpSourceSpec | SensorThingsSourceSpec | NgsiLdSourceSpec

/** The kinds of source this node can read. */
export const SOURCE_KINDS = ['file', 'http', 'sensorthings', 'ngsi-ld'] as const

/**
 * A secret the node holds for a source: a complete `Authorization` value, a user and password for
 * HTTP Basic, or extra headers (API keys). Resolved at transfer time, never stored with a dataset.
 */
export type SourceCredential =
  | { readonly authorization: string }
  | { readonly username: string; readonly password: string }
  | { readonly headers: Readonly<Record<string, string>> }

/** Finds the secret a `credentialRef` names, from the node's configuration. */
export type SecretsLookup = (
  credentialRef: string,
) => SourceCredential | undefined | Promise<SourceCredential | undefined>

/** A byte window of the source's byte stream: skip `offset` bytes, then read at most `length`. */
export interface SourceRange {
  readonly offset: number
  readonly length?: number
}

/**
 * A time range for time-series sources (ISO 8601 instants or Dates, both ends inclusive).
 * File and HTTP sources ignore it.
 */
export interface SourceQuery {
  readonly from?: string | Date
  readonly to?: string | Date
}

/** How to open a source. */
export interface OpenSourceOptions {
  readonly range?: SourceRange
  readonly query?: SourceQuery
  /** Stops the read; a `TimeoutError` reason (from `AbortSignal.timeout`) reports the source unavailable. */
  readonly signal?: AbortSignal
  readonly secrets?: SecretsLookup
  /** Directory relative file paths resolve against; default the working directory. */
  readonly baseDir?: string
  /** Largest chunk handed out, default 1 MiB. */
  readonly maxChunkBytes?: number
}

/** An opened source: its bytes as a pull-driven stream of bounded chunks. */
export interface OpenedSource {
  readonly mediaType: string
  /** Total bytes of the whole source (not of the requested window), when known up front. */
  readonly size?: number
  /** False for sources that keep delivering until aborted (SensorThings `follow`). */
  readonly finite: boolean
  /** Each chunk at most `maxChunkBytes`; the next chunk is read only when asked for. */
  readonly chunks: AsyncIterable<Uint8Array>
}

/** Default upper bound of a chunk: 1 MiB. */
export const DEFAULT_MAX_CHUNK_BYTES = 1024 * 1024

const FORBIDDEN_SPEC_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie'])
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

const ALLOWED_FIELDS: Record<SourceSpec['kind'], readonly string[]> = {
  file: ['kind', 'path', 'mediaType'],
  http: ['kind', 'url', 'headers', 'credentialRef', 'mediaType'],
  sensorthings: [
    'kind',
    'baseUrl',
    'datastreamId',
    'follow',
    'pollIntervalMs',
    'pageSize',
    'headers',
    'credentialRef',
  ],
  'ngsi-ld': [
    'kind',
    'brokerUrl',
    'type',
    'q',
    'tenant',
    'context',
    'timeProperty',
    'pageSize',
    'headers',
    'credentialRef',
  ],
}

/**
 * Checks that `value` is a well-formed {@link SourceSpec} and returns it typed. Unknown fields,
 * credentials inside URLs or headers, and non-http(s) URLs are refused.
 *
 * @throws {@link InvalidSourceSpecError} naming the offending field
 */
export function validateSourceSpec(value: unknown): SourceSpec {
  if (!isRecord(value)) throw new InvalidSourceSpecError('source', 'expected a JSON object')
  const kind = value.kind
  if (typeof kind !== 'string' || !(SOURCE_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidSourceSpecError('kind', `expected one of ${SOURCE_KINDS.join(', ')}, got ${show(kind)}`)
  }
  const allowed = ALLOWED_FIELDS[kind as SourceSpec['kind']]
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new InvalidSourceSpecError(
        key,
        `unknown field for a ${kind} source; allowed: ${allowed.join(', ')}`,
      )
    }
  }
  switch (kind as SourceSpec['kind']) {
    case 'file':
      requireString(value, 'path')
      optionalMediaType(value)
      break
    case 'http':
      requireUrl(value, 'url')
      optionalHeaders(value)
      optionalString(value, 'credentialRef')
      optionalMediaType(value)
      break
    case 'sensorthings': {
      requireUrl(value, 'baseUrl')
      const id = value.datastreamId
      const validId =
        (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) ||
        (typeof id === 'string' && id !== '')
      if (!validId) {
        throw new InvalidSourceSpecError(
          'datastreamId',
          `expected a non-negative integer or string, got ${show(id)}`,
        )
      }
      if (value.follow !== undefined && typeof value.follow !== 'boolean') {
        throw new InvalidSourceSpecError('follow', `expected true or false, got ${show(value.follow)}`)
      }
      optionalInteger(value, 'pollIntervalMs', 10, 86_400_000)
      optionalInteger(value, 'pageSize', 1, 10_000)
      optionalHeaders(value)
      optionalString(value, 'credentialRef')
      break
    }
    case 'ngsi-ld':
      requireUrl(value, 'brokerUrl')
      requireString(value, 'type')
      optionalString(value, 'q')
      optionalString(value, 'tenant')
      if (value.context !== undefined) requireUrl(value, 'context')
      optionalString(value, 'timeProperty')
      if (typeof value.timeProperty === 'string' && !/^[A-Za-z_][\w.]*$/.test(value.timeProperty)) {
        throw new InvalidSourceSpecError(
          'timeProperty',
          `expected an attribute name, got ${show(value.timeProperty)}`,
        )
      }
      optionalInteger(value, 'pageSize', 1, 1000)
      optionalHeaders(value)
      optionalString(value, 'credentialRef')
      break
  }
  return value as unknown as SourceSpec
}

/** A checked time range, as ISO 8601 UTC strings. */
export interface TimeRange {
  readonly from?: string
  readonly to?: string
}

/** Checks the read options a caller passes (range, query); bad values are input errors. */
export function checkReadOptions(options: OpenSourceOptions): {
  offset: number
  length?: number
  time: TimeRange
} {
  const offset = options.range?.offset ?? 0
  const length = options.range?.length
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidInputError(`range.offset must be a non-negative integer, got ${show(offset)}`)
  }
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    throw new InvalidInputError(`range.length must be a non-negative integer, got ${show(length)}`)
  }
  const from = toInstant(options.query?.from, 'query.from')
  const to = toInstant(options.query?.to, 'query.to')
  if (from !== undefined && to !== undefined && from > to) {
    throw new InvalidInputError(`query.from (${from}) lies after query.to (${to})`)
  }
  const max = options.maxChunkBytes
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 1)) {
    throw new InvalidInputError(`maxChunkBytes must be a positive integer, got ${show(max)}`)
  }
  return { offset, ...(length === undefined ? {} : { length }), time: { from, to } }
}

function toInstant(value: string | Date | undefined, field: string): string | undefined {
  if (value === undefined) return undefined
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined
  if (
    date === undefined ||
    Number.isNaN(date.getTime()) ||
    (typeof value === 'string' && !/^\d{4}-/.test(value))
  ) {
    throw new InvalidInputError(`${field} must be an ISO 8601 date-time, got ${show(value)}`)
  }
  return date.toISOString()
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

function requireString(record: Record<string, unknown>, field: string): void {
  const value = record[field]
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidSourceSpecError(field, `expected a non-empty string, got ${show(value)}`)
  }
}

function optionalString(record: Record<string, unknown>, field: string): void {
  if (record[field] !== undefined) requireString(record, field)
}

function optionalMediaType(record: Record<string, unknown>): void {
  const value = record.mediaType
  if (value === undefined) return
  if (typeof value !== 'string' || !/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(value)) {
    throw new InvalidSourceSpecError('mediaType', `expected a media type like text/csv, got ${show(value)}`)
  }
}

function optionalInteger(record: Record<string, unknown>, field: string, min: number, max: number): void {
  const value = record[field]
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidSourceSpecError(field, `expected an integer from ${min} to ${max}, got ${show(value)}`)
  }
}

function requireUrl(record: Record<string, unknown>, field: string): void {
  requireString(record, field)
  let url: URL
  try {
    url = new URL(record[field] as string)
  } catch {
    throw new InvalidSourceSpecError(field, `expected an absolute http(s) URL, got ${show(record[field])}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidSourceSpecError(field, `expected an http or https URL, got scheme ${url.protocol}`)
  }
  // The spec is stored with the dataset and may be listed; secrets belong in the node's secrets.
  if (url.username !== '' || url.password !== '') {
    throw new InvalidSourceSpecError(
      field,
      'the URL contains user info; store the credentials as a node secret and name it with credentialRef',
    )
  }
}

function optionalHeaders(record: Record<string, unknown>): void {
  const headers = record.headers
  if (headers === undefined) return
  if (!isRecord(headers))
    throw new InvalidSourceSpecError('headers', 'expected an object of header names to values')
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name))
      throw new InvalidSourceSpecError(`headers.${name}`, 'not a valid header name')
    if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
      throw new InvalidSourceSpecError(`headers.${name}`, 'expected a single-line string value')
    }
    if (FORBIDDEN_SPEC_HEADERS.has(name.toLowerCase())) {
      throw new InvalidSourceSpecError(
        `headers.${name}`,
        'credentials do not belong in a stored source; keep them as a node secret and name it with credentialRef',
      )
    }
  }
}
