import { AllmendeError } from './errors.js'

/** A sustained rate and a burst: a token bucket of `burst` tokens refilled at `perSecond`. */
export interface RateLimit {
  readonly perSecond: number
  readonly burst: number
}

/** A caller spent more than its share; it may try again after `retryAfterSeconds` (HTTP 429 with `Retry-After`). */
export class RateLimitedError extends AllmendeError {
  static override name = 'RateLimitedError'
  constructor(
    readonly retryAfterSeconds: number,
    reason: string,
  ) {
    super('ALLMENDE_RATE_LIMITED', `${reason}; retry after ${retryAfterSeconds} s`)
  }
}

interface Bucket {
  tokens: number
  at: number
}

/**
 * Token buckets per key (a source address, a DID), bounded in number: the least recently used
 * bucket is dropped first, which costs nothing since an unused bucket has refilled anyway.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>()

  constructor(
    private readonly limit: RateLimit,
    private readonly maxKeys: number,
    private readonly clock: () => number,
  ) {}

  /** Takes one token for `key`; returns 0 when granted, else the seconds until one is free. */
  take(key: string): number {
    const now = this.clock()
    const { perSecond, burst } = this.limit
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond)
    bucket.at = now
    // Re-insert: the map's order is the order of last use, oldest first.
    this.buckets.delete(key)
    this.buckets.set(key, bucket)
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond))
  }
}
