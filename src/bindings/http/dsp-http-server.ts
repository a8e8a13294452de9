import { createServer, type Server } from 'node:http'
import { Router } from '@koa/router'
import Koa, { type Context } from 'koa'
import type { Logger, UnauthenticatedRefusals } from '../../log/index.js'
import {
  createVersionResponse,
  DSP_VERSION,
  type DspArea,
  decodeMessage,
  MAX_MESSAGE_BYTES,
  MessageTooLargeError,
  NotAuthenticatedError,
  RateLimitedError,
  toDspError,
  validateMessage,
} from '../../protocol/index.js'
import { bodiesWithoutFetch } from '../../util/koa-bodies.js'
import { CallerLimits } from './caller-limits.js'
import { type HttpDataSource, serveHttpData } from './data-endpoint.js'
import { DSP_BASE_PATH, normalizeDspAddress } from './dsp-paths.js'
import { DSP_ROUTES, type DspHttpServices, type DspRoute } from './dsp-routes.js'
import type { IdTokenAuthenticator } from './id-token-auth.js'
import { listenDsp } from './listen.js'

export { DSP_BASE_PATH } from './dsp-paths.js'

/** The answer type each area's successful non-catalog requests are validated against. */
const ANSWER_TYPES = { negotiation: 'ContractNegotiation', transfer: 'TransferProcess' } as const

export interface DspHttpServerInit {
  /** Interface to bind; the API host (127.0.0.1) unless an operator opens it (behind a TLS proxy). */
  readonly host: string
  /** Port; 0 picks a free one. */
  readonly port: number
  /**
   * The versioned base as peers reach it (`https://dsp.kusel.de/dsp/2025-1`, through the reverse
   * proxy that terminates TLS); default `http://<host>:<port>/dsp/2025-1`.
   */
  readonly publicUrl?: string
  readonly authenticator: IdTokenAuthenticator
  readonly services: DspHttpServices
  /** The provider's data plane gate: serves `HttpData-PULL` at {@link DspHttpServer.dataEndpoint}. */
  readonly data?: HttpDataSource
  readonly log: Logger
  /** Counts requests refused before authentication (they write no audit entry). */
  readonly refusals?: UnauthenticatedRefusals
  /** Per-caller shares (default {@link CallerLimits} with {@link DEFAULT_LIMITS}). */
  readonly limits?: CallerLimits
  /**
   * The listener sits behind a reverse proxy (TLS) that appends the client's address to
   * `X-Forwarded-For`: per-address limits count that address (the last one, the proxy's own entry),
   * not the proxy's. Off by default: a client could name any address there.
   */
  readonly trustProxy?: boolean
}

/**
 * The DSP 2025-1 HTTPS binding (reference §1): `/.well-known/dspace-version` at the root, open;
 * every catalog, negotiation and transfer endpoint of both roles under {@link DSP_BASE_PATH},
 * authenticated by a self-issued ID token. A separate koa server from the management API: it
 * faces other connectors, the API faces the operator.
 *
 * @example
 * ```ts
 * const server = new DspHttpServer({ host: '127.0.0.1', port: 8282, authenticator, services, log })
 * const base = await server.start() // http://127.0.0.1:8282/dsp/2025-1
 * ```
 */
export class DspHttpServer {
  private readonly app: Koa
  private readonly limits: CallerLimits
  private server?: Server
  private url?: string

  constructor(private readonly init: DspHttpServerInit) {
    const router = new Router()
    router.get('/.well-known/dspace-version', (ctx) => {
      ctx.body = createVersionResponse([
        { version: DSP_VERSION, path: this.versionPath(), binding: 'HTTPS', identifierType: 'did:key' },
      ])
    })
    for (const route of DSP_ROUTES) {
      const path = `${DSP_BASE_PATH}${route.path}`
      const handler = (ctx: Context) => this.answer(route, ctx)
      if (route.method === 'GET') router.get(path, handler)
      else router.post(path, handler)
    }
    const data = init.data
    if (data !== undefined) {
      router.get(`${DSP_BASE_PATH}/data/:pid`, (ctx) =>
        serveHttpData(ctx, data, this.init.log, this.init.refusals),
      )
    }
    this.limits = init.limits ?? new CallerLimits()
    this.app = new Koa({ proxy: init.trustProxy === true, maxIpsCount: 1 })
    this.app.silent = true
    bodiesWithoutFetch(this.app)
    this.app.use((ctx, next) => this.admitAddress(ctx, next))
    this.app.use(router.routes()).use(router.allowedMethods())
  }

  /** Every request first spends one of its source address's share, before any token is checked. */
  private async admitAddress(ctx: Context, next: () => Promise<void>): Promise<void> {
    try {
      this.limits.admitAddress(ctx.ip)
    } catch (error) {
      const path = ctx.path.slice(DSP_BASE_PATH.length)
      const area: DspArea = path.startsWith('/catalog')
        ? 'catalog'
        : path.startsWith('/negotiations')
          ? 'negotiation'
          : 'transfer'
      this.fail(ctx, area, error, {})
      return
    }
    await next()
  }

  /** The versioned DSP base peers use (`callbackAddress`, catalog `endpointURL`); set once listening. */
  get baseUrl(): string | undefined {
    return this.url
  }

  /** Where a consumer pulls transfer `pid` over HTTP (`dataAddress.endpoint`); undefined before listening. */
  dataEndpoint(pid: string): string | undefined {
    return this.url === undefined ? undefined : `${this.url}/data/${encodeURIComponent(pid)}`
  }

  /** Listens and returns the versioned base URL. */
  async start(): Promise<string> {
    const { host, port } = this.init
    const server = createServer(this.app.callback())
    server.headersTimeout = 10_000
    server.requestTimeout = 30_000
    const { url, listen } = await listenDsp(server, host, port, this.init.publicUrl)
    this.server = server
    this.url = url
    this.init.log.info({ url, listen }, 'DSP HTTP listening')
    return url
  }

  async stop(): Promise<void> {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** The `path` of the version entry: where the base sits below the public root. */
  private versionPath(): string {
    if (this.init.publicUrl === undefined) return DSP_BASE_PATH
    return new URL(normalizeDspAddress(this.init.publicUrl)).pathname
  }

  private async answer(route: DspRoute, ctx: Context): Promise<void> {
    let body: unknown
    try {
      const caller = await this.init.authenticator.authenticate(ctx.get('authorization') || undefined, {
        allowUrlAudience: route.allowUrlAudience === true,
      })
      this.limits.admitDid(caller.did)
      body = route.method === 'POST' ? await readBody(ctx) : undefined
      const answer = await route.handle({ caller, params: ctx.params ?? {}, body }, this.init.services)
      ctx.status = route.status
      ctx.body = route.area === 'catalog' ? answer : validateMessage(ANSWER_TYPES[route.area], answer)
    } catch (error) {
      this.fail(ctx, route.area, error, pidsOf(body, ctx.params?.pid))
    }
  }

  private fail(
    ctx: Context,
    area: DspArea,
    error: unknown,
    pids: { providerPid?: string; consumerPid?: string },
  ) {
    const { status, body } = toDspError(error, area, pids)
    if (status >= 500) this.init.log.error({ err: error, area, path: ctx.path }, 'DSP HTTP request failed')
    if (error instanceof NotAuthenticatedError) this.init.refusals?.refuse('dsp-http', 'id-token')
    if (error instanceof RateLimitedError) {
      this.init.refusals?.refuse('dsp-http', 'rate-limited')
      ctx.set('Retry-After', String(error.retryAfterSeconds))
    }
    ctx.status = status
    if (status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="dsp"')
    ctx.body = body
  }
}

/** Reads the request body as a DSP message, refusing more than {@link MAX_MESSAGE_BYTES}. */
async function readBody(ctx: Context): Promise<unknown> {
  const declared = Number(ctx.get('content-length') || 0)
  if (declared > MAX_MESSAGE_BYTES) throw new MessageTooLargeError(declared, MAX_MESSAGE_BYTES)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length
    if (size > MAX_MESSAGE_BYTES) throw new MessageTooLargeError(size, MAX_MESSAGE_BYTES)
    chunks.push(chunk as Buffer)
  }
  return decodeMessage(Buffer.concat(chunks))
}

/** The pids an error body repeats: from the message when it names them, else the one in the path. */
function pidsOf(body: unknown, pathPid: string | undefined): { providerPid?: string; consumerPid?: string } {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
  const pick = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string) : undefined)
  const providerPid = pick('providerPid')
  const consumerPid = pick('consumerPid')
  if (providerPid === undefined && consumerPid === undefined && pathPid !== undefined)
    return { providerPid: pathPid }
  return {
    ...(providerPid === undefined ? {} : { providerPid }),
    ...(consumerPid === undefined ? {} : { consumerPid }),
  }
}
