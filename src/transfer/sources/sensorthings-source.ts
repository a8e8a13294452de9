import { setTimeout as sleep } from 'node:timers/promises'
import { encodeNdjson, guardErrors, NDJSON_MEDIA_TYPE, type ReadPlan, windowBytes } from './byte-stream.js'
import { SourceFormatError, SourceUnavailableError } from './errors.js'
import {
  fetchSource,
  lowerCaseHeaders,
  readJsonBody,
  redactUrl,
  resolveCredential,
  type SourceRequest,
} from './http-fetch.js'
import type { OpenedSource, SecretsLookup, SensorThingsSourceSpec, TimeRange } from './source.js'

/** Default poll interval of a followed Datastream: one minute. */
export const DEFAULT_POLL_INTERVAL_MS = 60_000

/** One SensorThings page: `{"@iot.count"?, "value": [...], "@iot.nextLink"?}`. */
interface ObservationPage {
  readonly observations: readonly Record<string, unknown>[]
  readonly nextLink?: string
}

/**
 * The service root of a SensorThings base URL: kept when it ends in a version segment,
 * else `/v1.1` is appended.
 */
export function sensorThingsServiceRoot(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '')
  return /\/v1\.[01]$/.test(trimmed) ? trimmed : `${trimmed}/v1.1`
}

/** The OData key of a Datastream: digits unquoted, anything else as a quoted string. */
export function datastreamKey(id: string | number): string {
  if (typeof id === 'number' || /^\d+$/.test(id)) return String(id)
  return `'${id.replaceAll("'", "''")}'`
}

/**
 * The URL of a Datastream's Observations within `time`, oldest first. `after` (exclusive) replaces
 * `time.from` when polling for new observations.
 */
export function observationsUrl(spec: SensorThingsSourceSpec, time: TimeRange, after?: string): string {
  const url = new URL(
    `${sensorThingsServiceRoot(spec.baseUrl)}/Datastreams(${datastreamKey(spec.datastreamId)})/Observations`,
  )
  const terms: string[] = []
  if (after !== undefined) terms.push(`phenomenonTime gt ${after}`)
  else if (time.from !== undefined) terms.push(`phenomenonTime ge ${time.from}`)
  if (time.to !== undefined) terms.push(`phenomenonTime le ${time.to}`)
  if (terms.length > 0) url.searchParams.set('$filter', terms.join(' and '))
  // A total order (ties broken by id) makes the byte stream, and so resume offsets, reproducible.
  url.searchParams.set('$orderby', 'phenomenonTime asc,id asc')
  if (spec.pageSize !== undefined) url.searchParams.set('$top', String(spec.pageSize))
  return url.toString()
}

/**
 * Opens a Datastream's Observations as NDJSON: one observation per line, keys sorted, no
 * whitespace, with the server's `@iot.selfLink` and `…@iot.navigationLink` removed (they reveal the
 * source's internal address and would make the bytes depend on it). Pages are fetched one at a
 * time by following `@iot.nextLink`, so memory holds one page.
 *
 * Resumption: for a fixed time range and unchanged observations the byte stream is identical on
 * every read (order `phenomenonTime asc, id asc`, canonical serialisation), so `range.offset`
 * re-reads from the start and skips that many bytes.
 *
 * With `follow` and no `query.to`, the source is not finite: after the last page it polls every
 * `pollIntervalMs` for observations with `phenomenonTime gt` the last one seen, until the signal
 * fires; the stream then ends cleanly after the last whole line. A closed time range is finite
 * even with `follow`.
 */
export async function openSensorThingsSource(
  spec: SensorThingsSourceSpec,
  plan: ReadPlan,
  time: TimeRange,
  secrets: SecretsLookup | undefined,
): Promise<OpenedSource> {
  const request: SourceRequest = {
    headers: { accept: 'application/json', ...lowerCaseHeaders(spec.headers) },
    credential: await resolveCredential(spec.credentialRef, secrets),
    origin: new URL(spec.baseUrl).origin,
    signal: plan.signal,
  }
  const follow = spec.follow === true && time.to === undefined
  const where = redactUrl(observationsUrl(spec, {}))
  // The first page is fetched now, so a wrong URL, id or credential fails before the transfer starts.
  const first = await fetchPage(observationsUrl(spec, time), request)
  const pollIntervalMs = spec.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS
  const pages = follow
    ? followPages(spec, time, first, request, pollIntervalMs)
    : guardErrors(finitePages(first, request), plan.signal, where)
  return {
    mediaType: NDJSON_MEDIA_TYPE,
    finite: !follow,
    chunks: windowBytes(pages, {
      skip: plan.offset,
      length: plan.length,
      maxChunk: plan.maxChunkBytes,
      where,
    }),
  }
}

async function* finitePages(first: ObservationPage, request: SourceRequest): AsyncGenerator<Uint8Array> {
  let page: ObservationPage | undefined = first
  while (page !== undefined) {
    if (page.observations.length > 0) yield encodeNdjson(page.observations.map(stripLinks))
    page = page.nextLink === undefined ? undefined : await fetchPage(page.nextLink, request)
  }
}

async function* followPages(
  spec: SensorThingsSourceSpec,
  time: TimeRange,
  first: ObservationPage,
  request: SourceRequest,
  pollIntervalMs: number,
): AsyncGenerator<Uint8Array> {
  const signal = request.signal
  const where = redactUrl(observationsUrl(spec, {}))
  let last: string | undefined
  let page: ObservationPage | undefined = first
  try {
    for (;;) {
      try {
        while (page !== undefined) {
          if (page.observations.length > 0) {
            yield encodeNdjson(page.observations.map(stripLinks))
            last = startOf(page.observations[page.observations.length - 1]!, where) ?? last
          }
          page = page.nextLink === undefined ? undefined : await fetchPage(page.nextLink, request)
        }
      } catch (error) {
        // A follower runs for hours; an outage only delays the next poll, which resumes after `last`.
        if (!(error instanceof SourceUnavailableError) || signal?.aborted) throw error
        page = undefined
      }
      await sleep(pollIntervalMs, undefined, { signal })
      try {
        page = await fetchPage(observationsUrl(spec, time, last), request)
      } catch (error) {
        if (!(error instanceof SourceUnavailableError) || signal?.aborted) throw error
      }
    }
  } catch (error) {
    // The signal is how a followed source ends: stop after the last whole line.
    if (signal?.aborted) return
    throw error
  }
}

async function fetchPage(url: string, request: SourceRequest): Promise<ObservationPage> {
  const response = await fetchSource(url, request)
  const where = redactUrl(url)
  const body = await readJsonBody(response, where, request.signal)
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { value?: unknown }).value)) {
    throw new SourceFormatError(where, 'expected a SensorThings collection {"value": [...]}')
  }
  const value = (body as { value: unknown[] }).value
  for (const item of value) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new SourceFormatError(where, 'an entry of "value" is not an Observation object')
    }
  }
  const next = (body as Record<string, unknown>)['@iot.nextLink']
  if (next === undefined || next === null) return { observations: value as Record<string, unknown>[] }
  if (typeof next !== 'string') throw new SourceFormatError(where, '"@iot.nextLink" is not a string')
  const nextUrl = new URL(next, url)
  if (nextUrl.origin !== request.origin) {
    // Usually a FROST serviceRootUrl that does not match the address we use; never send credentials there.
    throw new SourceFormatError(
      where,
      `"@iot.nextLink" points to ${nextUrl.origin}, not to the configured ${request.origin}; ` +
        'set the server’s service root URL to the address the connector uses',
    )
  }
  return { observations: value as Record<string, unknown>[], nextLink: nextUrl.toString() }
}

function stripLinks(observation: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(observation)) {
    if (key === '@iot.selfLink' || key.endsWith('@iot.navigationLink')) continue
    out[key] = value
  }
  return out
}

/** The start of an observation's phenomenonTime (an instant or `start/end` interval), as ISO UTC. */
function startOf(observation: Record<string, unknown>, where: string): string | undefined {
  const time = observation.phenomenonTime
  if (typeof time !== 'string') return undefined
  const date = new Date(time.split('/')[0]!)
  if (Number.isNaN(date.getTime())) {
    throw new SourceFormatError(where, `phenomenonTime ${JSON.stringify(time)} is not an ISO 8601 time`)
  }
  return date.toISOString()
}
