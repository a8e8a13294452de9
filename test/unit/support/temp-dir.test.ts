import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../../support/temp-dir.js'

const FIXTURE = join(fileURLToPath(new URL('.', import.meta.url)), 'temp-dir-fixture.js')

describe('tempDir', () => {
  it('leaves nothing in the temporary folder once a test file ended, after its suites stopped', async () => {
    const tmp = await tempDir('allmende-tmpdir-')
    // Run as a file of its own, not as a subtest of this one (which the runner's context would make it).
    const { NODE_TEST_CONTEXT: _, ...env } = process.env
    const run = spawn(process.execPath, ['--test-reporter=tap', FIXTURE], {
      env: { ...env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    run.stdout.on('data', (d) => (output += d))
    run.stderr.on('data', (d) => (output += d))
    const code = await new Promise<number | null>((resolve) => run.on('exit', resolve))
    assert.equal(code, 0, output)
    assert.match(output, /^# pass 1$/m)
    assert.deepEqual(await readdir(tmp), [])
  })
})
