import { SkippedOfferLog, salvageCatalogAnswer, salvageDatasetAnswer } from '../../catalog/index.js'
import type { Logger } from '../../log/index.js'
import {
  type Catalog,
  createCatalogRequestMessage,
  type Dataset,
  DSP_VERSION,
  type DspMessage,
  encodeMessage,
  InvalidMessageError,
  isRefusalStatus,
  PeerUnreachableError,
  parseMessage,
  RemoteDspError,
  type VersionResponse,
} from '../../protocol/index.js'
import {
  type DspRecipient,
  dspMessagePath,
  joinDspUrl,
  normalizeDspAddress,
  type RoutableMessage,
} from './dsp-paths.js'
import { DspVersionUnsupportedError } from './errors.js'
import type { IdTokenIssuer } from './id-token-auth.js'

const REQUEST_TIMEOUT_MS = 15_000

/**
 * The client half of the DSP HTTP binding: posts a message to the path its type and recipient
 * call for under the peer's address, with a fresh ID token for the peer's DID, and parses the
 * answer. A `*Error` answer is a {@link RemoteDspError} with the peer's code, whatever its status,
 * as over libp2p: the one error table decides whether it is final (`isRemoteRefusal`). An answer
 * without a code is judged by its status alone: a 4xx is a final refusal; a 429, a 5xx, a timeout or
 * a refused connection is a {@link PeerUnreachableError}: retry later.
 *
 * @example
 * ```ts
 * const client = new DspHttpClient({ tokens: new IdTokenIssuer({ key }) })
 * const ack = await client.send(providerDid, 'https://dsp.kusel.de/dsp/2025-1', 'provider', request)
 * ```
 */
export class DspHttpClient {
  private readonly skippedOffers?: SkippedOfferLog

  constructor(
    private readonly init: {
      readonly tokens: IdTokenIssuer
      readonly timeoutMs?: number
      readonly fetch?: typeof fetch
      /** Where offers left out of a provider's catalog are logged (rate-limited per provider). */
      readonly log?: Logger
    },
  ) {
    if (init.log !== undefined) this.skippedOffers = new SkippedOfferLog(init.log)
  }

  /** Sends a negotiation or transfer message to `peer` (its DID) at `address` and returns the answer. */
  async send(peer: string, address: string, recipient: DspRecipient, message: unknown): Promise<DspMessage> {
    // Validated on the way out as on the way in: no peer receives what it must reject.
    const valid = parseMessage(message)
    const url = joinDspUrl(address, dspMessagePath(valid as RoutableMessage, recipient))
    return parseMessage(await this.call('POST', url, peer, message))
  }

  /**
   * The catalog at a DSP base; the token is addressed to the base URL (the DID comes from the answer).
   * Offers that break the DSP schema are left out and logged, as over libp2p: one never hides the others.
   */
  async catalog(baseUrl: string, audience: string = normalizeDspAddress(baseUrl)): Promise<Catalog> {
    const url = joinDspUrl(baseUrl, '/catalog/request')
    const answer = await this.call('POST', url, audience, createCatalogRequestMessage({}))
    const { catalog, skipped } = salvageCatalogAnswer(answer)
    this.skippedOffers?.report(String(catalog.participantId ?? baseUrl), skipped)
    return catalog as unknown as Catalog
  }

  /** One dataset of a DSP base as the provider lets this node see it, its broken offers left out. */
  async dataset(
    baseUrl: string,
    id: string,
    audience: string = normalizeDspAddress(baseUrl),
  ): Promise<Dataset> {
    const url = joinDspUrl(baseUrl, `/catalog/datasets/${encodeURIComponent(id)}`)
    const { dataset, skipped } = salvageDatasetAnswer(await this.call('GET', url, audience))
    this.skippedOffers?.report(audience, skipped)
    return dataset as unknown as Dataset
  }

  /**
   * The versioned DSP 2025-1 base of a connector: `url` itself when it names a path, else the
   * `path` its `/.well-known/dspace-version` lists for 2025-1 over HTTPS.
   */
  async discoverBase(url: string): Promise<string> {
    const normalized = normalizeDspAddress(url)
    const parsed = new URL(normalized)
    if (parsed.pathname !== '' && parsed.pathname !== '/') return normalized
    const answer = (await this.call('GET', `${parsed.origin}/.well-known/dspace-version`)) as VersionResponse
    const versions = Array.isArray(answer?.protocolVersions) ? answer.protocolVersions : []
    const entry = versions.find((v) => v.version === DSP_VERSION && (v.binding ?? 'HTTPS') === 'HTTPS')
    if (entry === undefined) {
      throw new DspVersionUnsupportedError(
        url,
        `it lists ${versions.map((v) => v.version).join(', ') || 'no version'}`,
      )
    }
    return normalizeDspAddress(`${parsed.origin}${entry.path.startsWith('/') ? '' : '/'}${entry.path}`)
  }

  private async call(
    method: 'GET' | 'POST',
    url: string,
    audience?: string,
    body?: unknown,
  ): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (audience !== undefined) headers.authorization = `Bearer ${await this.init.tokens.token(audience)}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await (this.init.fetch ?? fetch)(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: encodeMessage(body) }),
        signal: AbortSignal.timeout(this.init.timeoutMs ?? REQUEST_TIMEOUT_MS),
        redirect: 'error',
      })
    } catch (cause) {
      throw new PeerUnreachableError(url, (cause as Error).message, { cause })
    }
    const text = await response.text().catch(() => '')
    let json: unknown
    try {
      json = text === '' ? undefined : JSON.parse(text)
    } catch (cause) {
      if (response.ok)
        throw new InvalidMessageError(`${url} answered ${response.status} with a body that is not JSON`, {
          cause,
        })
    }
    if (response.ok) return json
    const { status } = response
    const error = (json ?? {}) as { code?: unknown; reason?: unknown }
    const reasons = Array.isArray(error.reason) ? error.reason.map(String) : []
    // The peer's own code, as over libp2p: a rate limit or a fault is retried, a refusal is final.
    if (typeof error.code === 'string')
      throw new RemoteDspError(
        error.code,
        reasons.length > 0 ? reasons : [`${method} ${url} answered ${status}`],
        status,
      )
    // No DSP error (a proxy's page, an empty answer): the status alone tells a delay from a refusal.
    if (!isRefusalStatus(status)) {
      const retryAfter = response.headers.get('retry-after')
      throw new PeerUnreachableError(
        url,
        `answered ${status}${retryAfter === null ? '' : `; retry after ${retryAfter} s`} ${text.slice(0, 200)}`.trim(),
      )
    }
    throw new RemoteDspError(
      `HTTP_${status}`,
      [`${method} ${url} answered ${status} ${text.slice(0, 200)}`.trim()],
      status,
    )
  }
}
