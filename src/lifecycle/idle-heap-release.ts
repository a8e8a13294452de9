import { performance } from 'node:perf_hooks'
import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { PacedTimer, type TimerFunctions } from './paced-timer.js'
import type { Startable } from './startable.js'

/**
 * A full garbage collection; with `compact`, one that also moves the live objects out of partly filled pages
 * and gives the emptied pages back (it takes longer: it moves every object).
 */
export type FullCollection = (options: { readonly compact: boolean }) => unknown

export interface IdleHeapReleaseInit {
  readonly collect: FullCollection
  /** Bytes of JavaScript heap in use now (live objects and garbage not yet collected). */
  readonly heapUsed?: () => number
  /** Bytes of JavaScript heap V8 holds now: in use, and free room in its pages. */
  readonly heapHeld?: () => number
  /** The share of time (0 to 1) the event loop was busy since the last call. */
  readonly loopBusy?: () => number
  readonly timers?: TimerFunctions
  /** How often the heap is looked at (10 s). */
  readonly intervalMs?: number
  /** Growth of the heap in use, or of the free room in it, since the last collection that is worth a collection while idle (2 MiB:
   * a collection of an idle node costs tens of milliseconds, and the garbage it holds averages half of this). */
  readonly growthBytes?: number
  /** Below this share of busy time the event loop counts as idle (0.05). */
  readonly idleBelow?: number
  /**
   * Free room in the heap from which a collection compacts (8 MiB): below it, giving back a few pages is not
   * worth moving every live object.
   */
  readonly compactFromBytes?: number
}

/**
 * Gives an idle node's garbage back. V8 collects the old generation only when it reaches a limit set
 * from the last collection, and an idle node allocates too slowly to reach it: members of a data space
 * of ten held 25 to 35 MB of garbage each while idle (133 MiB resident, 108 MiB after a full
 * collection). And V8's own collections free objects but keep the pages they leave partly filled: members
 * of a data space of 30 held 47 to 57 MB of heap for 31 to 35 MB in use after the busy minutes of joining
 * and searching. While the event loop idles and either the heap in use or the free room in the heap has
 * grown since the last collection, this runs one; so does a node that turns idle after busy work with a quarter
 * or more of its heap free (a mark taken during the work may already count that room; after a compaction a
 * member had a sixth free). The collection compacts when the heap has room to give back (see
 * {@link exposedFullCollection}), and a compacting one follows a regular one that left such room (the garbage
 * it freed: members at N = 30 held 47 MB for 32 MB in use after their last regular one). A busy node is left
 * to V8.
 */
export class IdleHeapRelease implements Startable {
  private readonly timer: PacedTimer
  private readonly heapUsed: () => number
  private readonly heapHeld: () => number
  private readonly loopBusy: () => number
  private readonly growthBytes: number
  private readonly idleBelow: number
  private readonly compactFromBytes: number
  /** The heap in use and the free room in it (held but not in use), each the least seen since the last collection. */
  private mark?: { used: number; free: number }
  /** Whether the event loop was busy at a look since the last collection. */
  private wasBusy = false
  /** Whether the last collection compacted: one that did not may have left room a compacting one gives back. */
  private compacted = false

  constructor(private readonly init: IdleHeapReleaseInit) {
    this.heapUsed = init.heapUsed ?? (() => getHeapStatistics().used_heap_size)
    this.heapHeld = init.heapHeld ?? (() => getHeapStatistics().total_heap_size)
    this.loopBusy = init.loopBusy ?? loopBusySinceLastCall()
    this.growthBytes = init.growthBytes ?? 2 * 1024 * 1024
    this.idleBelow = init.idleBelow ?? 0.05
    this.compactFromBytes = init.compactFromBytes ?? 8 * 1024 * 1024
    const intervalMs = init.intervalMs ?? 10_000
    this.timer = new PacedTimer(() => this.look(), { busyMs: intervalMs, restMs: intervalMs }, init.timers)
  }

  start(): void {
    this.timer.start()
  }

  stop(): void {
    this.timer.stop()
  }

  private look(): boolean {
    const busy = this.loopBusy()
    const used = this.heapUsed()
    const held = this.heapHeld()
    const free = held - used
    if (busy >= this.idleBelow) this.wasBusy = true
    // The first look, and the first after a collection (which finishes in V8's tasks), sets the marks.
    if (this.mark === undefined) {
      this.mark = { used, free }
      return false
    }
    // Free room grows when V8 collected on its own: what it freed stays held until a collection compacts.
    const grown = used - this.mark.used >= this.growthBytes || free - this.mark.free >= this.growthBytes
    const leftRoom = this.wasBusy && free >= Math.max(this.growthBytes, held / 4)
    const keptRoom = !this.compacted && free >= this.compactFromBytes
    if ((grown || leftRoom || keptRoom) && busy < this.idleBelow) {
      this.compacted = free >= this.compactFromBytes
      this.init.collect({ compact: this.compacted })
      this.mark = undefined
      this.wasBusy = false
    } else {
      this.mark = { used: Math.min(used, this.mark.used), free: Math.min(free, this.mark.free) }
    }
    return false
  }
}

function loopBusySinceLastCall(): () => number {
  let last = performance.eventLoopUtilization()
  return () => {
    const now = performance.eventLoopUtilization()
    const share = performance.eventLoopUtilization(now, last).utilization
    last = now
    return share
  }
}

/**
 * V8's full collection when node runs with `--expose-gc` (one of the flags `allmende` runs with), else none.
 * A compacting one runs with V8's `--compact-on-every-full-gc` for its duration: the `last-resort` flavor of
 * the collection that newer V8 versions offer is unknown to Node 20's, which ran a regular collection instead,
 * and V8's own memory reducer stops after its first few compactions until the heap has grown 10 MB past
 * what it left. So a node that searched across a data space of 30 held 95 MB of heap for 40 MB in use
 * through its idle minute. The compacting collection runs now, in the caller's turn; the regular one in
 * V8's own tasks.
 */
export function exposedFullCollection(): FullCollection | undefined {
  const gc = (globalThis as { gc?: (options?: { type: 'major'; execution: 'async' }) => unknown }).gc
  if (gc === undefined) return undefined
  return ({ compact }) => {
    if (!compact) return gc({ type: 'major', execution: 'async' })
    setFlagsFromString('--compact-on-every-full-gc')
    try {
      return gc()
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc')
    }
  }
}
