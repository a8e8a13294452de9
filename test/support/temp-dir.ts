import { mkdtempSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'

/**
 * The temporary folders of this test file (its nodes' directories among them), removed by one hook
 * on the file's root: it runs after every suite's own `after` hooks and every test's `t.after`, which
 * stop the nodes the tests started, and whether the tests passed or not. Root hooks run in the order
 * they were made and this one is made on import, so a node is stopped in a suite or a test, never
 * in a root-level `after` of the test file. Only test files may import this module (a bench
 * importing it would print a test report).
 */
const made = new Set<string>()

after(async () => {
  // A node that just ended may still be closing files in its folder: rm retries briefly.
  await Promise.all([...made].map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 5 })))
  made.clear()
})

/** A fresh folder below the system's temporary folder, removed when this test file ends. */
export async function tempDir(prefix = 'allmende-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  made.add(dir)
  return dir
}

/** {@link tempDir} for synchronous fixtures. */
export function tempDirSync(prefix = 'allmende-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.add(dir)
  return dir
}
