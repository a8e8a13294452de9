import { timingSafeEqual } from 'node:crypto'
import type { Middleware } from 'koa'
import { UnauthorizedError } from '../errors.js'

/**
 * Requires `Authorization: Bearer <token>` on every path but the open ones. The comparison is
 * constant-time so the token cannot be guessed byte by byte.
 */
export function auth(options: { token: string; openPaths: readonly (string | RegExp)[] }): Middleware {
  const expected = Buffer.from(options.token)
  return async function authMiddleware(ctx, next) {
    // A dashboard session (checked by sessionAuth before) stands in for the token.
    if (ctx.state.principal !== undefined) return next()
    if (
      options.openPaths.some((open) => (typeof open === 'string' ? open === ctx.path : open.test(ctx.path)))
    ) {
      return next()
    }
    const header = ctx.get('authorization')
    if (header === '')
      throw new UnauthorizedError('missing bearer token: send "Authorization: Bearer <token>"')
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    const given = Buffer.from(match?.[1] ?? '')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedError('wrong bearer token: use the token in the node directory (api-token)')
    }
    ctx.state.principal = 'operator'
    return next()
  }
}
