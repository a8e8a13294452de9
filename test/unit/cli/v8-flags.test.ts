import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { GLIBC_TUNABLES, V8_FLAGS, withAllocatorTunables } from '../../../src/cli/v8-flags.js'
import { cliPath, repoRoot } from '../../support/repo.js'

describe('the V8 flags and allocator setting allmende runs with', () => {
  it('are the ones the bin’s first line and the container’s entrypoint pass to node', () => {
    const shebang = readFileSync(cliPath(), 'utf8').split('\n')[0]
    assert.equal(shebang, `#!/usr/bin/env -S GLIBC_TUNABLES=${GLIBC_TUNABLES} node ${V8_FLAGS.join(' ')}`)
    const entrypoint = readFileSync(join(repoRoot(), 'docker', 'entrypoint.sh'), 'utf8')
    assert.ok(
      entrypoint.includes(
        `exec env GLIBC_TUNABLES=${GLIBC_TUNABLES} node ${V8_FLAGS.join(' ')} "$cli" start`,
      ),
      'the entrypoint starts the node with the same flags and setting',
    )
  })

  it('are flags this node accepts', () => {
    const out = execFileSync(process.execPath, [...V8_FLAGS, cliPath(), '--version'], {
      encoding: 'utf8',
      env: withAllocatorTunables(process.env),
    })
    assert.match(out, /\d+\.\d+\.\d+/)
  })

  it('expose the full collection an idle node gives its garbage back with', () => {
    const out = execFileSync(process.execPath, [...V8_FLAGS, '-p', 'typeof gc'], { encoding: 'utf8' })
    assert.equal(out.trim(), 'function')
  })

  it('add the allocator setting to an operator’s own tunables, and keep an operator’s own threshold', () => {
    assert.equal(withAllocatorTunables({}).GLIBC_TUNABLES, GLIBC_TUNABLES)
    assert.equal(
      withAllocatorTunables({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES,
      `glibc.malloc.arena_max=2:${GLIBC_TUNABLES}`,
    )
    const own = { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536', PATH: '/bin' }
    assert.deepEqual(withAllocatorTunables(own), own)
  })
})
