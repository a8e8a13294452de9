import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { auditEntryKey } from '../../../src/audit/audit-log.js'
import { type AuditEntry, AuditLog, AuditSourceError, signReceipt } from '../../../src/audit/index.js'
import type { CliIo } from '../../../src/cli/command.js'
import { auditVerifyCommand, loadAuditEntries } from '../../../src/cli/commands/audit-verify.js'
import { initNode, type NodeFiles } from '../../../src/config/index.js'
import { Store } from '../../../src/store/index.js'
import { tempDir } from '../../support/temp-dir.js'

function captureIo(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '' }
}

const SHA = 'cd'.repeat(32)

/** A node directory with a log of `count` entries, the last transfer completed with a receipt. */
async function nodeWithLog(dir: string, count: number): Promise<NodeFiles> {
  const files = await initNode(dir, { name: 'Verbandsgemeinde Test' })
  const store = await Store.open(files.directory.dbDir)
  try {
    const start = Date.parse('2026-06-01T00:00:00Z')
    let ticks = 0
    const log = new AuditLog({ store, nodeKey: files.key, clock: () => new Date(start + ++ticks * 1000) })
    for (let i = 1; i < count; i++)
      await log.record({ type: 'policy.decision', subject: `t-${i}`, data: { permit: true } })
    const body = {
      agreement: 'a-1',
      transfer: 't-1',
      bytes: 10,
      sha256: SHA,
      time: '2026-06-01T00:00:00.000Z',
      provider: files.key.did,
      consumer: files.key.did,
    }
    await log.record({
      type: 'transfer.completed',
      subject: 't-1',
      data: { transfer: 't-1', bytes: 10, sha256: SHA },
    })
    await log.record({ type: 'transfer.receipt', subject: 't-1', data: { ...signReceipt(body, files.key) } })
  } finally {
    await store.close()
  }
  return files
}

describe('allmende audit verify', () => {
  let root: string
  let n = 0
  const nextDir = () => join(root, `node-${++n}`)

  before(async () => {
    root = await tempDir('allmende-audit-cli-')
  })

  it('exits 0 for an intact log read from the database, with receipts', async () => {
    const dir = nextDir()
    await nodeWithLog(dir, 20)
    const io = captureIo()
    assert.equal(await auditVerifyCommand.run(['--dir', dir, '--receipts'], io), 0)
    const text = io.out.join('\n')
    assert.match(text, /OK: 21 entries, chain, hashes and signatures verify/)
    assert.match(text, /every completed transfer has a receipt signed by both sides/)
  })

  it('exits 1 naming the first bad entry after a hand edit, also as JSON', async () => {
    const dir = nextDir()
    const files = await nodeWithLog(dir, 20)
    const store = await Store.open(files.directory.dbDir)
    const audit = store.sublevel<AuditEntry>('audit')
    const seven = (await audit.get(auditEntryKey(7)))!
    await audit.put(auditEntryKey(7), { ...seven, data: { permit: false } })
    await store.close()

    const io = captureIo()
    assert.equal(await auditVerifyCommand.run(['--dir', dir], io), 1)
    assert.match(io.out.join('\n'), /FAILED at entry 7: entry 7 was modified after it was written/)

    const json = captureIo()
    assert.equal(await auditVerifyCommand.run(['--dir', dir, '--json'], json), 1)
    const report = JSON.parse(json.out.join(''))
    assert.equal(report.ok, false)
    assert.equal(report.firstBad.seq, 7)
    assert.equal(report.did, files.key.did)
  })

  it('exits 1 when a completed transfer has no receipt and --receipts is given', async () => {
    const dir = nextDir()
    const files = await nodeWithLog(dir, 3)
    const store = await Store.open(files.directory.dbDir)
    await new AuditLog({ store, nodeKey: files.key, clock: () => new Date() }).record({
      type: 'transfer.completed',
      subject: 't-2',
      data: { transfer: 't-2', bytes: 5, sha256: SHA },
    })
    await store.close()
    assert.equal(await auditVerifyCommand.run(['--dir', dir], captureIo()), 0)
    const io = captureIo()
    assert.equal(await auditVerifyCommand.run(['--dir', dir, '--receipts'], io), 1)
    assert.match(
      io.out.join('\n'),
      /receipt problem: transfer t-2 completed \(entry 5\) but the log holds no receipt/,
    )
  })

  it('reads the log of a running node from its API when the database is locked', async () => {
    const dir = nextDir()
    const files = await nodeWithLog(dir, 5)
    const held = await Store.open(files.directory.dbDir)
    const entries = await held.sublevel('audit').values({ gte: 'e:', lt: 'e;' }).all()
    const head = await held.sublevel('audit').get('head')
    let served: unknown[] = entries
    const requests: string[] = []
    const server: Server = createServer((req, res) => {
      requests.push(`${req.url} ${req.headers.authorization}`)
      if (req.headers.authorization !== `Bearer ${files.apiToken}`) {
        res.writeHead(401).end('{}')
        return
      }
      // Pages of three entries, as a paging API serves them.
      const since = Number(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('since'))
      const from = served.findIndex((e) => (e as AuditEntry).seq > since)
      const page = from < 0 ? [] : served.slice(from, from + 3)
      const next = from >= 0 && from + 3 < served.length ? (page.at(-1) as AuditEntry).seq : undefined
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ entries: page, head, next }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      // Running, but the API not yet announced.
      await assert.rejects(
        loadAuditEntries(dir),
        (e: unknown) => e instanceof AuditSourceError && /is running/.test(e.message),
      )

      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      await writeFile(files.directory.runtimeFile, JSON.stringify({ url, pid: process.pid }))
      const io = captureIo()
      assert.equal(await auditVerifyCommand.run(['--dir', dir], io), 0)
      assert.match(io.out.join('\n'), /\(node running\)/)
      assert.deepEqual(requests, [
        `/api/v1/audit?since=0 Bearer ${files.apiToken}`,
        `/api/v1/audit?since=3 Bearer ${files.apiToken}`,
      ])

      // The API's copy is checked like the database: a dropped entry is named.
      served = entries.filter((_, i) => i !== 2)
      const bad = captureIo()
      assert.equal(await auditVerifyCommand.run(['--dir', dir], bad), 1)
      assert.match(bad.out.join('\n'), /FAILED at entry 3: entry 3 is missing/)
    } finally {
      await new Promise((resolve) => server.close(resolve))
      await held.close()
    }
  })

  it('treats a node that never ran as an empty log, and a directory without a node as an error', async () => {
    const dir = nextDir()
    await initNode(dir, { name: 'Neu' })
    const io = captureIo()
    assert.equal(await auditVerifyCommand.run(['--dir', dir], io), 0)
    assert.match(io.out.join('\n'), /the log is empty/)

    const empty = nextDir()
    await mkdir(empty)
    await assert.rejects(auditVerifyCommand.run(['--dir', empty], captureIo()), /holds no Allmende node/)
  })

  it('verifies against a DID given with --did', async () => {
    const dir = nextDir()
    await nodeWithLog(dir, 2)
    const other = await initNode(nextDir(), { name: 'Andere' })
    const io = captureIo()
    assert.equal(await auditVerifyCommand.run(['--dir', dir, '--did', other.key.did], io), 1)
    assert.match(io.out.join('\n'), /entry 1 names did:key:\S+ as signer, not this node/)
  })

  it('rejects unknown flags as a usage error', async () => {
    await assert.rejects(auditVerifyCommand.run(['--frobnicate'], captureIo()), { code: 'ALLMENDE_USAGE' })
  })
})
