import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  GLIBC_TUNABLES,
  RUNTIME_V8_FLAGS,
  V8_FLAGS,
  withAllocatorTunables,
} from '../../../src/cli/v8-flags.js'
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

  it('raise V8’s interrupt budget in the running node, unless the operator gave node a budget of their own', () => {
    // Calls of a small function until TurboFan, V8's optimizing compiler, has compiled it (status bit 64), compiled
    // on the main thread so the count is exact: the budget is what decides it.
    const module = new URL('../../../src/cli/v8-flags.js', import.meta.url).href
    const script = `
      const { setRuntimeV8Flags } = await import(${JSON.stringify(module)})
      if (process.argv[1] === 'set') setRuntimeV8Flags()
      const sum = (a) => { let s = 0; for (let i = 0; i < 10; i++) s += a[i % a.length] * i; return s }
      let calls = 0
      while (calls < 1e6 && (%GetOptimizationStatus(sum) & 64) === 0) { sum([1, 2, 3]); calls++ }
      console.log(calls)`
    const callsUntilOptimized = (flags: string[], set: boolean) =>
      Number(
        execFileSync(
          process.execPath,
          [
            '--allow-natives-syntax',
            '--no-concurrent-recompilation',
            ...flags,
            '--input-type=module',
            '-e',
            script,
            set ? 'set' : 'leave',
          ],
          { encoding: 'utf8' },
        ).trim(),
      )
    const usual = callsUntilOptimized([], false)
    assert.ok(usual < 1e6, 'V8 optimizes the function with its own budget')
    assert.ok(
      callsUntilOptimized([], true) > 2 * usual,
      'with the flags set, V8 waits longer before it optimizes',
    )
    const operators = RUNTIME_V8_FLAGS[0]!.replace(/=.*/, '=135168')
    assert.equal(callsUntilOptimized([operators], true), callsUntilOptimized([operators], false))
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
