import { type RateLimit, RateLimitedError, TokenBuckets } from '../../protocol/index.js'

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

/**
 * Per-caller limits of the DSP HTTP binding: every request spends a token of its source address
 * before anything is verified (a flood of junk costs the flooder, not the node), and every
 * authenticated request one of its DID (a DID sending from many addresses is held to its share).
 * A caller over its share gets 429 with `Retry-After`; every other caller is served as before.
 */
export class CallerLimits {
  private readonly addresses: TokenBuckets
  private readonly dids: TokenBuckets

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
    this.addresses = new TokenBuckets(init.perAddress ?? DEFAULT_LIMITS.perAddress, max, clock)
    this.dids = new TokenBuckets(init.perDid ?? DEFAULT_LIMITS.perDid, max, clock)
  }

  /** Spends one request of `address`; throws {@link RateLimitedError} when it has none left. */
  admitAddress(address: string): void {
    const wait = this.addresses.take(address)
    if (wait > 0)
      throw new RateLimitedError(
        wait,
        `too many requests from address ${address} (other callers are served meanwhile)`,
      )
  }

  /** Spends one request of an authenticated `did`; throws {@link RateLimitedError} when it has none left. */
  admitDid(did: string): void {
    const wait = this.dids.take(did)
    if (wait > 0)
      throw new RateLimitedError(wait, `too many requests from ${did} (other callers are served meanwhile)`)
  }
}
