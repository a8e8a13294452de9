/** The timer functions a {@link PacedTimer} schedules with; a test passes its own to step through time. */
export interface TimerFunctions {
  setTimeout(run: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const nodeTimers: TimerFunctions = {
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/**
 * Runs a chore again and again, often while it has work and rarely while it has none: `chore` returns
 * whether it wants to run again soon (`busyMs`) or can rest (`restMs`), or in how many ms it has work again
 * (kept between the two). {@link nudge} runs it at once, for
 * events that may bring work (a peer left), so a resting chore still answers within moments. An idle node
 * whose chores all rest wakes up a tenth as often. Real timers are unref'd: they never keep a process alive.
 */
export class PacedTimer {
  private handle: unknown
  private running = false
  private readonly timers: TimerFunctions

  constructor(
    private readonly chore: () => boolean | number,
    private readonly pace: { readonly busyMs: number; readonly restMs: number },
    timers?: TimerFunctions,
  ) {
    this.timers = timers ?? nodeTimers
  }

  /** Runs the chore now and keeps running it until {@link stop}. */
  start(): void {
    this.running = true
    this.run()
  }

  stop(): void {
    this.running = false
    this.timers.clearTimeout(this.handle)
    this.handle = undefined
  }

  /** Runs the chore at the next turn of the event loop, however long it meant to rest. */
  nudge(): void {
    if (!this.running) return
    this.schedule(0)
  }

  private run(): void {
    this.handle = undefined
    if (!this.running) return
    const due = this.chore()
    // the chore may have stopped the timer, or nudged it while it ran
    if (this.running && this.handle === undefined) this.schedule(this.wait(due))
  }

  private wait(due: boolean | number): number {
    if (typeof due === 'boolean') return due ? this.pace.busyMs : this.pace.restMs
    return Math.min(this.pace.restMs, Math.max(this.pace.busyMs, due))
  }

  private schedule(ms: number): void {
    this.timers.clearTimeout(this.handle)
    this.handle = this.timers.setTimeout(() => this.run(), ms)
  }
}
