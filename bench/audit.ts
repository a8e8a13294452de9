// Audit log throughput: entries recorded per second (hash, sign, one atomic level batch each) against
// raw store.atomic of the same entries and heads, and verification speed against a bare read of the
// same entries. Figures and yardsticks come from the same run.
import { verify as cryptoVerify } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { type AuditEntry, AuditLog, verifyAuditLog } from '../src/audit/index.js'
import { nodeKeyFromSeed } from '../src/identity/index.js'
import { Store } from '../src/store/index.js'

const N = Number(process.env.AUDIT_BENCH_N ?? 20_000)
const root = await mkdtemp(join(tmpdir(), 'allmende-bench-audit-'))
const key = await nodeKeyFromSeed(new Uint8Array(32).fill(9))

const record = (i: number) => ({
  type: 'transfer.data-request',
  subject: `urn:uuid:transfer-${i % 97}`,
  data: {
    agreement: `urn:uuid:agreement-${i % 13}`,
    decision: 'permit',
    purpose: 'traffic-planning',
    count: i,
  },
})

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now()
  const value = await fn()
  return { ms: performance.now() - start, value }
}
const rate = (count: number, ms: number) => Math.round((count / ms) * 1000)

try {
  const store = await Store.open(join(root, 'log'))
  const log = new AuditLog({ store, nodeKey: key, clock: () => new Date() })
  const raw = await Store.open(join(root, 'raw'))
  const rawSub = raw.sublevel<unknown>('audit')
  // Interleaved rounds, so drift of the machine or of LevelDB compaction hits all three alike.
  const ROUNDS = 10
  const chunk = Math.ceil(N / ROUNDS)
  let seqMs = 0
  let conMs = 0
  let rawMs = 0
  for (let round = 0; round < ROUNDS; round++) {
    // Recording one awaited call after the other (a single busy negotiation).
    const sequential = await timed(async () => {
      const out: AuditEntry[] = []
      for (let i = 0; i < chunk; i++) out.push(await log.record(record(i)))
      return out
    })
    seqMs += sequential.ms
    // Yardstick: the same entries and heads written with raw store.atomic, one batch each.
    rawMs += (
      await timed(async () => {
        for (const entry of sequential.value) {
          await raw.atomic([
            { type: 'put', sublevel: rawSub, key: `e:${String(entry.seq).padStart(16, '0')}`, value: entry },
            { type: 'put', sublevel: rawSub, key: 'head', value: { seq: entry.seq, hash: entry.hash } },
          ])
        }
      })
    ).ms
    // Recording with all calls at once (many negotiations and transfers): they queue and group.
    conMs += (await timed(() => Promise.all(Array.from({ length: chunk }, (_, i) => log.record(record(i))))))
      .ms
  }
  await raw.close()

  // Verification of all entries, against a bare read of them.
  const verify = await timed(() => verifyAuditLog(store, { did: key.did }))
  if (!verify.value.ok) throw new Error(`benchmark log does not verify: ${verify.value.firstBad?.reason}`)
  const read = await timed(() => store.sublevel('audit').values({ gte: 'e:', lt: 'e;' }).all())
  await store.close()
  // Second yardstick: the Ed25519 signature checks alone, which bound verification.
  const signed = new TextEncoder().encode(`allmende-audit-entry:${'ab'.repeat(32)}`)
  const signature = Buffer.from(key.sign(signed))
  const sigOnly = await timed(async () => {
    for (let i = 0; i < verify.value.entries; i++) cryptoVerify(null, signed, key.publicKeyObject, signature)
  })

  const total = chunk * ROUNDS
  const recSeq = rate(total, seqMs)
  const recCon = rate(total, conMs)
  const rawRate = rate(total, rawMs)
  const verRate = rate(verify.value.entries, verify.ms)
  const readRate = rate(read.value.length, read.ms)
  const sigRate = rate(verify.value.entries, sigOnly.ms)
  console.log(
    `entries: ${total} recorded one by one, ${total} concurrently; ${verify.value.entries} verified`,
  )
  console.log(`record (one by one):  ${recSeq} entries/s`)
  console.log(`record (concurrent):  ${recCon} entries/s`)
  console.log(`yardstick raw store.atomic of the same entry+head, one by one: ${rawRate} batches/s`)
  console.log(
    `  ratio record/raw: one by one ${(recSeq / rawRate).toFixed(2)}, concurrent ${(recCon / rawRate).toFixed(2)}`,
  )
  console.log(`verify: ${verRate} entries/s`)
  console.log(`yardstick bare read of the same entries: ${readRate} entries/s`)
  console.log(`  ratio verify/read: ${(verRate / readRate).toFixed(3)}`)
  console.log(`yardstick bare Ed25519 verify (node:crypto): ${sigRate} signatures/s`)
  console.log(`  ratio verify/signature check: ${(verRate / sigRate).toFixed(2)}`)
} finally {
  await rm(root, { recursive: true, force: true })
}
