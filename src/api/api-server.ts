import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Router } from '@koa/router'
import Koa from 'koa'
import type { Logger } from '../log/index.js'
import { bodiesWithoutFetch } from '../util/koa-bodies.js'
import { ApiPortInUseError } from './errors.js'
import { auth } from './middleware/auth.js'
import { errors } from './middleware/errors.js'
import { jsonBody } from './middleware/json-body.js'
import { openRouteGuard } from './middleware/open-route-guard.js'
import { type DashboardSessions, sessionAuth } from './middleware/session.js'
import { DASHBOARD_OPEN_PATHS } from './routes/dashboard-routes.js'
import { VC_API_OPEN_PATHS } from './routes/vc-api-routes.js'

/** A function that adds one area's routes (node, datasets, negotiations, ...) to the router. */
export type RouteModule = (router: Router) => void

export interface ApiServerInit {
  host: string
  port: number
  token: string
  routes: readonly RouteModule[]
  /** Largest accepted request body. */
  bodyLimit?: number
  /** Dashboard logins: a session cookie then stands in for the bearer token. */
  sessions?: DashboardSessions
  /** Requests per second (and burst) per address on the open VC-API routes; 10 (20) by default. */
  openRate?: { perSecond: number; burst: number }
}

/**
 * Paths served without the bearer token: health, the signed status lists, which HTTP peers must read
 * to check revocation (they are public by design, signed by their issuer), and VC-API verification
 * (stateless; rate-limited and size-capped by {@link openRouteGuard}), and the dashboard's page,
 * assets and login link (the data behind it needs a session).
 */
const OPEN_PATHS = [
  '/api/v1/health',
  /^\/api\/v1\/status-lists\/[^/]+$/,
  ...VC_API_OPEN_PATHS,
  ...DASHBOARD_OPEN_PATHS,
]

/** The koa management API (`/api/v1`), bound to 127.0.0.1 unless configured otherwise. */
export class ApiServer {
  private server?: Server
  private readonly app: Koa

  constructor(
    private readonly log: Logger,
    private readonly init: ApiServerInit,
  ) {
    const router = new Router()
    for (const addRoutes of init.routes) addRoutes(router)
    this.app = new Koa()
    this.app.silent = true
    bodiesWithoutFetch(this.app)
    this.app
      .use(errors({ log }))
      .use(init.sessions === undefined ? (_ctx, next) => next() : sessionAuth(init.sessions))
      .use(auth({ token: init.token, openPaths: OPEN_PATHS }))
      .use(
        openRouteGuard({
          paths: VC_API_OPEN_PATHS,
          bodyLimit: 256 * 1024,
          ratePerSecond: init.openRate?.perSecond ?? 10,
          burst: init.openRate?.burst ?? 20,
          concurrency: 4,
        }),
      )
      .use(jsonBody({ limit: init.bodyLimit ?? 1024 * 1024 }))
      .use(router.routes())
      .use(router.allowedMethods())
  }

  /** Listens and returns the base URL (`http://127.0.0.1:PORT`). */
  async start(): Promise<string> {
    const server = createServer(this.app.callback())
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(error.code === 'EADDRINUSE' ? new ApiPortInUseError(this.init.host, this.init.port) : error)
      })
      server.listen(this.init.port, this.init.host, () => resolve())
    })
    this.server = server
    const { port } = server.address() as AddressInfo
    const host = this.init.host.includes(':') ? `[${this.init.host}]` : this.init.host
    const url = `http://${host}:${port}`
    this.log.info({ url }, 'management API listening')
    return url
  }

  async stop(): Promise<void> {
    const server = this.server
    if (server === undefined) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
