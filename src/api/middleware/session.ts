import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { Middleware } from 'koa'
import { AllmendeError } from '../../protocol/errors.js'

/**
 * The cookie that carries a dashboard session (HttpOnly, SameSite=Strict). Cookies ignore ports, so
 * the name carries the port: several nodes on one machine (the demo) keep their sessions apart.
 */
export function sessionCookie(host: string): string {
  const port = /:(\d+)$/.exec(host)?.[1]
  return port === undefined ? 'allmende_session' : `allmende_session_${port}`
}
/** The header a dashboard page sends its CSRF token in on every state-changing request. */
export const CSRF_HEADER = 'x-csrf-token'

const LOGIN_CODE_TTL_MS = 10 * 60_000
const SESSION_TTL_MS = 12 * 60 * 60_000
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** A dashboard request lacks the CSRF token of its session or comes from another origin. */
export class CsrfError extends AllmendeError {
  static override name = 'CsrfError'
  constructor(message: string) {
    super('ALLMENDE_CSRF', message)
  }
}

/** The one-time login code is unknown, used or expired. */
export class LoginCodeError extends AllmendeError {
  static override name = 'LoginCodeError'
  constructor() {
    super(
      'ALLMENDE_LOGIN_CODE',
      'this login link is invalid, expired or already used; get a fresh one with: allmende dashboard',
    )
  }
}

export interface DashboardSession {
  readonly id: string
  /** Sent back by the page in the {@link CSRF_HEADER} header: a cross-site form cannot read it. */
  readonly csrf: string
  expires: number
}

function token(): string {
  return randomBytes(32).toString('base64url')
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * Dashboard logins: one-time codes (printed by `allmende start` and `allmende dashboard`) that turn
 * into browser sessions. Kept in memory on purpose: a restart logs everyone out, nothing to leak on disk.
 */
export class DashboardSessions {
  private readonly codes = new Map<string, number>()
  private readonly sessions = new Map<string, DashboardSession>()

  constructor(private readonly now: () => number = Date.now) {}

  /** A fresh single-use login code, valid for ten minutes. */
  issueLoginCode(): string {
    this.sweep()
    const code = token()
    this.codes.set(code, this.now() + LOGIN_CODE_TTL_MS)
    return code
  }

  /** Spends a login code and opens a session. @throws LoginCodeError */
  redeem(code: string): DashboardSession {
    this.sweep()
    const expires = this.codes.get(code)
    if (expires === undefined) throw new LoginCodeError()
    this.codes.delete(code)
    const session = { id: token(), csrf: token(), expires: this.now() + SESSION_TTL_MS }
    this.sessions.set(session.id, session)
    return session
  }

  /** The live session with that id (its lifetime extended), or undefined. */
  find(id: string): DashboardSession | undefined {
    const session = this.sessions.get(id)
    if (session === undefined) return undefined
    if (session.expires <= this.now()) {
      this.sessions.delete(id)
      return undefined
    }
    session.expires = this.now() + SESSION_TTL_MS
    return session
  }

  end(id: string): void {
    this.sessions.delete(id)
  }

  private sweep(): void {
    const now = this.now()
    for (const [code, expires] of this.codes) if (expires <= now) this.codes.delete(code)
    for (const [id, session] of this.sessions) if (session.expires <= now) this.sessions.delete(id)
  }
}

/**
 * Authenticates dashboard requests by their session cookie. State-changing requests must carry the
 * session's CSRF token and, when the browser names an origin, come from this very origin; requests
 * without the cookie fall through to the bearer token check.
 */
export function sessionAuth(sessions: DashboardSessions): Middleware {
  return async function sessionMiddleware(ctx, next) {
    const id = ctx.cookies.get(sessionCookie(ctx.host))
    const session = id === undefined ? undefined : sessions.find(id)
    if (session === undefined || ctx.get('authorization') !== '') return next()
    if (UNSAFE_METHODS.has(ctx.method)) {
      const origin = ctx.get('origin')
      if (origin !== '' && origin !== `${ctx.protocol}://${ctx.host}`) {
        throw new CsrfError(`request from ${origin} refused: the dashboard only accepts its own origin`)
      }
      if (!sameText(ctx.get(CSRF_HEADER), session.csrf)) {
        throw new CsrfError(`missing or wrong ${CSRF_HEADER} header: reload the dashboard`)
      }
    }
    ctx.state.principal = 'dashboard'
    ctx.state.session = session
    return next()
  }
}
