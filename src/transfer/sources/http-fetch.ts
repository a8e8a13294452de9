import { abortError, describeCause } from './byte-stream.js'
import {
  SourceCredentialError,
  SourceError,
  SourceFormatError,
  SourceResponseError,
  SourceUnavailableError,
} from './errors.js'
import type { SecretsLookup, SourceCredential } from './source.js'

/** Headers that carry a secret, and the secret values to scrub from anything we report. */
export interface ResolvedCredential {
  readonly headers: Readonly<Record<string, string>>
  readonly secretValues: readonly string[]
}

const NO_CREDENTIAL: ResolvedCredential = { headers: {}, secretValues: [] }

/** Largest JSON page a time-series adapter holds in memory. */
export const MAX_PAGE_BYTES = 16 * 1024 * 1024

const MAX_REDIRECTS = 5

/** Looks up `credentialRef` in the node's secrets and turns it into request headers. */
export async function resolveCredential(
  credentialRef: string | undefined,
  secrets: SecretsLookup | undefined,
): Promise<ResolvedCredential> {
  if (credentialRef === undefined) return NO_CREDENTIAL
  if (secrets === undefined) {
    throw new SourceCredentialError(
      credentialRef,
      'this node was started without secrets; add it to the secrets',
    )
  }
  const secret: SourceCredential | undefined = await secrets(credentialRef)
  if (secret === undefined || secret === null) {
    throw new SourceCredentialError(credentialRef, "no such secret in this node's configuration")
  }
  if ('authorization' in secret && typeof secret.authorization === 'string' && secret.authorization !== '') {
    return { headers: { authorization: secret.authorization }, secretValues: [secret.authorization] }
  }
  if ('username' in secret && typeof secret.username === 'string' && typeof secret.password === 'string') {
    const token = Buffer.from(`${secret.username}:${secret.password}`).toString('base64')
    return {
      headers: { authorization: `Basic ${token}` },
      secretValues: [token, secret.password],
    }
  }
  if ('headers' in secret && typeof secret.headers === 'object' && secret.headers !== null) {
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(secret.headers)) {
      if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
        throw new SourceCredentialError(credentialRef, `header ${name} must be a single-line string`)
      }
      headers[name.toLowerCase()] = value
    }
    return { headers, secretValues: Object.values(headers) }
  }
  throw new SourceCredentialError(
    credentialRef,
    'expected {authorization}, {username, password} or {headers} in the secret',
  )
}

/** The URL as safe to report: without user info, and without fragment. */
export function redactUrl(url: string | URL): string {
  const copy = new URL(url.toString())
  copy.username = ''
  copy.password = ''
  copy.hash = ''
  return copy.toString()
}

/** Replaces every occurrence of a secret value in `text`. */
export function redactText(text: string, secretValues: readonly string[]): string {
  let out = text
  for (const secret of secretValues) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]')
  }
  return out
}

/** What a source request needs besides its URL. */
export interface SourceRequest {
  /** Non-secret headers (sent to every host the request is redirected to). */
  readonly headers: Readonly<Record<string, string>>
  /** Secret headers, sent only to `origin`. */
  readonly credential: ResolvedCredential
  /** The origin the credentials belong to: the configured source's origin. */
  readonly origin: string
  readonly signal?: AbortSignal
}

/**
 * GETs `url`. Redirects are followed by hand (at most 5) so that the secret headers go only to the
 * configured origin. A 2xx response is returned with its body unread; anything else throws a
 * {@link SourceError} whose message carries the status, the URL without credentials and a short,
 * secret-scrubbed excerpt of the body.
 */
export async function fetchSource(url: string, request: SourceRequest): Promise<Response> {
  let target = new URL(url)
  for (let hop = 0; ; hop++) {
    const sameOrigin = target.origin === request.origin
    const headers = sameOrigin
      ? { ...request.headers, ...request.credential.headers }
      : { ...request.headers }
    const where = redactUrl(target)
    let response: Response
    try {
      response = await fetch(target, { headers, redirect: 'manual', signal: request.signal })
    } catch (error) {
      if (request.signal?.aborted) throw abortError(request.signal, where)
      throw new SourceUnavailableError(where, `request failed (${describeCause(error)})`, { cause: error })
    }
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await discard(response)
      if (hop >= MAX_REDIRECTS)
        throw new SourceUnavailableError(where, `more than ${MAX_REDIRECTS} redirects`)
      target = new URL(location, target)
      continue
    }
    if (response.ok) return response
    // Scrub before cutting, so that no partial secret survives the cut.
    const detail = shorten(redactText(await readHead(response), request.credential.secretValues))
    if (response.status === 502 || response.status === 503 || response.status === 504) {
      throw new SourceUnavailableError(
        where,
        `HTTP ${response.status}${detail === '' ? '' : `: ${detail}`}`,
        {
          status: response.status,
        },
      )
    }
    throw new SourceResponseError(where, response.status, detail)
  }
}

/** Reads a JSON body of at most {@link MAX_PAGE_BYTES}; malformed or oversized bodies throw. */
export async function readJsonBody(
  response: Response,
  where: string,
  signal?: AbortSignal,
): Promise<unknown> {
  const parts: Uint8Array[] = []
  let total = 0
  try {
    for await (const chunk of iterateBody(response)) {
      total += chunk.byteLength
      if (total > MAX_PAGE_BYTES) {
        throw new SourceFormatError(
          where,
          `a page is larger than ${MAX_PAGE_BYTES} bytes; ask for smaller pages`,
        )
      }
      parts.push(chunk)
    }
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, where)
    if (error instanceof SourceError) throw error
    throw new SourceUnavailableError(where, `reading the answer failed (${describeCause(error)})`, {
      cause: error,
    })
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8'))
  } catch (error) {
    throw new SourceFormatError(where, 'the body is not valid JSON', { cause: error })
  }
}

/** The response body as chunks; stopping early cancels the body (and frees the connection). */
export async function* iterateBody(response: Response): AsyncGenerator<Uint8Array, void, undefined> {
  if (response.body === null) return
  const reader = response.body.getReader()
  let done = false
  try {
    for (;;) {
      const next = await reader.read()
      if (next.done) {
        done = true
        return
      }
      yield next.value
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined)
  }
}

async function readHead(response: Response): Promise<string> {
  let text = ''
  try {
    for await (const chunk of iterateBody(response)) {
      text += Buffer.from(chunk).toString('utf8')
      if (text.length > 65_536) break
    }
  } catch {
    return text
  }
  return text
}

function shorten(text: string): string {
  const compact = text.replace(/\s+/g, ' ').trim()
  return compact.length > 200 ? `${compact.slice(0, 197)}...` : compact
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined)
}

/** Lower-cased copy of a header record. */
export function lowerCaseHeaders(
  headers: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value
  return out
}
