// Data-plane workers (issue 15, item 4): a real `allmende start` provider whose HttpData-PULL is
// served by worker processes behind its one control plane, beside the same provider serving pulls
// in its own process; a foreign DSP consumer pulls from both.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { get as httpGet } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { issueAccessToken } from '../../src/credentials/index.js'
import { generateNodeKey, loadNodeKey } from '../../src/identity/index.js'
import { eventually } from '../support/cli-process.js'
import { HttpProviderFixture, offer } from './provider-fixture.js'

const CONTENT = JSON.stringify([{ phenomenonTime: '2026-12-05T10:00:00Z', result: 71 }])
const BIG = randomBytes(24 * 1024 * 1024)

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers })
  const bytes = Buffer.from(await response.arrayBuffer())
  let body: Record<string, unknown> = {}
  try {
    body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>
  } catch {
    body = {}
  }
  return { status: response.status, body, bytes }
}

/** How a refusal looks to the consumer: status, code and the reason code. */
const outcome = (r: { status: number; body: Record<string, unknown> }) => ({
  status: r.status,
  code: r.body.code,
  reasonCode: r.body.reasonCode,
})

/** The data-plane worker processes of a running node. */
function workerPids(p: HttpProviderFixture): number[] {
  let listing = ''
  try {
    listing = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(p.node.process.pid)], {
      encoding: 'utf8',
    })
  } catch {
    return []
  }
  return listing
    .split('\n')
    .filter((line) => line.includes('data-worker'))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
}

describe('security: data-plane workers serve HttpData-PULL behind one control plane', () => {
  const inProcess = new HttpProviderFixture()
  const p = new HttpProviderFixture()
  const agreement: Record<string, string> = {}

  before(async () => {
    await Promise.all([inProcess.start(), p.start({ config: { dataWorkers: '2' } })])
    agreement.inProcess = await inProcess.agree(
      await inProcess.publish('open', CONTENT, offer('urn:allmende:offer:open')),
    )
    agreement.open = await p.agree(await p.publish('open', CONTENT, offer('urn:allmende:offer:open')))
    const big = await p.publish('big', CONTENT, offer('urn:allmende:offer:big'))
    // The dataset's source becomes the big file (publish writes a small JSON file first).
    await writeFile(p.path('big.json'), BIG)
    agreement.big = await p.agree(big)
  })

  after(() => Promise.all([inProcess.stop(), p.stop()]))

  it('a pull served by a worker is byte-equal, counted and audited; the node serves no pull itself', async () => {
    assert.equal(workerPids(p).length, 2, 'two worker processes run')
    const transfer = await p.requestTransfer(agreement.open!)
    assert.equal(transfer.status, 201, JSON.stringify(transfer.body))
    const { endpoint, token } = await p.pullAddress(transfer.consumerPid)
    assert.ok(
      !endpoint.startsWith(p.dsp),
      `the pull goes to the workers' listener, not ${p.dsp}: ${endpoint}`,
    )
    const pulled = await get(endpoint, { authorization: `Bearer ${token}` })
    assert.equal(pulled.status, 200, JSON.stringify(pulled.body))
    assert.equal(pulled.bytes.toString('utf8'), CONTENT)
    const accesses = (await p.audit()).filter(
      (e) => e.type === 'transfer.access' && e.subject === transfer.providerPid,
    )
    assert.equal(accesses.length, 1, 'the control plane audited the access')
    assert.equal(accesses[0]!.data.count, 1)
    assert.equal(accesses[0]!.data.consumer, p.consumer.did)
    // one token, one request, whichever worker it reaches
    for (let i = 0; i < 3; i++) {
      const again = await get(endpoint, { authorization: `Bearer ${token}` })
      assert.deepEqual(outcome(again), {
        status: 403,
        code: 'ALLMENDE_DATA_ACCESS_DENIED',
        reasonCode: 'TOKEN_INVALID',
      })
    }
    const inNode = await get(`${p.dsp}/data/${encodeURIComponent(transfer.providerPid)}`, {
      authorization: `Bearer ${token}`,
    })
    assert.equal(inNode.status, 404, 'with workers the node itself serves no pull')
  })

  it('a token for another transfer, an expired or a forged one is refused by a worker as in-process', async () => {
    const stranger = await generateNodeKey()
    const refusals = async (f: HttpProviderFixture, agreementId: string) => {
      const transfer = await f.requestTransfer(agreementId)
      const { endpoint } = await f.pullAddress(transfer.consumerPid)
      const other = await f.requestTransfer(agreementId)
      const otherToken = (await f.pullAddress(other.consumerPid)).token
      const claims = {
        subject: f.consumer.did,
        audience: f.did,
        agreementId,
        transferProcessId: transfer.providerPid,
      }
      const key = await loadNodeKey(join(f.dir, 'node.key'))
      const expired = await issueAccessToken(key, { ...claims, now: new Date(Date.now() - 3_600_000) })
      const forged = await issueAccessToken(stranger, claims)
      const before = (await f.audit()).length
      const seen = []
      for (const token of [otherToken, expired, forged])
        seen.push(outcome(await get(endpoint, { authorization: `Bearer ${token}` })))
      assert.equal((await f.audit()).length, before, 'refusals before authentication are not audited')
      return seen
    }
    const byWorker = await refusals(p, agreement.open!)
    assert.deepEqual(byWorker, await refusals(inProcess, agreement.inProcess!))
    for (const refusal of byWorker) assert.equal(refusal.reasonCode, 'TOKEN_INVALID', JSON.stringify(refusal))
  })

  it('a worker killed mid-stream breaks the pull off cleanly; the consumer resumes after what it holds', async () => {
    const transfer = await p.requestTransfer(agreement.big!)
    assert.equal(transfer.status, 201, JSON.stringify(transfer.body))
    const first = await p.pullAddress(transfer.consumerPid)
    const workers = workerPids(p)
    const held: Buffer[] = []
    const broken = await new Promise<boolean>((resolve, reject) => {
      const request = httpGet(
        first.endpoint,
        { headers: { authorization: `Bearer ${first.token}` } },
        (response) => {
          assert.equal(response.statusCode, 200)
          let killed = false
          response.on('data', (chunk: Buffer) => {
            held.push(chunk)
            if (killed || Buffer.concat(held).byteLength < 1024 * 1024) return
            killed = true
            for (const pid of workers) process.kill(pid, 'SIGKILL')
          })
          response.on('aborted', () => resolve(true))
          response.on('error', () => resolve(true))
          response.on('end', () => resolve(!response.complete))
        },
      )
      request.on('error', reject)
    })
    assert.ok(broken, 'the pull broke off')
    const kept = Buffer.concat(held)
    assert.ok(
      kept.byteLength < BIG.byteLength,
      `the pull broke off before the end (${kept.byteLength} bytes)`,
    )
    assert.deepEqual(kept, BIG.subarray(0, kept.byteLength), 'what arrived is a correct prefix')
    // New workers take over; the transfer is neither completed nor used up: a fresh token resumes it.
    await eventually(
      async () => (workerPids(p).filter((pid) => !workers.includes(pid)).length === 2 ? true : undefined),
      {
        what: 'two new workers',
        timeoutMs: 60_000,
      },
    )
    const again = await p.requestTransfer(agreement.big!, transfer.consumerPid)
    assert.ok(again.status < 300, JSON.stringify(again.body))
    const second = await p.pullAddress(transfer.consumerPid, 2)
    const rest = await get(second.endpoint, {
      authorization: `Bearer ${second.token}`,
      range: `bytes=${kept.byteLength}-`,
    })
    assert.equal(rest.status, 206, JSON.stringify(rest.body))
    assert.deepEqual(Buffer.concat([kept, rest.bytes]), BIG, 'the resumed file is byte-equal')
    const accesses = (await p.audit()).filter(
      (e) => e.type === 'transfer.access' && e.subject === transfer.providerPid,
    )
    assert.deepEqual(
      accesses.map((e) => [e.data.count, e.data.resumed, e.data.offset]),
      [
        [1, false, 0],
        [1, true, kept.byteLength],
      ],
      'one use, resumed once',
    )
  })
})
