/**
 * Serialises work per key (one negotiation, one transfer, one agreement's usage): each call runs
 * after the previous one for the same key has settled, whether it succeeded or not.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>()

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    const run = previous.then(work, work)
    const settled = run.catch(() => undefined)
    this.tails.set(key, settled)
    try {
      return await run
    } finally {
      if (this.tails.get(key) === settled) this.tails.delete(key)
    }
  }
}
