import { guardErrors, type ReadPlan, windowBytes } from './byte-stream.js'
import { SourceError, SourceFormatError, SourceRangeError } from './errors.js'
import { fetchSource, iterateBody, lowerCaseHeaders, redactUrl, resolveCredential } from './http-fetch.js'
import type { HttpSourceSpec, OpenedSource, SecretsLookup } from './source.js'

/**
 * Opens an HTTP(S) resource. A resumed read (offset > 0) or a bounded one asks for a `Range`; a
 * server answering 206 sends only the window, one answering 200 sends everything and the leading
 * bytes are skipped here. Credentials from the node's secrets are added per request and never
 * appear in errors.
 */
export async function openHttpSource(
  spec: HttpSourceSpec,
  plan: ReadPlan,
  secrets: SecretsLookup | undefined,
): Promise<OpenedSource> {
  const where = redactUrl(spec.url)
  const credential = await resolveCredential(spec.credentialRef, secrets)
  const headers = lowerCaseHeaders(spec.headers)
  const ranged = plan.offset > 0 || plan.length !== undefined
  if (ranged) {
    const last = plan.length === undefined || plan.length === 0 ? '' : String(plan.offset + plan.length - 1)
    headers.range = `bytes=${plan.offset}-${last}`
  }
  let response: Response
  try {
    response = await fetchSource(spec.url, {
      headers,
      credential,
      origin: new URL(spec.url).origin,
      signal: plan.signal,
    })
  } catch (error) {
    if (error instanceof SourceError && error.status === 416) {
      throw new SourceRangeError(where, plan.offset)
    }
    throw error
  }
  let skip = 0
  let size: number | undefined
  if (response.status === 206) {
    const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '')
    if (match === null || Number(match[1]) !== plan.offset) {
      await response.body?.cancel().catch(() => undefined)
      throw new SourceFormatError(where, `206 answer with Content-Range not starting at byte ${plan.offset}`)
    }
    size = match[3] === '*' ? undefined : Number(match[3])
  } else {
    skip = plan.offset
    // With a content coding, Content-Length counts encoded bytes, not the bytes we hand out.
    const length = response.headers.get('content-length')
    if (length !== null && response.headers.get('content-encoding') === null) size = Number(length)
    if (size !== undefined && plan.offset > size) {
      await response.body?.cancel().catch(() => undefined)
      throw new SourceRangeError(where, plan.offset, size)
    }
  }
  return {
    mediaType: spec.mediaType ?? response.headers.get('content-type') ?? 'application/octet-stream',
    ...(size === undefined ? {} : { size }),
    finite: true,
    chunks: windowBytes(guardErrors(iterateBody(response), plan.signal, where), {
      skip,
      length: plan.length,
      maxChunk: plan.maxChunkBytes,
      where,
    }),
  }
}
