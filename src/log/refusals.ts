import type { Logger } from './logger.js'

/** How often one kind of refusal is logged at most; the lines between are counted, not written. */
const LOG_INTERVAL_MS = 10_000

/**
 * Requests refused before their sender was authenticated (junk or forged tokens, peers not
 * admitted). They must not reach the audit log (an attacker would write into it at will) nor flood
 * the log: each is counted by interface and reason for `/metrics`, and each kind is logged at most
 * once per 10 s with the number of refusals since its last line.
 */
export class UnauthenticatedRefusals {
  private readonly counts = new Map<string, { where: string; reason: string; total: number }>()
  private readonly lastLogged = new Map<string, { at: number; total: number }>()

  constructor(
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Counts one refusal at `where` (`http-data`, `dsp-http`, `p2p-dsp`, ...) for `reason` (a stable word). */
  refuse(where: string, reason: string, detail?: string): void {
    const key = `${where} ${reason}`
    const entry = this.counts.get(key) ?? { where, reason, total: 0 }
    entry.total++
    this.counts.set(key, entry)
    const now = this.clock()
    const last = this.lastLogged.get(key)
    if (last !== undefined && now - last.at < LOG_INTERVAL_MS) return
    this.lastLogged.set(key, { at: now, total: entry.total })
    const since = entry.total - (last?.total ?? 0)
    this.log.warn(
      { where, reason, refusals: since, ...(detail === undefined ? {} : { detail }) },
      'refused an unauthenticated request',
    )
  }

  /** Refusals so far, by interface and reason. */
  totals(): readonly { readonly where: string; readonly reason: string; readonly total: number }[] {
    return [...this.counts.values()].map((entry) => ({ ...entry }))
  }
}
