import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root: the nearest folder upwards holding package.json (works from test/ and dist/test/). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('package.json not found above the test file')
    dir = parent
  }
  return dir
}

/** The built command the tests run as a real process: the bundle the package's bin names. */
export function cliPath(): string {
  return join(repoRoot(), 'dist', 'bundle', 'allmende.js')
}
