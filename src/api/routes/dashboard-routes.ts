import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { extname, join, relative, sep } from 'node:path'
import type { Router } from '@koa/router'
import type { Context } from 'koa'
import { AllmendeError } from '../../protocol/index.js'
import { type DashboardSessions, LoginCodeError, sessionCookie } from '../middleware/session.js'
import { packageRoot } from '../package-root.js'

/** Paths of the dashboard that load without a session: the page, its assets and the login link. */
export const DASHBOARD_OPEN_PATHS: readonly (string | RegExp)[] = ['/', '/login', /^\/ui\/[\w./-]+$/]

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
}

/** Nothing but this origin: no inline script, no foreign host, no framing. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

interface Asset {
  readonly body: Buffer
  readonly type: string
  readonly etag: string
}

function asset(body: Buffer, path: string): Asset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
  return { body, type: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', etag }
}

function filesUnder(dir: string, extensions: readonly string[]): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => extensions.includes(extname(f)))
    .map((f) => f.split(sep).join('/'))
    .sort()
}

/** The built dashboard: compiled modules (`dist/ui`) and style sheets (`src/ui/static`), read once. */
export function loadDashboardAssets(root: string = packageRoot()): Map<string, Asset> {
  const scripts = join(root, 'dist', 'ui')
  if (!existsSync(join(scripts, 'main.js'))) {
    throw new AllmendeError(
      'ALLMENDE_DASHBOARD_MISSING',
      `the dashboard is not built (${relative(root, scripts)}/main.js missing); run: npm run build`,
      { expose: false },
    )
  }
  const assets = new Map<string, Asset>()
  for (const f of filesUnder(scripts, ['.js', '.css', '.svg'])) {
    assets.set(`/ui/${f}`, asset(readFileSync(join(scripts, f)), f))
  }
  return assets
}

/** The one HTML page: styles, every module preloaded (no request waterfall), the app's entry. */
function indexPage(assets: ReadonlyMap<string, Asset>): Asset {
  const modules = [...assets.keys()].filter((p) => p.endsWith('.js'))
  const html = `<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Allmende</title>
<link rel="icon" href="/ui/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/ui/app.css">
${modules.map((m) => `<link rel="modulepreload" href="${m}">`).join('\n')}
<script type="module" src="/ui/main.js"></script>
</head>
<body>
<div id="app"><noscript>Das Dashboard braucht JavaScript. / The dashboard needs JavaScript.</noscript></div>
</body>
</html>
`
  return asset(Buffer.from(html), 'index.html')
}

function loginFailedPage(message: string): string {
  return `<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Anmeldung fehlgeschlagen – Allmende</title>
<link rel="stylesheet" href="/ui/app.css"></head>
<body><main class="login-failed">
<h1>Anmeldung fehlgeschlagen</h1>
<p>Dieser Anmeldelink ist ungültig, abgelaufen oder schon benutzt. Einen neuen Link gibt <code>allmende dashboard</code> aus.</p>
<h2 lang="en">Login failed</h2>
<p lang="en">${message.replace(/[<>&]/g, '')}</p>
</main></body></html>
`
}

function send(ctx: Context, file: Asset): void {
  ctx.set(SECURITY_HEADERS)
  ctx.set('cache-control', 'no-cache')
  ctx.set('etag', file.etag)
  if (ctx.get('if-none-match') === file.etag) {
    ctx.status = 304
    return
  }
  ctx.type = file.type
  ctx.body = file.body
}

export interface DashboardRoutesInit {
  readonly sessions: DashboardSessions
  readonly assets?: Map<string, Asset>
}

/**
 * The web dashboard on the management listener: the page and its assets (`/`, `/ui/…`), the login
 * link (`/login?code=…` → session cookie), the session (`GET /api/v1/session` with its CSRF token),
 * logout, and fresh login links for `allmende dashboard` (`POST /api/v1/dashboard/login`).
 */
export function dashboardRoutes(router: Router, init: DashboardRoutesInit): void {
  const assets = init.assets ?? loadDashboardAssets()
  const index = indexPage(assets)
  router.get('/', (ctx) => send(ctx, index))
  // One route per built file: nothing outside the build is ever read from disk on request.
  for (const [path, file] of assets) router.get(path, (ctx) => send(ctx, file))
  router.get('/login', (ctx) => {
    const code = typeof ctx.query.code === 'string' ? ctx.query.code : ''
    let session: ReturnType<DashboardSessions['redeem']>
    try {
      session = init.sessions.redeem(code)
    } catch (error) {
      if (!(error instanceof LoginCodeError)) throw error
      ctx.set(SECURITY_HEADERS)
      ctx.status = 401
      ctx.type = 'text/html; charset=utf-8'
      ctx.body = loginFailedPage(error.message)
      return
    }
    ctx.cookies.set(sessionCookie(ctx.host), session.id, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: ctx.protocol === 'https',
      overwrite: true,
    })
    ctx.set(SECURITY_HEADERS)
    ctx.status = 303
    ctx.redirect('/')
  })
  router.get('/api/v1/session', (ctx) => {
    const session = ctx.state.session as { csrf: string } | undefined
    ctx.body = { principal: ctx.state.principal, ...(session === undefined ? {} : { csrf: session.csrf }) }
  })
  router.post('/api/v1/session/logout', (ctx) => {
    const session = ctx.state.session as { id: string } | undefined
    if (session !== undefined) init.sessions.end(session.id)
    ctx.cookies.set(sessionCookie(ctx.host), '', { httpOnly: true, sameSite: 'strict', path: '/', maxAge: 0 })
    ctx.body = { loggedOut: true }
  })
  router.post('/api/v1/dashboard/login', (ctx) => {
    ctx.status = 201
    ctx.body = {
      url: `${ctx.protocol}://${ctx.host}/login?code=${init.sessions.issueLoginCode()}`,
      expiresInSeconds: 600,
    }
  })
}
