import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { tempDir, tempDirSync } from '../../support/temp-dir.js'

/**
 * A test file as the suites write them, run by `temp-dir.test.ts` in a process of its own with a
 * temporary folder of its own: a suite's folders, a test's, and a suite hook that still finds them
 * (where a suite stops its nodes). Run directly, it passes and leaves nothing behind either.
 */
describe('a suite with temporary folders', () => {
  let root = ''
  const made = tempDirSync('allmende-fixture-sync-')

  after(() => {
    assert.ok(existsSync(root) && existsSync(made), "the suite's hook runs before its folders go")
  })

  it('writes into its folders', async () => {
    root = await tempDir('allmende-fixture-')
    await writeFile(join(root, 'data.json'), '[]')
    await writeFile(join(await tempDir(), 'other.json'), '{}')
  })
})
