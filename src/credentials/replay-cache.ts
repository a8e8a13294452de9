import { TokenError } from './errors.js'

/**
 * The `jti`s of tokens already accepted, each kept until its token expires (plus the clock skew).
 * Entries leave by expiry, oldest first, from a heap: no scan of the whole cache, whatever its
 * size. Bounded: when it holds `max` live entries it refuses new ones (fails closed). Who may add
 * how many is the callers' limits' business (one address's rate times a token's lifetime is a
 * small share of `max`), so no single party can fill it.
 */
export class ReplayCache {
  private readonly until = new Map<string, number>()
  /** Binary min-heap of [expiry, key]; an entry may outlive its key's removal (skipped when popped). */
  private readonly heap: [number, string][] = []

  constructor(private readonly max: number) {}

  get size(): number {
    return this.until.size
  }

  /**
   * Records `key` as used until `expires` (seconds since the epoch), or throws a
   * {@link TokenError} `replay` if it is already recorded and not expired at `now`.
   */
  use(key: string, expires: number, now: number, what: string): void {
    this.evict(now)
    if (this.until.has(key)) throw new TokenError('replay', `the token ${what} was already used`)
    if (this.until.size >= this.max) {
      throw new TokenError(
        'replay',
        'too many live tokens to guard against replay; refusing until some expire',
      )
    }
    this.until.set(key, expires)
    this.push([expires, key])
  }

  private evict(now: number): void {
    for (let top = this.heap[0]; top !== undefined && top[0] < now; top = this.heap[0]) {
      this.pop()
      if (this.until.get(top[1]) === top[0]) this.until.delete(top[1])
    }
  }

  private push(entry: [number, string]): void {
    const heap = this.heap
    heap.push(entry)
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1
      if (heap[parent]![0] <= heap[i]![0]) break
      ;[heap[parent], heap[i]] = [heap[i]!, heap[parent]!]
      i = parent
    }
  }

  private pop(): void {
    const heap = this.heap
    const last = heap.pop()
    if (last === undefined || heap.length === 0) return
    heap[0] = last
    for (let i = 0; ; ) {
      const left = 2 * i + 1
      const right = left + 1
      let least = i
      if (left < heap.length && heap[left]![0] < heap[least]![0]) least = left
      if (right < heap.length && heap[right]![0] < heap[least]![0]) least = right
      if (least === i) break
      ;[heap[least], heap[i]] = [heap[i]!, heap[least]!]
      i = least
    }
  }
}
