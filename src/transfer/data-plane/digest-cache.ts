import { stat } from 'node:fs/promises'
import type { ContentTotals } from './data-plane.js'

/** Files whose digest is remembered; the oldest is forgotten first. */
const MAX_FILES = 1024
/**
 * A file changed less than this long before it was hashed is not remembered: file timestamps tick
 * coarsely (a kernel tick, a second on some file systems), so a write right after the hash began
 * could leave them as they were. Past this margin any write moves the change time.
 */
const SETTLED_MS = 3000

/** The changes a file's content cannot have without changing one of these (ctime: any write or rename). */
async function versionOf(path: string): Promise<{ version: string; changedMs: number }> {
  const info = await stat(path, { bigint: true })
  return {
    version: `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`,
    changedMs: Number(info.ctimeNs / 1_000_000n),
  }
}

/** One look at a file before it is sent: its version, and its totals if they are remembered. */
export interface FileLook {
  readonly path: string
  readonly version: string
  /** The totals of this version, remembered from an earlier send. */
  readonly totals?: ContentTotals
  /** Whether the version had settled when looked at (only then may its totals be remembered). */
  readonly settled: boolean
}

/**
 * The provider's remembered content digests of file sources, by path and file version (device,
 * inode, size, modification and change time), so a file sent again need not be hashed while it is
 * sent, and a resumed transfer need not read the prefix it skips. Trusted only for the version it
 * was computed from: a file is looked at before it is sent and again after its last byte went out,
 * and a different version at either look means it is hashed anew (or, if it changed while sent,
 * that the totals are unknown).
 */
export class DigestCache {
  private readonly files = new Map<string, { version: string; totals: ContentTotals }>()

  constructor(private readonly now: () => number = Date.now) {}

  /** The file's version now, with its remembered totals if they belong to this version. */
  async look(path: string): Promise<FileLook> {
    const { version, changedMs } = await versionOf(path)
    const known = this.files.get(path)
    const settled = this.now() - changedMs >= SETTLED_MS
    return known?.version === version
      ? { path, version, totals: known.totals, settled }
      : { path, version, settled }
  }

  /** Whether the file is still the version `look` saw. */
  async unchanged(look: FileLook): Promise<boolean> {
    try {
      return (await versionOf(look.path)).version === look.version
    } catch {
      return false
    }
  }

  /** Remembers the totals hashed from a version that stayed the same while it was read. */
  remember(look: FileLook, totals: ContentTotals): void {
    if (!look.settled) return
    this.files.delete(look.path)
    this.files.set(look.path, { version: look.version, totals })
    if (this.files.size > MAX_FILES) this.files.delete(this.files.keys().next().value as string)
  }
}
