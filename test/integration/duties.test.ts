import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type DutyMessage, verifyDutyMessage } from '../../src/transfer/index.js'
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

interface DutyView {
  duty: string
  action: string
  state: string
  transfer?: string
  due?: string
  fulfilledAt?: string
  violatedAt?: string
  evidence?: DutyMessage | { auditSeq: number }
  verified?: boolean
  delivered?: boolean
}
interface AuditEntry {
  seq: number
  type: string
  subject: string
  data: Record<string, unknown>
}

/** An offer permitting use with the given duties. */
function offer(uid: string, duty: Record<string, unknown>[]) {
  return {
    '@context': 'http://www.w3.org/ns/odrl.jsonld',
    '@type': 'Offer',
    uid,
    profile: 'https://w3id.org/allmende/odrl-profile/v1',
    permission: [{ action: 'use', duty }],
  }
}

const deleteAfter = (period: string) => ({
  action: 'delete',
  constraint: [
    {
      leftOperand: 'delayPeriod',
      operator: 'eq',
      rightOperand: { '@value': period, '@type': 'xsd:duration' },
    },
  ],
})

describe('usage duties between two nodes: delete after, inform, log', () => {
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

  const duties = (name: string, agreement: string) =>
    api<DutyView[]>(name, 'GET', `/api/v1/agreements/${encodeURIComponent(agreement)}/duties`)

  /** Publishes a dataset on A and negotiates it from B to FINALIZED; returns the agreement id. */
  async function agreementFor(
    name: string,
    source: string,
    policy: Record<string, unknown>,
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
      '--purpose',
      FLOOD_WARNING,
      '--wait',
      '--json',
    ])
    const negotiated = JSON.parse(run.stdout || '{}') as { state?: string; agreement?: string | null }
    assert.equal(negotiated.state, 'FINALIZED', `${run.stdout} ${run.stderr}`)
    return negotiated.agreement!
  }

  /** Transfers under an agreement into `out` on B and expects it COMPLETED. */
  async function transfer(agreement: string, out: string): Promise<void> {
    const result = await runAllmende(
      ['transfer', '--dir', dir('b'), '--agreement', agreement, '--out', out, '--json'],
      { timeoutMs: 60_000 },
    )
    const summary = JSON.parse(result.stdout || '{}') as { state?: string }
    assert.equal(result.code, 0, `${result.stdout} ${result.stderr}`)
    assert.equal(summary.state, 'COMPLETED')
  }

  before(async () => {
    root = await tempDir('allmende-duties-')
    const init = await initNodes(root, ['a', 'b'], { extra: ['--dataspace', 'duties-test'] })
    Object.assign(did, init.did)
    nodes.a = await startAllmende(['--dir', dir('a')])
    const status = await allmendeJson<{ multiaddrs: string[] }>(['status', '--dir', dir('a')])
    nodes.b = await startAllmende(['--dir', dir('b'), '--bootstrap', status.multiaddrs[0]!])
  })

  after(async () => {
    nodes.b?.process.kill('SIGCONT')
    await Promise.all(Object.values(nodes).map((n) => n.stop()))
  })

  it('delete after PT2S: the consumer deletes the file and the provider holds a verified deletion receipt', async () => {
    const source = join(root, 'pegel.csv')
    const content = 'zeit,pegel\n2026-11-22T10:00:00Z,64\n'
    await writeFile(source, content)
    const agreement = await agreementFor(
      'delete',
      source,
      offer('urn:allmende:offer:delete', [deleteAfter('PT2S')]),
    )
    const out = join(root, 'downloads', 'pegel.csv')
    await transfer(agreement, out)
    const [pending] = await duties('a', agreement)
    assert.equal(pending?.action, 'delete')
    assert.ok(pending?.due, JSON.stringify(pending))
    const fulfilled = await eventually(
      async () => {
        const [view] = await duties('a', agreement)
        return view?.state === 'fulfilled' ? view : undefined
      },
      { what: 'the delete duty fulfilled on the provider', timeoutMs: 60_000 },
    )
    await assert.rejects(stat(out), { code: 'ENOENT' })
    assert.equal(fulfilled.verified, true)
    const receipt = fulfilled.evidence as DutyMessage
    assert.equal(receipt.type, 'DeletionReceipt')
    assert.equal(receipt.consumer, did.b)
    assert.equal(receipt.provider, did.a)
    assert.equal(
      receipt.type === 'DeletionReceipt' && receipt.sha256,
      createHash('sha256').update(content).digest('hex'),
    )
    assert.equal(verifyDutyMessage(receipt).ok, true, 'the receipt verifies against the consumer did:key')
    assert.equal(verifyDutyMessage({ ...receipt, deletedAt: pending!.due }).ok, false)
    // Deleted within the period (plus the 2 s grace for delivery).
    assert.ok(
      Date.parse(receipt.type === 'DeletionReceipt' ? receipt.deletedAt : '') <=
        Date.parse(pending!.due!) + 2000,
    )
    const consumerView = await eventually(
      async () => {
        const [view] = await duties('b', agreement)
        return view?.delivered === true ? view : undefined
      },
      { what: 'the acknowledgement on the consumer' },
    )
    assert.equal(consumerView.state, 'fulfilled')
    const entry = (await audit('a')).find(
      (e) => e.type === 'duty.fulfilled' && e.data.agreement === agreement,
    )
    assert.equal(entry?.data.action, 'delete')
  })

  it('inform and log: the provider holds a verified usage notice, the consumer logged the use', async () => {
    const source = join(root, 'inform.csv')
    await writeFile(source, 'a,b\n1,2\n')
    const agreement = await agreementFor(
      'inform',
      source,
      offer('urn:allmende:offer:inform', [
        { action: 'inform' },
        { action: 'https://w3id.org/allmende/odrl#log' },
      ]),
    )
    await transfer(agreement, join(root, 'downloads', 'inform.csv'))
    const [inform, log] = await eventually(
      async () => {
        const views = await duties('a', agreement)
        return views[0]?.state === 'fulfilled' ? views : undefined
      },
      { what: 'the usage notice on the provider' },
    )
    assert.equal(inform?.action, 'inform')
    assert.equal(inform?.verified, true)
    const notice = inform!.evidence as DutyMessage
    assert.equal(notice.type, 'UsageNotice')
    assert.equal(notice.type === 'UsageNotice' && notice.bytes, 8)
    assert.equal(notice.type === 'UsageNotice' && notice.purpose, FLOOD_WARNING)
    assert.equal(verifyDutyMessage(notice).ok, true)
    assert.equal(log?.action, 'log')
    assert.equal(log?.state, 'pending') // the provider cannot see the consumer's log
    const consumerLog = (await duties('b', agreement)).find((v) => v.action === 'log')
    assert.equal(consumerLog?.state, 'fulfilled')
    const logged = (await audit('b')).filter((e) => e.type === 'duty.log' && e.data.agreement === agreement)
    assert.equal(logged.length, 1)
    assert.equal(logged[0]!.seq, (consumerLog!.evidence as { auditSeq: number }).auditSeq)
  })

  it('a consumer that does not delete in time (stopped) leaves the provider with a violated duty', async () => {
    const source = join(root, 'late.csv')
    await writeFile(source, 'x\n1\n')
    const agreement = await agreementFor(
      'late',
      source,
      offer('urn:allmende:offer:late', [deleteAfter('PT2S')]),
    )
    const out = join(root, 'downloads', 'late.csv')
    await transfer(agreement, out)
    nodes.b!.process.kill('SIGSTOP')
    try {
      const violated = await eventually(
        async () => {
          const [view] = await duties('a', agreement)
          return view?.state === 'violated' ? view : undefined
        },
        { what: 'the violation on the provider', timeoutMs: 60_000 },
      )
      assert.ok(Date.parse(violated.violatedAt!) > Date.parse(violated.due!))
      assert.equal(violated.evidence, undefined)
      await stat(out) // the stopped consumer still holds the data
      const entry = (await audit('a')).find(
        (e) => e.type === 'duty.violated' && e.data.agreement === agreement,
      )
      assert.ok(entry, 'duty.violated in the audit log')
    } finally {
      nodes.b!.process.kill('SIGCONT')
    }
    // Resumed, the consumer deletes late; its late receipt is kept as evidence, the duty stays violated.
    const later = await eventually(
      async () => {
        const [view] = await duties('a', agreement)
        return view?.evidence === undefined ? undefined : view
      },
      { what: 'the late receipt' },
    )
    assert.equal(later.state, 'violated')
    await assert.rejects(stat(out), { code: 'ENOENT' })
    assert.equal((await duties('b', agreement))[0]?.state, 'violated')
  })
})
