import type { Middleware } from 'koa'
import { PayloadTooLargeError, TooManyRequestsError } from '../errors.js'

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
  const now = init.now ?? Date.now
  const buckets = new Map<string, { tokens: number; at: number }>()
  let running = 0
  return async function openRouteGuardMiddleware(ctx, next) {
    if (!init.paths.includes(ctx.path)) return next()
    if (Number(ctx.get('content-length') || 0) > init.bodyLimit)
      throw new PayloadTooLargeError(init.bodyLimit)
    const address = ctx.request.ip || 'unknown'
    const t = now()
    const bucket = buckets.get(address) ?? { tokens: init.burst, at: t }
    buckets.delete(address)
    bucket.tokens = Math.min(init.burst, bucket.tokens + ((t - bucket.at) / 1000) * init.ratePerSecond)
    bucket.at = t
    buckets.set(address, bucket)
    if (buckets.size > MAX_BUCKETS) buckets.delete(buckets.keys().next().value!)
    if (bucket.tokens < 1) {
      const wait = Math.ceil((1 - bucket.tokens) / init.ratePerSecond)
      ctx.set('Retry-After', String(wait))
      throw new TooManyRequestsError(`too many requests from ${address}; retry in ${wait} s`)
    }
    if (running >= init.concurrency) {
      ctx.set('Retry-After', '1')
      throw new TooManyRequestsError('too many verifications are running; retry in 1 s')
    }
    bucket.tokens -= 1
    running++
    try {
      await next()
    } finally {
      running--
    }
  }
}
