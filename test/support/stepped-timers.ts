import type { TimerFunctions } from '../../src/lifecycle/index.js'

/** Timers on a clock the test moves: `advance` runs every timer that falls due, in order. */
export class SteppedTimers implements TimerFunctions {
  now = 0
  private next = 1
  private readonly pending = new Map<number, { at: number; run: () => void }>()

  setTimeout(run: () => void, ms: number): unknown {
    const id = this.next++
    this.pending.set(id, { at: this.now + ms, run })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number)
  }

  advance(ms: number): void {
    const until = this.now + ms
    for (;;) {
      const due = [...this.pending.entries()]
        .filter(([, timer]) => timer.at <= until)
        .sort((a, b) => a[1].at - b[1].at)[0]
      if (due === undefined) break
      this.pending.delete(due[0])
      this.now = due[1].at
      due[1].run()
    }
    this.now = until
  }

  get scheduled(): number {
    return this.pending.size
  }
}
