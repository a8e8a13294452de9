import { encodeNdjson, guardErrors, NDJSON_MEDIA_TYPE, type ReadPlan, windowBytes } from './byte-stream.js'
import { SourceFormatError } from './errors.js'
import {
  fetchSource,
  lowerCaseHeaders,
  readJsonBody,
  redactUrl,
  resolveCredential,
  type SourceRequest,
} from './http-fetch.js'
import type { NgsiLdSourceSpec, OpenedSource, SecretsLookup, TimeRange } from './source.js'

/** Entities per request when the spec names no `pageSize`. */
export const DEFAULT_NGSI_LD_PAGE_SIZE = 100

/** Attribute the time range filters on when the spec names no `timeProperty`. */
export const DEFAULT_TIME_PROPERTY = 'dateObservedFrom'

const CONTEXT_REL = 'http://www.w3.org/ns/json-ld#context'

/** The broker's API root: `brokerUrl` with `/ngsi-ld/v1` appended unless it already ends so. */
export function ngsiLdApiRoot(brokerUrl: string): string {
  const trimmed = brokerUrl.replace(/\/+$/, '')
  return trimmed.endsWith('/ngsi-ld/v1') ? trimmed : `${trimmed}/ngsi-ld/v1`
}

/**
 * The `q` of a query: the spec's own `q` (parenthesised if it has an OR, so the time terms
 * cannot widen it) and the time range as `timeProperty>=from;timeProperty<=to`.
 */
export function ngsiLdQ(spec: NgsiLdSourceSpec, time: TimeRange): string | undefined {
  const terms: string[] = []
  if (spec.q !== undefined) terms.push(spec.q.includes('|') ? `(${spec.q})` : spec.q)
  const property = spec.timeProperty ?? DEFAULT_TIME_PROPERTY
  if (time.from !== undefined) terms.push(`${property}>=${time.from}`)
  if (time.to !== undefined) terms.push(`${property}<=${time.to}`)
  return terms.length === 0 ? undefined : terms.join(';')
}

/** The URL of one page of the entities query. */
export function entitiesUrl(spec: NgsiLdSourceSpec, time: TimeRange, offset: number): string {
  const url = new URL(`${ngsiLdApiRoot(spec.brokerUrl)}/entities`)
  url.searchParams.set('type', spec.type)
  const q = ngsiLdQ(spec, time)
  if (q !== undefined) url.searchParams.set('q', q)
  url.searchParams.set('limit', String(spec.pageSize ?? DEFAULT_NGSI_LD_PAGE_SIZE))
  url.searchParams.set('offset', String(offset))
  return url.toString()
}

/**
 * Opens an NGSI-LD entities query as NDJSON: one entity per line (JSON-LD, asked for with
 * `Accept: application/ld+json` so each entity carries its `@context`), keys sorted, no whitespace.
 * Pages follow the broker's `Link: <…>; rel="next"` when it sends one, else `offset += limit` until a
 * short page. Memory holds one page.
 *
 * Resumption: the serialisation of each entity is canonical, and the order is the broker's for an
 * unchanged query (Orion-LD and Scorpio answer in a stable storage order), so for a fixed time
 * range and unchanged entities `range.offset` re-reads and skips to the same bytes. NGSI-LD has no
 * standard sort parameter; a broker whose order changes between reads breaks resumption, and the
 * data plane's running hash will then not match.
 */
export async function openNgsiLdSource(
  spec: NgsiLdSourceSpec,
  plan: ReadPlan,
  time: TimeRange,
  secrets: SecretsLookup | undefined,
): Promise<OpenedSource> {
  const headers: Record<string, string> = {
    accept: 'application/ld+json',
    ...lowerCaseHeaders(spec.headers),
  }
  if (spec.context !== undefined) {
    headers.link = `<${spec.context}>; rel="${CONTEXT_REL}"; type="application/ld+json"`
  }
  if (spec.tenant !== undefined) headers['ngsild-tenant'] = spec.tenant
  const request: SourceRequest = {
    headers,
    credential: await resolveCredential(spec.credentialRef, secrets),
    origin: new URL(spec.brokerUrl).origin,
    signal: plan.signal,
  }
  const limit = spec.pageSize ?? DEFAULT_NGSI_LD_PAGE_SIZE
  const firstUrl = entitiesUrl(spec, time, 0)
  const where = redactUrl(`${ngsiLdApiRoot(spec.brokerUrl)}/entities`)
  // Fetched now so that a wrong broker, type or credential fails before the transfer starts.
  const first = await fetchEntities(firstUrl, request)
  async function* pages(): AsyncGenerator<Uint8Array> {
    let page = first
    let offset = 0
    for (;;) {
      if (page.entities.length > 0) yield encodeNdjson(page.entities)
      if (page.next !== undefined) page = await fetchEntities(page.next, request)
      else if (page.entities.length < limit) return
      else {
        offset += limit
        page = await fetchEntities(entitiesUrl(spec, time, offset), request)
      }
    }
  }
  return {
    mediaType: NDJSON_MEDIA_TYPE,
    finite: true,
    chunks: windowBytes(guardErrors(pages(), plan.signal, where), {
      skip: plan.offset,
      length: plan.length,
      maxChunk: plan.maxChunkBytes,
      where,
    }),
  }
}

interface EntityPage {
  readonly entities: readonly Record<string, unknown>[]
  readonly next?: string
}

async function fetchEntities(url: string, request: SourceRequest): Promise<EntityPage> {
  const response = await fetchSource(url, request)
  const where = redactUrl(url)
  const next = nextLink(response.headers.get('link'), url)
  const body = await readJsonBody(response, where, request.signal)
  if (!Array.isArray(body)) throw new SourceFormatError(where, 'expected a JSON array of entities')
  for (const entity of body) {
    if (
      typeof entity !== 'object' ||
      entity === null ||
      Array.isArray(entity) ||
      typeof entity.id !== 'string'
    ) {
      throw new SourceFormatError(where, 'an entry is not an NGSI-LD entity (object with an "id")')
    }
  }
  if (next !== undefined && new URL(next).origin !== request.origin) {
    throw new SourceFormatError(
      where,
      `the next page link points to ${new URL(next).origin}, not ${request.origin}`,
    )
  }
  return next === undefined ? { entities: body } : { entities: body, next }
}

/** The target of `rel="next"` in a Link header (RFC 8288), resolved against the request URL. */
export function nextLink(header: string | null, base: string): string | undefined {
  if (header === null) return undefined
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part)
    if (match === null) continue
    const rels = match[2]!
      .split(';')
      .map((param) => /^\s*rel\s*=\s*"?([^"]*)"?\s*$/i.exec(param)?.[1])
      .find((value) => value !== undefined)
    if (rels?.split(/\s+/).includes('next')) return new URL(match[1]!, base).toString()
  }
  return undefined
}
