import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { V8_FLAGS } from '../../../src/cli/v8-flags.js'
import { cliPath, repoRoot } from '../../support/repo.js'

describe('the V8 flags allmende runs with', () => {
  it('are the ones the bin’s first line and the container’s entrypoint pass to node', () => {
    const shebang = readFileSync(cliPath(), 'utf8').split('\n')[0]
    assert.equal(shebang, `#!/usr/bin/env -S node ${V8_FLAGS.join(' ')}`)
    const entrypoint = readFileSync(join(repoRoot(), 'docker', 'entrypoint.sh'), 'utf8')
    assert.match(entrypoint, new RegExp(`exec node ${V8_FLAGS.join(' ')} "\\$cli" start`))
  })

  it('are flags this node accepts', () => {
    const out = execFileSync(process.execPath, [...V8_FLAGS, cliPath(), '--version'], { encoding: 'utf8' })
    assert.match(out, /\d+\.\d+\.\d+/)
  })

  it('expose the full collection an idle node gives its garbage back with', () => {
    const out = execFileSync(process.execPath, [...V8_FLAGS, '-p', 'typeof gc'], { encoding: 'utf8' })
    assert.equal(out.trim(), 'function')
  })
})
