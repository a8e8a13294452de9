import assert from 'node:assert/strict'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { signAuditHead } from '../../src/audit/audit-entry.js'
import { AUDIT_HEAD_KEY, AUDIT_SUBLEVEL, auditEntryKey } from '../../src/audit/audit-log.js'
import { type AuditEntry, AuditLog, signReceipt } from '../../src/audit/index.js'
import type { CliIo } from '../../src/cli/command.js'
import { auditVerifyCommand } from '../../src/cli/commands/audit-verify.js'
import { initNode, type NodeFiles } from '../../src/config/index.js'
import { Store } from '../../src/store/index.js'
import { tempDir } from '../support/temp-dir.js'

function captureIo(): CliIo & { out: string[] } {
  const out: string[] = []
  return { out, stdout: (t) => out.push(t), stderr: (t) => out.push(t), readStdin: async () => '' }
}

const TRANSFERS = 5

/** Provider and consumer logs of TRANSFERS completed transfers, each receipt signed by both. */
async function twoNodes(root: string): Promise<{ provider: NodeFiles; consumer: NodeFiles }> {
  const provider = await initNode(join(root, 'provider'), { name: 'Kreis Kusel' })
  const consumer = await initNode(join(root, 'consumer'), { name: 'Stadt Kaiserslautern' })
  const stores = await Promise.all([provider, consumer].map((n) => Store.open(n.directory.dbDir)))
  try {
    let tick = Date.parse('2026-06-01T00:00:00Z')
    const clock = () => {
      tick += 1000
      return new Date(tick)
    }
    const logs = [provider, consumer].map(
      (n, i) => new AuditLog({ store: stores[i]!, nodeKey: n.key, clock }),
    )
    for (let t = 1; t <= TRANSFERS; t++) {
      const body = {
        agreement: 'urn:uuid:agreement-1',
        transfer: `urn:uuid:transfer-${t}`,
        bytes: 100 * t,
        sha256: String(t).repeat(64).slice(0, 64),
        time: clock().toISOString(),
        provider: provider.key.did,
        consumer: consumer.key.did,
      }
      const receipt = signReceipt(signReceipt(body, consumer.key), provider.key)
      for (const log of logs) {
        await log.record({
          type: 'transfer.completed',
          subject: body.transfer,
          data: { transfer: body.transfer, bytes: body.bytes, sha256: body.sha256 },
        })
        await log.record({ type: 'transfer.receipt', subject: body.transfer, data: { ...receipt } })
      }
    }
  } finally {
    await Promise.all(stores.map((s) => s.close()))
  }
  return { provider, consumer }
}

/** Deletes the newest `cut` entries and writes a head for the shorter chain, signed or not. */
async function truncate(node: NodeFiles, cut: number, signWith?: NodeFiles): Promise<void> {
  const store = await Store.open(node.directory.dbDir)
  try {
    const sub = store.sublevel<unknown>(AUDIT_SUBLEVEL)
    const head = (await sub.get(AUDIT_HEAD_KEY)) as { seq: number }
    for (let seq = head.seq; seq > head.seq - cut; seq--) await sub.del(auditEntryKey(seq))
    const last = (await sub.get(auditEntryKey(head.seq - cut))) as AuditEntry
    const rewritten = { seq: last.seq, hash: last.hash }
    await sub.put(AUDIT_HEAD_KEY, signWith === undefined ? rewritten : signAuditHead(rewritten, signWith.key))
  } finally {
    await store.close()
  }
}

describe('audit truncation: cutting the newest entries and rewriting the head is detected', () => {
  let root: string
  let n = 0
  const fresh = async () => twoNodes(join(root, `case-${++n}`))

  before(async () => {
    root = await tempDir('allmende-truncation-')
  })

  it('an intact pair verifies, each anchored by the other', async () => {
    const { provider, consumer } = await fresh()
    for (const [node, peer] of [
      [provider, consumer],
      [consumer, provider],
    ] as const) {
      const io = captureIo()
      const args = ['--dir', node.directory.root, '--receipts', '--peer', peer.directory.root]
      assert.equal(await auditVerifyCommand.run(args, io), 0, io.out.join('\n'))
    }
  })

  it('a head rewritten without the key fails audit verify --receipts', async () => {
    const { provider } = await fresh()
    await truncate(provider, 4)
    const io = captureIo()
    assert.equal(await auditVerifyCommand.run(['--dir', provider.directory.root, '--receipts'], io), 1)
    assert.match(io.out.join('\n'), /head .* is not signed by/)
  })

  it('a head rewritten with the key fails once a peer anchors the log: the cut receipts are named', async () => {
    const { provider, consumer } = await fresh()
    await truncate(provider, 4, provider)
    const io = captureIo()
    const args = ['--dir', provider.directory.root, '--receipts', '--peer', consumer.directory.root]
    assert.equal(await auditVerifyCommand.run(args, io), 1)
    const text = io.out.join('\n')
    assert.match(text, /transfer urn:uuid:transfer-5/)
    assert.match(text, /transfer urn:uuid:transfer-4/)
    assert.doesNotMatch(text, /transfer urn:uuid:transfer-3,/)
  })
})
