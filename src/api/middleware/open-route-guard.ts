import type { Middleware } from 'koa'
import { RateLimitedError, TokenBuckets } from '../../protocol/index.js'
import { PayloadTooLargeError } from '../errors.js'

export interface OpenRouteGuardInit {
  /** The unauthenticated paths this guard covers; others pass untouched. */
  readonly paths: readonly string[]
  /** Largest body accepted on them (smaller than the API's general limit). */
  readonly bodyLimit: number
  /** Requests per second per source address, and the burst a caller may spend at once. */
  readonly ratePerSecond: number
  readonly burst: number
  /** Requests on these paths in progress at once, for all callers together. */
  readonly concurrency: number
  /** Injected clock, milliseconds. */
  readonly now?: () => number
}

/** Most source addresses remembered; the oldest bucket is forgotten first (a full one refills anyway). */
const MAX_BUCKETS = 10_000

/**
 * Guards routes anyone may call without the API token (credential and presentation verification):
 * a small body limit, a token bucket per source address and a cap on verifications running at once,
 * since each costs milliseconds of JSON-LD canonicalisation. Refusals are 413 or 429 with
 * `Retry-After`; nothing is stored about a refused request but its bucket.
 */
export function openRouteGuard(init: OpenRouteGuardInit): Middleware {
  const buckets = new TokenBuckets(
    { perSecond: init.ratePerSecond, burst: init.burst },
    MAX_BUCKETS,
    init.now ?? Date.now,
  )
  let running = 0
  return async function openRouteGuardMiddleware(ctx, next) {
    if (!init.paths.includes(ctx.path)) return next()
    if (Number(ctx.get('content-length') || 0) > init.bodyLimit)
      throw new PayloadTooLargeError(init.bodyLimit)
    const address = ctx.request.ip || 'unknown'
    const busy = running >= init.concurrency
    const wait = busy ? 1 : buckets.take(address)
    if (wait > 0) {
      ctx.set('Retry-After', String(wait))
      throw new RateLimitedError(
        wait,
        busy ? 'too many verifications are running' : `too many requests from ${address}`,
      )
    }
    running++
    try {
      await next()
    } finally {
      running--
    }
  }
}
