import assert from 'node:assert/strict'
import { join } from 'node:path'
import { afterEach, before, beforeEach, describe, it } from 'node:test'
import { sealAuditEntry } from '../../../src/audit/audit-entry.js'
import { auditEntryKey } from '../../../src/audit/audit-log.js'
import { type AuditEntry, AuditLog, auditEntryHash, verifyAuditLog } from '../../../src/audit/index.js'
import { type NodeKey, nodeKeyFromSeed } from '../../../src/identity/index.js'
import { Store } from '../../../src/store/index.js'
import { tempDir } from '../../support/temp-dir.js'

describe('verifyAuditLog', () => {
  let root: string
  let key: NodeKey
  let intruder: NodeKey
  let store: Store
  let entries: AuditEntry[]
  let n = 0

  before(async () => {
    root = await tempDir('allmende-audit-verify-')
    key = await nodeKeyFromSeed(new Uint8Array(32).fill(3))
    intruder = await nodeKeyFromSeed(new Uint8Array(32).fill(4))
  })
  beforeEach(async () => {
    store = await Store.open(join(root, `db-${++n}`))
    const start = Date.parse('2026-05-01T00:00:00Z')
    let ticks = 0
    const log = new AuditLog({ store, nodeKey: key, clock: () => new Date(start + ++ticks * 1000) })
    entries = []
    for (let i = 1; i <= 30; i++) {
      entries.push(
        await log.record({ type: 'transfer.data-request', subject: `t-${i}`, data: { decision: 'permit' } }),
      )
    }
  })
  afterEach(() => store.close())

  const audit = () => store.sublevel<AuditEntry>('audit')

  it('accepts an untouched log, by DID or by public key', async () => {
    assert.equal((await verifyAuditLog(store, { did: key.did })).ok, true)
    assert.equal((await verifyAuditLog(store, { publicKey: key.publicKey })).ok, true)
    assert.equal((await verifyAuditLog(entries, { did: key.verificationMethod })).ok, true)
  })

  it('names an entry hand-edited in the store as modified', async () => {
    await audit().put(auditEntryKey(17), { ...entries[16]!, data: { decision: 'deny' } })
    const result = await verifyAuditLog(store, { did: key.did })
    assert.equal(result.ok, false)
    assert.equal(result.firstBad?.seq, 17)
    assert.match(
      result.firstBad!.reason,
      /entry 17 was modified after it was written: its hash does not match/,
    )
    assert.equal(result.head.seq, 16)
  })

  it('names an edited entry whose hash was recomputed by its signature', async () => {
    const body = { ...entries[9]!, subject: 'someone-else' }
    await audit().put(auditEntryKey(10), { ...body, hash: auditEntryHash(body) })
    const result = await verifyAuditLog(store, { did: key.did })
    assert.equal(result.firstBad?.seq, 10)
    assert.match(result.firstBad!.reason, /entry 10 has an invalid signature/)
  })

  it('names an entry replaced by one that another key signed under its own DID', async () => {
    // The intruder rewrites entry 5 under its own DID; verifying against the node DID must fail at 5.
    const { hash: _h, signature: _s, ...body } = entries[4]!
    await audit().put(
      auditEntryKey(5),
      sealAuditEntry({ ...body, signer: intruder.did, data: 'x' }, intruder),
    )
    const result = await verifyAuditLog(store, { did: key.did })
    assert.equal(result.firstBad?.seq, 5)
    assert.match(
      result.firstBad!.reason,
      new RegExp(`entry 5 names ${intruder.did} as signer, not this node`),
    )
  })

  it('names an entry re-signed with another key under the node DID', async () => {
    const { hash: _h, signature: _s, ...body } = entries[4]!
    // Same signer DID, new content, rehashed and signed with the wrong key.
    const forged = sealAuditEntry({ ...body, data: 'forged' }, intruder)
    await audit().put(auditEntryKey(5), forged)
    const result = await verifyAuditLog(store, { did: key.did })
    assert.equal(result.firstBad?.seq, 5)
    assert.match(result.firstBad!.reason, /entry 5 has an invalid signature/)
  })

  it('names a deleted entry in the middle as missing', async () => {
    await audit().del(auditEntryKey(12))
    const result = await verifyAuditLog(store, { did: key.did })
    assert.deepEqual(result.firstBad, {
      seq: 12,
      reason: 'entry 12 is missing: the log goes from entry 11 to entry 13 (deleted, or moved out of order)',
    })
  })

  it('names entries cut off the end against the stored head', async () => {
    await audit().del(auditEntryKey(30))
    await audit().del(auditEntryKey(29))
    const result = await verifyAuditLog(store, { did: key.did })
    assert.equal(result.ok, false)
    assert.equal(result.entries, 28)
    assert.deepEqual(result.firstBad, {
      seq: 29,
      reason: "entries 29 to 30 are missing: the log's head says it has 30 entries, but it ends at entry 28",
    })
  })

  it('names a deleted first entry', async () => {
    await audit().del(auditEntryKey(1))
    assert.equal((await verifyAuditLog(store, { did: key.did })).firstBad?.seq, 1)
  })

  it('notices entries swapped between their keys', async () => {
    await audit().put(auditEntryKey(20), entries[20]!)
    await audit().put(auditEntryKey(21), entries[19]!)
    const result = await verifyAuditLog(store, { did: key.did })
    assert.equal(result.firstBad?.seq, 20)
    assert.match(result.firstBad!.reason, /entry 20 is missing: the log goes from entry 19 to entry 21/)
  })

  it('notices reordered, duplicated and relinked entries in a list', async () => {
    const reordered = [...entries]
    ;[reordered[7], reordered[8]] = [reordered[8]!, reordered[7]!]
    assert.equal((await verifyAuditLog(reordered, { did: key.did })).firstBad?.seq, 8)

    const duplicated = [...entries.slice(0, 5), entries[3]!, ...entries.slice(5)]
    assert.match(
      (await verifyAuditLog(duplicated, { did: key.did })).firstBad!.reason,
      /entry 4 appears again after entry 5/,
    )

    // Renumber entries 8.. down by one after dropping 8: seqs continue, hashes break.
    const { hash: _h, signature: _s, ...body } = entries[8]!
    const relinked = [
      ...entries.slice(0, 7),
      { ...body, seq: 8, hash: auditEntryHash({ ...body, seq: 8 }), signature: '' },
    ]
    const result = await verifyAuditLog(relinked, { did: key.did })
    assert.equal(result.firstBad?.seq, 8)
    assert.match(result.firstBad!.reason, /entry 8 does not link to entry 7/)
  })

  it('checks entries from an untrusted source for shape, and a reported head', async () => {
    const fromApi = JSON.parse(JSON.stringify(entries)) as Record<string, unknown>[]
    fromApi[2] = { ...fromApi[2], extra: 'unsigned' }
    assert.match(
      (await verifyAuditLog(fromApi, { did: key.did })).firstBad!.reason,
      /entry 3 is malformed: it carries fields no signature covers: extra/,
    )
    assert.match((await verifyAuditLog([null], { did: key.did })).firstBad!.reason, /entry 1 is malformed/)
    const head = { seq: 31, hash: entries[29]!.hash }
    assert.equal((await verifyAuditLog(entries, { did: key.did, head })).firstBad?.seq, 31)
    assert.equal(
      (await verifyAuditLog(entries, { did: key.did, head: { seq: 30, hash: entries[29]!.hash } })).ok,
      true,
    )
  })

  it('refuses a DID and public key that disagree', async () => {
    await assert.rejects(
      verifyAuditLog(entries, { did: key.did, publicKey: intruder.publicKey }),
      /not did:key/,
    )
  })

  it('accepts an empty log', async () => {
    assert.deepEqual(await verifyAuditLog([], { did: key.did }), {
      ok: true,
      entries: 0,
      head: { seq: 0, hash: '0'.repeat(64) },
    })
  })
})
