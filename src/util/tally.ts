/** How many of something are under way per key (handshakes per peer, requests per peer); a key at zero is gone. */
export class Tally {
  private readonly counts = new Map<string, number>()

  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }

  remove(key: string): void {
    const left = (this.counts.get(key) ?? 1) - 1
    if (left > 0) this.counts.set(key, left)
    else this.counts.delete(key)
  }

  has(key: string): boolean {
    return this.counts.has(key)
  }
}
