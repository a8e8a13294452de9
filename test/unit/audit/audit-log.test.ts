import assert from 'node:assert/strict'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { AUDIT_HEAD_KEY, auditEntryKey } from '../../../src/audit/audit-log.js'
import {
  AuditChainError,
  type AuditEntry,
  AuditLog,
  GENESIS_HASH,
  NotJsonError,
  verifyAuditLog,
} from '../../../src/audit/index.js'
import { type NodeKey, nodeKeyFromSeed } from '../../../src/identity/index.js'
import { Store } from '../../../src/store/index.js'
import { tempDir } from '../../support/temp-dir.js'

/** A clock that advances one second per reading, from a fixed start. */
function steppingClock(start = Date.parse('2026-03-01T08:00:00.000Z')): () => Date {
  let t = start
  return () => {
    t += 1000
    return new Date(t)
  }
}

describe('AuditLog', () => {
  let root: string
  let key: NodeKey
  let n = 0
  const nextDir = () => join(root, `db-${++n}`)

  before(async () => {
    root = await tempDir('allmende-audit-')
    key = await nodeKeyFromSeed(new Uint8Array(32).fill(7))
  })

  it('record() chains entries from the genesis hash and signs them; verification passes', async () => {
    const store = await Store.open(nextDir())
    try {
      const log = new AuditLog({ store, nodeKey: key, clock: steppingClock() })
      assert.deepEqual(await log.head(), { seq: 0, hash: GENESIS_HASH })
      const entries: AuditEntry[] = []
      for (let i = 0; i < 250; i++) {
        entries.push(
          await log.record({ type: 'negotiation.requested', subject: `neg-${i}`, data: { i, note: 'ä€' } }),
        )
      }
      assert.equal(entries[0]!.seq, 1)
      assert.equal(entries[0]!.prev, GENESIS_HASH)
      assert.equal(entries[0]!.signer, key.did)
      assert.equal(entries[0]!.time, '2026-03-01T08:00:01.000Z')
      for (let i = 1; i < entries.length; i++) assert.equal(entries[i]!.prev, entries[i - 1]!.hash)
      assert.deepEqual(await log.head(), { seq: 250, hash: entries[249]!.hash })
      assert.deepEqual(await log.list(), entries)
      const result = await verifyAuditLog(store, { did: key.did })
      assert.deepEqual(result, { ok: true, entries: 250, head: { seq: 250, hash: entries[249]!.hash } })
    } finally {
      await store.close()
    }
  })

  it('stores exactly the JSON it hashed (undefined members dropped) and refuses non-JSON data', async () => {
    const store = await Store.open(nextDir())
    try {
      const log = new AuditLog({ store, nodeKey: key, clock: steppingClock() })
      const entry = await log.record({ type: 't', subject: 's', data: { a: 1, gone: undefined } })
      assert.deepEqual(entry.data, { a: 1 })
      assert.deepEqual(await log.get(1), entry)
      await assert.rejects(log.record({ type: 't', subject: 's', data: { when: new Date() } }), NotJsonError)
      await assert.rejects(log.record({ type: '', subject: 's' }), /non-empty "type"/)
      assert.equal((await log.head()).seq, 1)
      assert.equal((await verifyAuditLog(store, { did: key.did })).ok, true)
    } finally {
      await store.close()
    }
  })

  it('continues the chain after the store is closed and reopened', async () => {
    const dir = nextDir()
    let store = await Store.open(dir)
    const first = new AuditLog({ store, nodeKey: key, clock: steppingClock() })
    for (let i = 0; i < 10; i++) await first.record({ type: 'transfer.started', subject: `t-${i}` })
    const before = await first.head()
    await store.close()

    store = await Store.open(dir)
    try {
      const second = new AuditLog({ store, nodeKey: key, clock: steppingClock() })
      assert.deepEqual(await second.head(), before)
      const next = await second.record({ type: 'transfer.completed', subject: 't-9' })
      assert.equal(next.seq, 11)
      assert.equal(next.prev, before.hash)
      assert.deepEqual(await verifyAuditLog(store, { did: key.did }), {
        ok: true,
        entries: 11,
        head: { seq: 11, hash: next.hash },
      })
    } finally {
      await store.close()
    }
  })

  it('serialises 100 concurrent record() calls into one valid chain', async () => {
    const store = await Store.open(nextDir())
    try {
      // Two instances over one store share the queue, as two components of one node would.
      const a = new AuditLog({ store, nodeKey: key, clock: steppingClock() })
      const b = new AuditLog({ store, nodeKey: key, clock: steppingClock() })
      const entries = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          (i % 2 === 0 ? a : b).record({ type: 'x', subject: `s-${i}`, data: i }),
        ),
      )
      assert.deepEqual(
        entries.map((e) => e.seq).sort((x, y) => x - y),
        Array.from({ length: 100 }, (_, i) => i + 1),
      )
      const result = await verifyAuditLog(store, { did: key.did })
      assert.equal(result.ok, true, result.firstBad?.reason)
      assert.equal(result.entries, 100)
    } finally {
      await store.close()
    }
  })

  it('commits extra ops in the same batch as the entry', async () => {
    const store = await Store.open(nextDir())
    try {
      const log = new AuditLog({ store, nodeKey: key, clock: steppingClock() })
      const negotiations = store.sublevel<{ state: string; auditSeq?: number }>('negotiations')
      const entry = await log.record({ type: 'negotiation.agreed', subject: 'n-1' }, (e) => [
        { type: 'put', sublevel: negotiations, key: 'n-1', value: { state: 'AGREED', auditSeq: e.seq } },
      ])
      assert.deepEqual(await negotiations.get('n-1'), { state: 'AGREED', auditSeq: entry.seq })
    } finally {
      await store.close()
    }
  })

  it('a failing batch writes nothing: neither state nor entry, head unchanged, log still verifies', async () => {
    const store = await Store.open(nextDir())
    try {
      const log = new AuditLog({ store, nodeKey: key, clock: steppingClock() })
      const state = store.sublevel<unknown>('transfers')
      await log.record({ type: 'transfer.requested', subject: 't-1' })
      const head = await log.head()
      // level refuses an undefined value, which fails the whole batch after the entry was built.
      await assert.rejects(
        log.record({ type: 'transfer.started', subject: 't-1' }, [
          { type: 'put', sublevel: state, key: 'ok', value: { fine: true } },
          { type: 'put', sublevel: state, key: 't-1', value: undefined },
        ]),
        /undefined/,
      )
      assert.equal(await state.get('ok'), undefined)
      assert.deepEqual(await log.head(), head)
      assert.equal(await log.get(2), undefined)
      // The next entry takes seq 2 and links to the last committed one.
      const next = await log.record({ type: 'transfer.started', subject: 't-1' })
      assert.equal(next.seq, 2)
      assert.equal(next.prev, head.hash)
      assert.equal((await verifyAuditLog(store, { did: key.did })).ok, true)
    } finally {
      await store.close()
    }
  })

  it('a failing batch among concurrent records fails only its own caller', async () => {
    const store = await Store.open(nextDir())
    try {
      const log = new AuditLog({ store, nodeKey: key, clock: steppingClock() })
      const state = store.sublevel<unknown>('transfers')
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          log.record({ type: 'transfer.started', subject: `t-${i}` }, [
            { type: 'put', sublevel: state, key: `t-${i}`, value: i === 17 ? undefined : { i } },
          ]),
        ),
      )
      assert.deepEqual(
        results.map((r, i) => (r.status === 'rejected' ? i : -1)).filter((i) => i >= 0),
        [17],
      )
      assert.equal(await state.get('t-17'), undefined)
      assert.deepEqual(await state.get('t-18'), { i: 18 })
      const result = await verifyAuditLog(store, { did: key.did })
      assert.equal(result.ok, true, result.firstBad?.reason)
      assert.equal(result.entries, 39)
      // Every stored state has its entry: subjects of the log are exactly the written states.
      const subjects = (await log.list()).map((e) => e.subject).sort()
      assert.deepEqual(subjects, (await state.keys().all()).sort())
    } finally {
      await store.close()
    }
  })

  it('refuses extra ops on another store or on the audit sublevel, writing nothing', async () => {
    const store = await Store.open(nextDir())
    const other = await Store.open(nextDir())
    try {
      const log = new AuditLog({ store, nodeKey: key, clock: steppingClock() })
      const foreign = other.sublevel<unknown>('x')
      await assert.rejects(
        log.record({ type: 't', subject: 's' }, [{ type: 'put', sublevel: foreign, key: 'k', value: 1 }]),
        /another store/,
      )
      await assert.rejects(
        log.record({ type: 't', subject: 's' }, [
          {
            type: 'put',
            sublevel: store.sublevel('audit'),
            key: AUDIT_HEAD_KEY,
            value: { seq: 99, hash: 'x' },
          },
        ]),
        /only record\(\) may/,
      )
      assert.deepEqual(await log.head(), { seq: 0, hash: GENESIS_HASH })
      assert.deepEqual(await store.db.keys().all(), [])
      // The queue is not stuck after rejected records.
      assert.equal((await log.record({ type: 't', subject: 's' })).seq, 1)
    } finally {
      await store.close()
      await other.close()
    }
  })

  it('refuses to extend a log whose head does not match its last entry', async () => {
    const dir = nextDir()
    let store = await Store.open(dir)
    const log = new AuditLog({ store, nodeKey: key, clock: steppingClock() })
    for (let i = 0; i < 3; i++) await log.record({ type: 't', subject: `s-${i}` })
    await store.sublevel('audit').del(auditEntryKey(3))
    await store.close()
    store = await Store.open(dir)
    try {
      const reopened = new AuditLog({ store, nodeKey: key, clock: steppingClock() })
      await assert.rejects(reopened.record({ type: 't', subject: 's' }), AuditChainError)
      await assert.rejects(reopened.record({ type: 't', subject: 's' }), /entry 3/)
    } finally {
      await store.close()
    }
  })

  it('entries() reads after a seq, from a time, and up to a limit, in chain order', async () => {
    const store = await Store.open(nextDir())
    try {
      const log = new AuditLog({ store, nodeKey: key, clock: steppingClock() })
      for (let i = 0; i < 20; i++) await log.record({ type: 't', subject: `s-${i}` })
      assert.deepEqual(
        (await log.list({ since: 15 })).map((e) => e.seq),
        [16, 17, 18, 19, 20],
      )
      assert.deepEqual(
        (await log.list({ since: 3, limit: 2 })).map((e) => e.seq),
        [4, 5],
      )
      // Entry n is stamped 08:00:n.
      assert.deepEqual(
        (await log.list({ since: '2026-03-01T08:00:18Z' })).map((e) => e.seq),
        [18, 19, 20],
      )
      assert.deepEqual(
        (await log.list({ since: '2026-03-01T08:00:05.000Z', limit: 1 })).map((e) => e.seq),
        [5],
      )
      assert.deepEqual(await log.list({ limit: 0 }), [])
      const page = await log.page({ since: 10, limit: 5 })
      assert.deepEqual(
        [page.entries.map((e) => e.seq), page.head.seq, page.next],
        [[11, 12, 13, 14, 15], 20, 15],
      )
      const lastPage = await log.page({ since: 15, limit: 5 })
      assert.equal(lastPage.next, undefined)
      assert.equal(lastPage.entries.length, 5)
      await assert.rejects(log.list({ since: 'yesterday' }), /ISO time/)
      await assert.rejects(log.list({ since: -1 }), /sequence number/)
    } finally {
      await store.close()
    }
  })
})
