/**
 * Runs tasks at most `lanes` at a time, the others waiting their turn in order: a burst of work for the
 * network (a hundred announced changes) becomes a steady few requests.
 */
export class FetchLanes {
  private running = 0
  private readonly waiting: (() => void)[] = []

  constructor(private readonly lanes: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.lanes) await new Promise<void>((resolve) => this.waiting.push(resolve))
    else this.running++
    try {
      return await work()
    } finally {
      const next = this.waiting.shift()
      if (next === undefined) this.running--
      else next()
    }
  }
}
