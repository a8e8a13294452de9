// Attacks on a provider's transfer gate over DSP HTTP (issue 10, items 1, 4, 5 and 6): a real
// `allmende start` provider on 127.0.0.1, a foreign DSP consumer that concluded agreements with it,
// and a stranger with a key of its own who learned the agreement and process ids.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { issueAccessToken } from '../../src/credentials/index.js'
import { generateNodeKey, type NodeKey } from '../../src/identity/index.js'
import { DSP_CONTEXT } from '../support/foreign-party.js'
import { HttpProviderFixture, offer } from './provider-fixture.js'

const CONTENT = JSON.stringify([{ phenomenonTime: '2026-11-22T10:00:00Z', result: 64 }])
const ONCE = [
  { leftOperand: 'count', operator: 'lteq', rightOperand: { '@value': '1', '@type': 'xsd:integer' } },
]

/** A refusal of a bearer: not authenticated (401) or not permitted (403). */
const refused = (status: number) => status === 401 || status === 403

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers })
  const text = await response.text()
  let body: Record<string, unknown> = {}
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = { text }
  }
  return { status: response.status, body, text }
}

describe('security: the transfer gate over DSP HTTP', () => {
  const p = new HttpProviderFixture()
  let stranger: NodeKey
  const dataset: Record<string, string> = {}
  const agreement: Record<string, string> = {}

  before(async () => {
    await p.start()
    stranger = await generateNodeKey()
    dataset.open = await p.publish('open', CONTENT, offer('urn:allmende:offer:open'))
    dataset.once = await p.publish('once', CONTENT, offer('urn:allmende:offer:once', ONCE))
    dataset.revoked = await p.publish('revoked', CONTENT, offer('urn:allmende:offer:revoked'))
    for (const name of ['open', 'once', 'revoked']) agreement[name] = await p.agree(dataset[name]!)
  })

  after(() => p.stop())

  const accessesOf = async (transfer: string) =>
    (await p.audit()).filter((e) => e.type === 'transfer.access' && e.subject === transfer)

  it('item 1: an access token not issued by the provider is refused, with the reason, and no access is logged', async () => {
    const transfer = await p.requestTransfer(agreement.open!)
    assert.equal(transfer.status, 201, JSON.stringify(transfer.body))
    const { endpoint, token } = await p.pullAddress(transfer.consumerPid)
    const forge = (subject: string) =>
      issueAccessToken(stranger, {
        subject,
        audience: p.did,
        agreementId: agreement.open!,
        transferProcessId: transfer.providerPid,
      })
    // the stranger names the member as subject, then itself
    for (const subject of [p.consumer.did, stranger.did]) {
      const forged = await get(endpoint, { authorization: `Bearer ${await forge(subject)}` })
      assert.ok(
        forged.status === 401 || forged.status === 403,
        `forged token (sub ${subject}): ${forged.status}`,
      )
      assert.match(JSON.stringify(forged.body), /not issued by this provider/)
    }
    // a token whose header names the provider's key, signed by the stranger's
    const genuine = token.split('.')
    const mine = (await forge(p.consumer.did)).split('.')
    const spliced = await get(endpoint, { authorization: `Bearer ${genuine[0]}.${genuine[1]}.${mine[2]}` })
    assert.ok(refused(spliced.status), `a signature of another key: ${spliced.status}`)
    // an unsigned token
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${genuine[1]}.`
    assert.ok(refused((await get(endpoint, { authorization: `Bearer ${none}` })).status), 'alg none')
    assert.deepEqual(await accessesOf(transfer.providerPid), [], 'no access was recorded for the member')
    // the member's own pull works
    const pulled = await get(endpoint, { authorization: `Bearer ${token}` })
    assert.equal(pulled.status, 200, JSON.stringify(pulled.body))
    assert.equal(pulled.text, CONTENT)
    // a genuine token of another transfer, at this transfer's data path
    const other = await p.requestTransfer(agreement.open!)
    const otherAddress = await p.pullAddress(other.consumerPid)
    const crossed = await get(endpoint, { authorization: `Bearer ${otherAddress.token}` })
    assert.ok(refused(crossed.status), `token at another path: ${crossed.status}`)
    assert.match(JSON.stringify(crossed.body), /another transfer/)
  })

  it('item 4: a repeated request never re-issues a token for a grant that was used up', async () => {
    const transfer = await p.requestTransfer(agreement.once!)
    assert.equal(transfer.status, 201, JSON.stringify(transfer.body))
    const first = await p.pullAddress(transfer.consumerPid)
    const pulled = await get(first.endpoint, { authorization: `Bearer ${first.token}` })
    assert.equal(pulled.status, 200, JSON.stringify(pulled.body))
    let downloads = 1
    for (let repeat = 0; repeat < 5; repeat++) {
      const again = await p.requestTransfer(agreement.once!, transfer.consumerPid)
      assert.ok(again.status < 500, `repeat ${repeat}: ${again.status} ${JSON.stringify(again.body)}`)
      for (let n = 2; n <= p.starts(transfer.consumerPid).length; n++) {
        const { endpoint, token } = await p.pullAddress(transfer.consumerPid, n)
        if ((await get(endpoint, { authorization: `Bearer ${token}` })).status === 200) downloads++
      }
    }
    assert.equal(downloads, 1, 'the data of a count ≤ 1 agreement left exactly once')
    // a second transfer under the same agreement is a second use: refused by the policy
    const second = await p.requestTransfer(agreement.once!)
    if (second.status === 201) {
      const { endpoint, token } = await p.pullAddress(second.consumerPid)
      const denied = await get(endpoint, { authorization: `Bearer ${token}` })
      assert.equal(denied.status, 403)
      assert.equal(denied.body.reasonCode, 'POLICY_DENIED')
    }
    const uses = (await p.audit()).filter(
      (e) => e.type === 'transfer.access' && e.data.agreement === agreement.once,
    )
    assert.equal(uses.length, 1, 'one access recorded')
  })

  it('item 4: a TransferRequest under a revoked agreement is refused at once, with the reason', async () => {
    const running = await p.requestTransfer(agreement.revoked!)
    assert.equal(running.status, 201)
    const { endpoint, token } = await p.pullAddress(running.consumerPid)
    const revoked = await p.api(
      'POST',
      `/api/v1/agreements/${encodeURIComponent(agreement.revoked!)}/revoke`,
      {
        reason: 'test',
      },
    )
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body))
    const late = await p.requestTransfer(agreement.revoked!)
    assert.notEqual(late.status, 201, 'no transfer opens under a revoked agreement')
    assert.ok(late.status >= 400 && late.status < 500, `${late.status} ${JSON.stringify(late.body)}`)
    assert.equal(late.body['@type'], 'TransferError')
    assert.match(JSON.stringify(late.body), /revoked/)
    const old = await get(endpoint, { authorization: `Bearer ${token}` })
    assert.equal(old.status, 403, 'a token of a running transfer is void once the agreement is revoked')
  })

  it('item 5: refusals before authentication write no audit entry and are counted in /metrics', async () => {
    const transfer = await p.requestTransfer(agreement.open!)
    const { endpoint } = await p.pullAddress(transfer.consumerPid)
    const before = (await p.audit()).length
    const attempts = 25
    for (let i = 0; i < attempts; i++) {
      const forged = await issueAccessToken(stranger, {
        subject: p.consumer.did,
        audience: p.did,
        agreementId: `urn:attacker:text-${i}`,
        transferProcessId: transfer.providerPid,
      })
      const denied = await get(endpoint, { authorization: `Bearer ${forged}` })
      assert.ok(refused(denied.status))
      const junk = await p.consumer.call('POST', `${p.dsp}/transfers/request`, {
        authorization: `Bearer junk-${i}`,
        body: { '@context': [DSP_CONTEXT], '@type': 'TransferRequestMessage' },
      })
      assert.equal(junk.status, 401)
    }
    const entries = await p.audit()
    assert.equal(
      entries.length,
      before,
      `new audit entries: ${JSON.stringify(entries.slice(before, before + 3))}`,
    )
    assert.ok(!JSON.stringify(entries).includes('urn:attacker:text'), 'no attacker text in the audit log')
    const apiToken = (await readFile(join(p.dir, 'api-token'), 'utf8')).trim()
    const metrics = await fetch(`${p.node.apiUrl}/metrics`, {
      headers: { authorization: `Bearer ${apiToken}` },
    })
    const text = await metrics.text()
    const counted = [...text.matchAll(/^allmende_unauthenticated_refusals_total\{[^}]*\} (\d+)$/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    )
    assert.ok(counted >= 2 * attempts, `refusals counted: ${counted}\n${text}`)
  })

  it('item 6: a Range beyond the end is 416, not 500', async () => {
    const transfer = await p.requestTransfer(agreement.open!)
    const { endpoint, token } = await p.pullAddress(transfer.consumerPid)
    const beyond = await get(endpoint, { authorization: `Bearer ${token}`, range: 'bytes=999999-' })
    assert.equal(beyond.status, 416, JSON.stringify(beyond.body))
  })

  it('item 6: a message nested 10,000 levels deep is 400 at both boundaries, not 500', async () => {
    // Written as text: the test's own JSON.stringify would overflow the stack on it.
    const deep = `${'{"nested":'.repeat(10_000)}"x"${'}'.repeat(10_000)}`
    const message = JSON.stringify({
      '@context': [DSP_CONTEXT],
      '@type': 'ContractRequestMessage',
      consumerPid: 'urn:uuid:deep',
      offer: { '@type': 'Offer', '@id': 'urn:deep', target: dataset.open, permission: [{ action: 'use' }] },
      callbackAddress: `${p.consumer.url}/callback/`,
    }).replace('{"action":"use"}', `{"action":"use","deep":${deep}}`)
    const request = await fetch(`${p.dsp}/negotiations/request`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await p.consumer.token(p.did)}`,
        'content-type': 'application/json',
      },
      body: message,
    })
    const answer = await request.text()
    assert.equal(request.status, 400, answer.slice(0, 300))
    assert.match(answer, /nested more than \d+ levels/)
    const apiToken = (await readFile(join(p.dir, 'api-token'), 'utf8')).trim()
    const viaApi = await fetch(`${p.node.apiUrl}/api/v1/datasets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
      body: `{"title":"deep","source":"x","offers":[${deep}]}`,
    })
    assert.equal(viaApi.status, 400, (await viaApi.text()).slice(0, 300))
  })
})
