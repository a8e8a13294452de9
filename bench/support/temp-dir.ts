import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A fresh folder below the system's temporary folder for one bench run, removed when the bench's
 * process exits, whichever way it ends: after its last line, at `process.exit()`, or on an error.
 * The bench stops the nodes it started before it ends; a node it leaves behind loses its folder.
 */
export function benchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  process.once('exit', () => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }))
  return dir
}
