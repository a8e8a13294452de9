import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  allmendeJson,
  eventually,
  initNodes,
  type RunningNode,
  runAllmende,
  startAllmende,
} from '../support/cli-process.js'
import { tempDir } from '../support/temp-dir.js'

const FLOOD_WARNING = 'https://w3id.org/allmende/odrl#FloodWarning'
const MiB = 1024 * 1024

interface TransferSummary {
  transfer: string
  state: string
  bytes: number | null
  sha256: string | null
  code?: string
  reason?: string
}
interface TransferRecord {
  id: string
  state: string
  out?: string
  agreementId: string
  bytes?: number
  sha256?: string
  history: { state: string; code?: string; reason?: string }[]
}
interface AuditEntry {
  seq: number
  type: string
  subject: string
  data: Record<string, unknown>
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Writes `bytes` of random data in 4 MiB pieces (never the whole file in memory). */
async function randomFile(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'w')
  try {
    for (let written = 0; written < bytes; written += 4 * MiB) {
      await handle.write(randomBytes(Math.min(4 * MiB, bytes - written)))
    }
  } finally {
    await handle.close()
  }
}

function offer(uid: string, constraint: Record<string, unknown>[] = []) {
  return {
    '@context': 'http://www.w3.org/ns/odrl.jsonld',
    '@type': 'Offer',
    uid,
    profile: 'https://w3id.org/allmende/odrl-profile/v1',
    permission: [{ action: 'use', ...(constraint.length === 0 ? {} : { constraint }) }],
  }
}

describe('data transfer over libp2p between two nodes', () => {
  let root: string
  const nodes: Record<string, RunningNode> = {}
  const did: Record<string, string> = {}
  const dir = (name: string) => join(root, name)

  const api = async <T>(name: string, method: string, path: string, body?: unknown): Promise<T> => {
    const token = (await readFile(join(dir(name), 'api-token'), 'utf8')).trim()
    const response = await fetch(`${nodes[name]!.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const json = (await response.json()) as T
    assert.ok(response.ok, `${method} ${path} on ${name}: ${response.status} ${JSON.stringify(json)}`)
    return json
  }

  const audit = async (name: string): Promise<AuditEntry[]> =>
    (await api<{ entries: AuditEntry[] }>(name, 'GET', '/api/v1/audit?limit=100000')).entries

  /** Publishes a dataset on A and negotiates it from B to FINALIZED; returns the agreement id. */
  async function agreementFor(
    name: string,
    source: string,
    policy: Record<string, unknown>,
    purpose?: string,
  ): Promise<string> {
    const policyFile = join(root, `${name}.offer.json`)
    await writeFile(policyFile, JSON.stringify(policy))
    const added = await allmendeJson<{ dataset: { id: string } }>([
      'dataset',
      'add',
      '--dir',
      dir('a'),
      '--title',
      name,
      '--source',
      source,
      '--policy',
      policyFile,
      '--access',
      'members',
    ])
    const run = await runAllmende([
      'negotiate',
      '--dir',
      dir('b'),
      '--provider',
      did.a!,
      '--dataset',
      added.dataset.id,
      ...(purpose === undefined ? [] : ['--purpose', purpose]),
      '--wait',
      '--json',
    ])
    const negotiated = JSON.parse(run.stdout || '{}') as { state?: string; agreement?: string | null }
    assert.equal(negotiated.state, 'FINALIZED', `${run.stdout} ${run.stderr}`)
    return negotiated.agreement!
  }

  async function transfer(agreement: string, out: string, extra: string[] = []) {
    const result = await runAllmende(
      ['transfer', '--dir', dir('b'), '--agreement', agreement, '--out', out, '--json', ...extra],
      { timeoutMs: 120_000 },
    )
    const logs = (name: string) =>
      nodes[name]!.output()
        .split('\n')
        .filter((l) => !l.includes('"level":30'))
        .slice(-8)
    return {
      code: result.code,
      summary: JSON.parse(result.stdout || '{}') as TransferSummary,
      stderr: [result.stderr, ...logs('a'), ...logs('b')].join('\n'),
    }
  }

  before(async () => {
    root = await tempDir('allmende-transfer-')
    const init = await initNodes(root, ['a', 'b'], { extra: ['--dataspace', 'transfer-test'] })
    Object.assign(did, init.did)
    nodes.a = await startAllmende(['--dir', dir('a')])
    const status = await allmendeJson<{ multiaddrs: string[] }>(['status', '--dir', dir('a')])
    nodes.b = await startAllmende(['--dir', dir('b'), '--bootstrap', status.multiaddrs[0]!])
  })

  after(async () => {
    await Promise.all(Object.values(nodes).map((n) => n.stop()))
  })

  it('moves 50 MiB with the hash of the source, and both sides keep a receipt signed by both', async () => {
    const source = join(root, 'big50.bin')
    await randomFile(source, 50 * MiB)
    const agreement = await agreementFor(
      'fifty',
      source,
      offer('urn:allmende:offer:fifty', [
        { leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': FLOOD_WARNING } },
      ]),
      FLOOD_WARNING,
    )
    const out = join(root, 'downloads', 'big50.bin')
    const { code, summary, stderr } = await transfer(agreement, out)
    assert.equal(code, 0, `${JSON.stringify(summary)} ${stderr}`)
    assert.equal(summary.state, 'COMPLETED')
    assert.equal(summary.bytes, 50 * MiB)
    const expected = await sha256File(source)
    assert.equal(summary.sha256, expected)
    assert.equal(await sha256File(out), expected)
    for (const name of ['a', 'b']) {
      const entries = await eventually(
        async () => {
          const all = await audit(name)
          const receipt = all.find((e) => e.type === 'transfer.receipt' && e.data.sha256 === expected)
          return receipt === undefined ? undefined : all
        },
        { what: `the receipt on ${name}` },
      )
      const receipt = entries.find((e) => e.type === 'transfer.receipt' && e.data.sha256 === expected)!
      const signatures = receipt.data.signatures as Record<string, string>
      assert.ok(signatures.provider && signatures.consumer, `${name}: ${JSON.stringify(receipt.data)}`)
      const verify = await runAllmende(['audit', 'verify', '--receipts', '--dir', dir(name), '--json'])
      assert.equal(verify.code, 0, `${name}: ${verify.stdout} ${verify.stderr}`)
    }
    // The provider recorded its decision before the data: access, then completion.
    const provider = await audit('a')
    const access = provider.find((e) => e.type === 'transfer.access' && e.data.agreement === agreement)
    const completed = provider.find((e) => e.type === 'transfer.completed' && e.data.sha256 === expected)
    assert.ok(access && completed && access.seq < completed.seq)
    assert.equal(access.data.count, 1)
  })

  it('an agreement limited to 3 uses serves three transfers and denies the fourth with the reason', async () => {
    const source = join(root, 'limited.csv')
    await writeFile(source, 'zeit,pegel\n2026-11-22T10:00:00Z,64\n')
    const agreement = await agreementFor(
      'limited',
      source,
      offer('urn:allmende:offer:three-times', [
        { leftOperand: 'count', operator: 'lteq', rightOperand: { '@value': '3', '@type': 'xsd:integer' } },
      ]),
    )
    for (let use = 1; use <= 3; use++) {
      const { code, summary } = await transfer(agreement, join(root, 'downloads', `limited-${use}.csv`))
      assert.equal(code, 0, `use ${use}: ${JSON.stringify(summary)}`)
      assert.equal(summary.state, 'COMPLETED')
    }
    const fourth = await transfer(agreement, join(root, 'downloads', 'limited-4.csv'))
    assert.equal(fourth.code, 1)
    assert.equal(fourth.summary.state, 'TERMINATED')
    assert.equal(fourth.summary.code, 'POLICY_DENIED')
    assert.match(fourth.summary.reason ?? '', /count/i)
    const denied = (await audit('a')).filter(
      (e) => e.type === 'transfer.denied' && e.data.agreement === agreement,
    )
    assert.equal(denied.length, 1)
    assert.equal(denied[0]!.data.count, 4)
  })

  it('after kill -9 of the consumer mid-transfer, a restart resumes into the same file with the same hash', async () => {
    const source = join(root, 'crash.bin')
    await randomFile(source, 400 * MiB)
    const expected = await sha256File(source)
    const agreement = await agreementFor('crash', source, offer('urn:allmende:offer:crash'))
    const out = join(root, 'downloads', 'crash.bin')
    await api<TransferRecord>('b', 'POST', '/api/v1/transfers', { agreement, out })
    const partial = await eventually(
      async () => {
        const size = (await stat(out).catch(() => ({ size: 0 }))).size
        return size >= 8 * MiB ? size : undefined
      },
      { what: 'the first bytes in the output file', timeoutMs: 30_000 },
    )
    await nodes.b!.kill()
    const kept = (await stat(out)).size
    assert.ok(kept >= partial && kept < 400 * MiB, `kill came too late: ${kept} bytes`)
    const status = await allmendeJson<{ multiaddrs: string[] }>(['status', '--dir', dir('a')])
    nodes.b = await startAllmende(['--dir', dir('b'), '--bootstrap', status.multiaddrs[0]!])
    const { code, summary, stderr } = await transfer(agreement, out, ['--resume'])
    assert.equal(code, 0, `${JSON.stringify(summary)} ${stderr}`)
    assert.equal(summary.sha256, expected)
    assert.equal(summary.bytes, 400 * MiB)
    assert.equal(await sha256File(out), expected)
    // It continued where the file ended: one use, and a resumed access from the kept offset on.
    const accesses = (await audit('a')).filter(
      (e) => e.type === 'transfer.access' && e.data.agreement === agreement,
    )
    assert.ok(accesses.length >= 2, JSON.stringify(accesses.map((e) => e.data)))
    const resumed = accesses.filter((e) => e.data.resumed === true)
    assert.ok(
      resumed.some((e) => (e.data.offset as number) >= kept - 16 * MiB && (e.data.offset as number) > 0),
    )
    assert.ok(accesses.every((e) => e.data.count === 1))
  })

  it('the API suspends a running pull (the file stops growing), resumes it to the same hash, and terminates', async () => {
    const source = join(root, 'pause.bin')
    await randomFile(source, 300 * MiB)
    const expected = await sha256File(source)
    const agreement = await agreementFor('pause', source, offer('urn:allmende:offer:pause'))
    const out = join(root, 'downloads', 'pause.bin')
    const started = await api<TransferRecord>('b', 'POST', '/api/v1/transfers', { agreement, out })
    await eventually(async () => ((await stat(out)).size >= 4 * MiB ? true : undefined), {
      what: 'the first bytes',
      timeoutMs: 30_000,
    })
    const suspended = await api<TransferRecord>(
      'b',
      'POST',
      `/api/v1/transfers/${encodeURIComponent(started.id)}/suspend`,
      {
        reason: 'maintenance window',
      },
    )
    assert.equal(suspended.state, 'SUSPENDED')
    // The API shows `received` while a pull runs; without it the pull has closed its file.
    const transferOfB = () =>
      api<TransferRecord & { received?: number }>(
        'b',
        'GET',
        `/api/v1/transfers/${encodeURIComponent(started.id)}`,
      )
    await eventually(async () => ((await transferOfB()).received === undefined ? true : undefined), {
      what: 'the suspended pull to close its file',
    })
    const held = (await stat(out)).size
    assert.ok(held < 300 * MiB, 'the pull finished before it could be suspended')
    const provider = await eventually(
      async () => {
        const { transfers } = await api<{ transfers: (TransferRecord & { consumerPid: string })[] }>(
          'a',
          'GET',
          '/api/v1/transfers',
        )
        return transfers.find((t) => t.consumerPid === started.id && t.state === 'SUSPENDED')
      },
      { what: 'the suspension on the provider' },
    )
    assert.equal(provider.state, 'SUSPENDED')
    // Both sides hold it suspended: no pull runs and the file has not grown since.
    const stillSuspended = await transferOfB()
    assert.equal(stillSuspended.state, 'SUSPENDED')
    assert.equal(stillSuspended.received, undefined, 'a pull runs while suspended')
    assert.equal((await stat(out)).size, held, 'the file grows while suspended')
    const resumed = await api<TransferRecord>(
      'b',
      'POST',
      `/api/v1/transfers/${encodeURIComponent(started.id)}/resume`,
    )
    assert.equal(resumed.state, 'STARTED')
    const done = await eventually(
      async () => {
        const t = await api<TransferRecord>('b', 'GET', `/api/v1/transfers/${encodeURIComponent(started.id)}`)
        return t.state === 'COMPLETED' || t.state === 'TERMINATED' ? t : undefined
      },
      { what: 'the resumed transfer to end', timeoutMs: 120_000 },
    )
    assert.equal(done.state, 'COMPLETED', JSON.stringify(done.history))
    assert.equal(done.sha256, expected)
    assert.equal(await sha256File(out), expected)

    // A second pull of the same agreement, terminated by the consumer: both sides end TERMINATED.
    const other = await api<TransferRecord>('b', 'POST', '/api/v1/transfers', {
      agreement,
      out: join(root, 'downloads', 'pause-2.bin'),
    })
    await eventually(
      async () => ((await stat(join(root, 'downloads', 'pause-2.bin'))).size > 0 ? true : undefined),
      { what: 'the second pull to start', timeoutMs: 30_000 },
    )
    const terminated = await api<TransferRecord>(
      'b',
      'POST',
      `/api/v1/transfers/${encodeURIComponent(other.id)}/terminate`,
      {},
    )
    assert.equal(terminated.state, 'TERMINATED')
    await eventually(
      async () => {
        const { transfers } = await api<{ transfers: (TransferRecord & { consumerPid: string })[] }>(
          'a',
          'GET',
          '/api/v1/transfers',
        )
        return transfers.find((t) => t.consumerPid === other.id && t.state === 'TERMINATED')
      },
      { what: 'the termination on the provider' },
    )
    // Illegal moves change nothing and say why.
    const token = (await readFile(join(dir('b'), 'api-token'), 'utf8')).trim()
    const again = await fetch(`${nodes.b!.apiUrl}/api/v1/transfers/${encodeURIComponent(other.id)}/resume`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(again.status, 400)
    assert.match(JSON.stringify(await again.json()), /ILLEGAL_TRANSITION/)
  })

  it('revoking the agreement mid-stream terminates the transfer, and new requests are refused', async () => {
    const source = join(root, 'revoke.bin')
    await randomFile(source, 300 * MiB)
    const agreement = await agreementFor('revoke', source, offer('urn:allmende:offer:revoke'))
    const out = join(root, 'downloads', 'revoke.bin')
    const started = await api<TransferRecord>('b', 'POST', '/api/v1/transfers', { agreement, out })
    await eventually(async () => ((await stat(out)).size >= 4 * MiB ? true : undefined), {
      what: 'the first bytes',
      timeoutMs: 30_000,
    })
    await api('a', 'POST', `/api/v1/agreements/${encodeURIComponent(agreement)}/revoke`, {
      reason: 'contract ended early',
    })
    const ended = await eventually(
      async () => {
        const t = await api<TransferRecord>('b', 'GET', `/api/v1/transfers/${encodeURIComponent(started.id)}`)
        return t.state === 'COMPLETED' || t.state === 'TERMINATED' ? t : undefined
      },
      { what: 'the consumer to see the transfer end', timeoutMs: 60_000 },
    )
    assert.equal(ended.state, 'TERMINATED', JSON.stringify(ended.history))
    assert.ok((await stat(out)).size < 300 * MiB, 'the whole file arrived despite the revocation')
    const refused = await transfer(agreement, join(root, 'downloads', 'revoke-again.bin'))
    assert.notEqual(refused.code, 0)
    assert.match(JSON.stringify(refused.summary) + refused.stderr, /revoked/)
  })

  it('a source that is gone gives the consumer a clear error and does not count as a use', async () => {
    const source = join(root, 'gone.csv')
    await writeFile(source, 'x\n1\n')
    const agreement = await agreementFor('gone', source, offer('urn:allmende:offer:gone'))
    await rm(source)
    const failed = await transfer(agreement, join(root, 'downloads', 'gone.csv'))
    assert.equal(failed.code, 1)
    assert.equal(failed.summary.state, 'TERMINATED')
    assert.equal(failed.summary.code, 'SOURCE_FAILED')
    assert.match(failed.summary.reason ?? '', /cannot read the data.*not counted/)
    const entries = (await audit('a')).filter((e) => e.data.agreement === agreement)
    const failure = entries.find((e) => e.type === 'transfer.failed')
    assert.equal(failure?.data.count, 0)
    // Once the file is back, the next transfer is the agreement's first use.
    await writeFile(source, 'x\n1\n')
    const retried = await transfer(agreement, join(root, 'downloads', 'gone.csv'))
    assert.equal(retried.code, 0, JSON.stringify(retried.summary))
    assert.equal(retried.summary.state, 'COMPLETED')
    const accesses = (await audit('a')).filter(
      (e) => e.type === 'transfer.access' && e.data.agreement === agreement,
    )
    assert.deepEqual(
      accesses.map((e) => e.data.count),
      [1, 1],
    )
  })
})
