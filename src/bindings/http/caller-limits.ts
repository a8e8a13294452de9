import { AllmendeError } from '../../protocol/index.js'

/** A caller sent more requests than its share; it may try again after `retryAfterSeconds`. */
export class RateLimitedError extends AllmendeError {
  static override name = 'RateLimitedError'
  constructor(
    readonly retryAfterSeconds: number,
    who: string,
  ) {
    super(
      'ALLMENDE_RATE_LIMITED',
      `too many requests from ${who}; retry after ${retryAfterSeconds} s (other callers are served meanwhile)`,
    )
  }
}

/** A sustained rate and a burst: a token bucket of `burst` tokens refilled at `perSecond`. */
export interface RateLimit {
  readonly perSecond: number
  readonly burst: number
}

/**
 * Default shares of one caller on the DSP HTTP binding. Negotiations and transfers take a handful
 * of requests each; a connector that needs more runs its requests in series within these bounds.
 * One address's share of the ID token replay cache is bounded by its rate times a token's life
 * (at most 330 s): 20/s × 330 s = 6,600 of the 100,000 entries, so no one address fills it.
 */
export const DEFAULT_LIMITS = {
  perAddress: { perSecond: 20, burst: 100 },
  perDid: { perSecond: 10, burst: 50 },
  /** Buckets kept at most per kind; the least recently used is dropped first (it is full anyway). */
  maxCallers: 10_000,
} as const

interface Bucket {
  tokens: number
  at: number
}

/** Token buckets per key (a source address, a DID), bounded in number. */
class Buckets {
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

/**
 * Per-caller limits of the DSP HTTP binding: every request spends a token of its source address
 * before anything is verified (a flood of junk costs the flooder, not the node), and every
 * authenticated request one of its DID (a DID sending from many addresses is held to its share).
 * A caller over its share gets 429 with `Retry-After`; every other caller is served as before.
 */
export class CallerLimits {
  private readonly addresses: Buckets
  private readonly dids: Buckets

  constructor(
    init: {
      readonly perAddress?: RateLimit
      readonly perDid?: RateLimit
      readonly maxCallers?: number
      readonly clock?: () => number
    } = {},
  ) {
    const clock = init.clock ?? Date.now
    const max = init.maxCallers ?? DEFAULT_LIMITS.maxCallers
    this.addresses = new Buckets(init.perAddress ?? DEFAULT_LIMITS.perAddress, max, clock)
    this.dids = new Buckets(init.perDid ?? DEFAULT_LIMITS.perDid, max, clock)
  }

  /** Spends one request of `address`; throws {@link RateLimitedError} when it has none left. */
  admitAddress(address: string): void {
    const wait = this.addresses.take(address)
    if (wait > 0) throw new RateLimitedError(wait, `address ${address}`)
  }

  /** Spends one request of an authenticated `did`; throws {@link RateLimitedError} when it has none left. */
  admitDid(did: string): void {
    const wait = this.dids.take(did)
    if (wait > 0) throw new RateLimitedError(wait, did)
  }
}
