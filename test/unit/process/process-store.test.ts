import assert from 'node:assert/strict'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { AuditLog } from '../../../src/audit/index.js'
import { type NodeKey, nodeKeyFromSeed } from '../../../src/identity/index.js'
import { createSilentLogger } from '../../../src/log/index.js'
import { ProcessStore } from '../../../src/process/index.js'
import { Store } from '../../../src/store/index.js'
import { eventually } from '../../support/cli-process.js'
import { tempDir } from '../../support/temp-dir.js'

interface Job {
  readonly id: string
  readonly state: string
  readonly steps: readonly string[]
}

function processesOf(
  store: Store,
  key: NodeKey,
  cachedRecords?: number,
  send: (message: Record<string, unknown>) => Promise<unknown> = async () => ({}),
): ProcessStore<Job> {
  return new ProcessStore<Job>({
    store,
    audit: new AuditLog({ store, nodeKey: key, clock: () => new Date('2026-03-01T08:00:00Z') }),
    log: createSilentLogger(),
    label: 'job',
    sublevel: 'jobs',
    keyOf: (job) => job.id,
    auditOf: (job) => ({ subject: job.id, data: { state: job.state } }),
    ...(cachedRecords === undefined ? {} : { cachedRecords }),
    delivery: {
      maxAttempts: 1,
      send: (entry) => send(entry.message),
      isRefusal: () => false,
      giveUp: async () => undefined,
    },
  })
}

describe('ProcessStore with records kept in memory', () => {
  let root: string
  let key: NodeKey
  let n = 0
  const nextDir = () => join(root, `db-${++n}`)

  before(async () => {
    root = await tempDir('allmende-process-store-')
    key = await nodeKeyFromSeed(new Uint8Array(32).fill(9))
  })

  it('reads a stored step back as level would, a copy of its own each time, and the same after a reopen', async () => {
    const dir = nextDir()
    let store = await Store.open(dir)
    const jobs = processesOf(store, key, 8)
    const job: Job & { note?: string } = {
      id: 'job-1',
      state: 'STARTED',
      steps: ['STARTED'],
      note: undefined,
    }
    await jobs.commit(job, 'job.started')
    const read = await jobs.get('job-1')
    assert.deepEqual(read, { id: 'job-1', state: 'STARTED', steps: ['STARTED'] })
    assert.equal('note' in read!, false, 'an undefined field is gone, as after a read from level')
    ;(read!.steps as string[]).push('CHANGED')
    ;(job.steps as string[]).push('CHANGED TOO')
    assert.deepEqual((await jobs.get('job-1'))?.steps, ['STARTED'], 'changing a copy changes nothing stored')
    await store.close()
    store = await Store.open(dir)
    assert.deepEqual(await processesOf(store, key, 8).get('job-1'), {
      id: 'job-1',
      state: 'STARTED',
      steps: ['STARTED'],
    })
    await store.close()
  })

  it('keeps what other ops of the batch wrote into the records, and forgets what they deleted', async () => {
    const store = await Store.open(nextDir())
    const jobs = processesOf(store, key, 8)
    await jobs.commit({ id: 'a', state: 'STARTED', steps: [] }, 'job.started')
    await jobs.commit({ id: 'b', state: 'STARTED', steps: [] }, 'job.started', [
      { type: 'put', sublevel: jobs.records, key: 'c', value: { id: 'c', state: 'SIDE', steps: [] } },
      { type: 'del', sublevel: jobs.records, key: 'a' },
    ])
    assert.equal((await jobs.get('c'))?.state, 'SIDE')
    assert.equal(await jobs.get('a'), undefined)
    assert.equal(await jobs.records.get('a'), undefined)
    await store.close()
  })

  it('keeps nothing of a batch that failed, and at most the configured number of records', async () => {
    const store = await Store.open(nextDir())
    const other = await Store.open(nextDir())
    const jobs = processesOf(store, key, 2)
    await jobs.commit({ id: 'x', state: 'STARTED', steps: [] }, 'job.started')
    // an op for another database fails the whole batch
    await assert.rejects(
      jobs.commit({ id: 'x', state: 'DONE', steps: [] }, 'job.done', [
        { type: 'put', sublevel: other.sublevel('elsewhere'), key: 'k', value: 1 },
      ]),
    )
    assert.equal((await jobs.get('x'))?.state, 'STARTED')
    for (const id of ['p', 'q', 'r']) await jobs.commit({ id, state: 'STARTED', steps: [] }, 'job.started')
    // 'x' fell out of memory and is read from level, unchanged
    assert.equal((await jobs.get('x'))?.state, 'STARTED')
    await store.close()
    await other.close()
  })
})

describe('ProcessStore delivery', () => {
  it('sends each stored message once and then deletes it from the outbox', async () => {
    const root = await tempDir('allmende-process-outbox-')
    const key = await nodeKeyFromSeed(new Uint8Array(32).fill(3))
    const store = await Store.open(join(root, 'db'))
    const sent: unknown[] = []
    const jobs = processesOf(store, key, 0, async (message) => {
      sent.push(message.n)
      return {}
    })
    await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        jobs.commit({ id: `job-${n}`, state: 'STARTED', steps: [] }, 'job.started', [
          jobs.message(`job-${n}`, 'did:example:peer', { n }),
        ]),
      ),
    )
    const outbox = store.sublevel('job-outbox')
    await eventually(async () => ((await outbox.keys().all()).length === 0 ? true : undefined), {
      what: 'the outbox to be empty',
    })
    assert.deepEqual(
      sent.sort((a, b) => Number(a) - Number(b)),
      Array.from({ length: 20 }, (_, n) => n),
    )
    jobs.stop()
    await store.close()
  })
})
