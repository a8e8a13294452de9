import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { WorkerPool, WorkerTaskError } from '../../../src/workers/worker-pool.js'
import { eventually } from '../../support/cli-process.js'

const script = new URL('../../support/echo-worker.js', import.meta.url)

describe('WorkerPool', () => {
  it('runs tasks on at most `size` workers, started on first use', async () => {
    const pool = new WorkerPool<number, number>({ script, size: 2, idleMs: 60_000 })
    assert.equal(pool.threads, 0)
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run(i)))
    assert.deepEqual(
      results,
      Array.from({ length: 20 }, (_, i) => i * 2),
    )
    assert.ok(pool.threads >= 1 && pool.threads <= 2, `${pool.threads} workers`)
    await pool.close()
  })

  it("rejects a task with the worker's error and keeps serving", async () => {
    const pool = new WorkerPool<number, number>({ script, size: 1, idleMs: 60_000 })
    await assert.rejects(pool.run(-3), (error: unknown) => {
      assert.ok(error instanceof WorkerTaskError)
      assert.match(error.message, /refusing -3/)
      return true
    })
    assert.equal(await pool.run(4), 8)
    await pool.close()
  })

  it('lets an idle worker exit, and starts one again when needed', async () => {
    const pool = new WorkerPool<number, number>({ script, size: 1, idleMs: 50 })
    assert.equal(await pool.run(1), 2)
    await eventually(async () => (pool.threads === 0 ? true : undefined), { what: 'the idle worker to exit' })
    assert.equal(await pool.run(2), 4)
    await pool.close()
  })

  it('refuses tasks once closed', async () => {
    const pool = new WorkerPool<number, number>({ script, size: 1, idleMs: 60_000 })
    await pool.close()
    await assert.rejects(pool.run(1), WorkerTaskError)
  })
})
