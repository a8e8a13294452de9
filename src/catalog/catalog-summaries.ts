import type { CatalogChange } from './catalog.js'

/**
 * A provider's summary on the catalog topic: that it is a member with a catalog (so nodes that never met it
 * ask it in a refreshed search) and its recent changes again (so a node that missed an announcement, joined
 * the gossip mesh late or failed to fetch the dataset catches up without fetching whole catalogs).
 */
export interface CatalogSummary {
  /** The provider's DID. */
  readonly provider: string
  /** Where it listens (hints: a dial still passes admission). */
  readonly addresses: readonly string[]
  /** Its own changes of the last {@link RECENT_WINDOW_MS}, newest last, at most {@link MAX_RECENT}. */
  readonly changes: readonly CatalogChange[]
}

/** How far back a summary repeats changes: a node away longer catches up with a refreshed search. */
export const RECENT_WINDOW_MS = 10 * 60_000
/** Most changes one summary carries (a bulk import is for refreshed searches, not for gossip). */
export const MAX_RECENT = 16
/**
 * Summaries after a change, counted from the last change of a burst: gossip reaches the mesh within a heartbeat
 * or two, so the first repeat catches a node whose fetch failed or whose mesh was still forming.
 */
const REPEAT_AFTER_CHANGE_MS = [2_000, 8_000, 30_000]
/**
 * Every member says it is there at least this often (jittered; any summary it sends counts), so a node that
 * missed a member's "joined" summary and the member directories it asked hears of that member within this time…
 */
export const PRESENCE_INTERVAL_MS = 120_000
/**
 * …and less often in a larger data space: each member waits this long for every member it knows of, so the
 * whole data space sends about one presence summary in this time however many members it has (as RTCP spaces
 * its reports by group size). With a fixed interval every node received and relayed N summaries per interval,
 * each several times over: at N = 30 (a summary every 4 s) a third of an idle member's CPU, 6.1 to 6.4 ms/s
 * against 4.3 ms/s with this spacing, and ten times as many at N = 100 as at N = 10.
 */
export const PRESENCE_SPACING_MS = 8_000
/** A node that has just met its first peer on the catalog topic says so after this pause (a burst of peers is one). */
const JOINED_DELAY_MS = 1_000

export interface SummaryScheduleOptions {
  /** Publishes one summary; failures are the caller's to log. */
  readonly publish: (changes: readonly CatalogChange[]) => Promise<void>
  readonly now?: () => number
  /** Shortest presence interval (default {@link PRESENCE_INTERVAL_MS}). */
  readonly presenceMs?: number
  /**
   * Members this node knows of, itself included (those heard on the topic and those its peers' member
   * directories named): the presence interval ({@link presenceInterval}) grows with them.
   */
  readonly members?: () => number
}

/** How long a member waits between two presence summaries, in a data space of `members` it knows of. */
export function presenceInterval(members: number, shortestMs = PRESENCE_INTERVAL_MS): number {
  return Math.max(shortestMs, members * PRESENCE_SPACING_MS)
}

/**
 * When this node publishes its summary: shortly after it first meets a peer on the catalog topic, a few times
 * after each burst of its own changes, and now and then as presence, the more rarely the more members it knows.
 * Keeps its recent changes in memory (a restart forgets them: they were announced before).
 */
export class SummarySchedule {
  private readonly recent: { change: CatalogChange; at: number }[] = []
  private readonly repeats: NodeJS.Timeout[] = []
  private presence?: NodeJS.Timeout
  private joinedTimer?: NodeJS.Timeout
  /** When this node last published a summary (its start, before the first). */
  private lastPublishedAt = 0
  private joined = false
  private stopped = false

  constructor(private readonly options: SummaryScheduleOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)()
  }

  start(): void {
    this.stopped = false
    this.lastPublishedAt = this.now()
    this.schedulePresence()
  }

  stop(): void {
    this.stopped = true
    for (const timer of this.repeats.splice(0)) clearTimeout(timer)
    clearTimeout(this.presence)
    clearTimeout(this.joinedTimer)
  }

  /** Remembers one of this node's changes and repeats it a few times. */
  changed(change: CatalogChange): void {
    this.recent.push({ change, at: this.now() })
    if (this.recent.length > MAX_RECENT) this.recent.splice(0, this.recent.length - MAX_RECENT)
    for (const timer of this.repeats.splice(0)) clearTimeout(timer)
    for (const delay of REPEAT_AFTER_CHANGE_MS) this.repeats.push(this.timer(delay, () => this.publish()))
  }

  /** The node met a peer on the catalog topic: the first time, it tells the data space it is there. */
  metPeer(): void {
    if (this.joined || this.stopped) return
    this.joined = true
    this.joinedTimer = this.timer(JOINED_DELAY_MS, () => this.publish())
  }

  /** This node's changes still within {@link RECENT_WINDOW_MS}, oldest first. */
  recentChanges(): CatalogChange[] {
    const since = this.now() - RECENT_WINDOW_MS
    while (this.recent.length > 0 && this.recent[0]!.at < since) this.recent.shift()
    return this.recent.map((r) => r.change)
  }

  /**
   * The presence is due a presence interval (jittered) after this node's last summary of any kind: a repeat
   * told the data space as much.
   */
  private schedulePresence(): void {
    const since = this.lastPublishedAt
    const interval = presenceInterval(this.members(), this.options.presenceMs)
    const wait = Math.max(0, since + Math.round(interval * (0.8 + Math.random() * 0.4)) - this.now())
    this.presence = this.timer(wait, () => {
      const work = this.lastPublishedAt === since ? this.publish() : undefined
      this.schedulePresence()
      return work
    })
  }

  private members(): number {
    return this.options.members?.() ?? 1
  }

  private publish(): Promise<void> {
    this.lastPublishedAt = this.now()
    return this.options.publish(this.recentChanges())
  }

  private timer(ms: number, work: () => Promise<void> | void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      if (!this.stopped) void work()
    }, ms)
    timer.unref()
    return timer
  }
}
