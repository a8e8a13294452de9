// Issue 10 item 2: flooding the DSP HTTP binding with self-made did:keys (each fresh token would
// have landed in the one shared replay cache), or with one DID from many addresses. The flooder
// gets 429 with Retry-After; a legitimate caller from another address is served throughout.
// A real provider behind a (simulated) reverse proxy that names the client in X-Forwarded-For.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { issueIdToken } from '../../src/credentials/index.js'
import { generateNodeKey, type NodeKey } from '../../src/identity/index.js'
import { DSP_CONTEXT } from '../support/foreign-party.js'
import { HttpProviderFixture } from './provider-fixture.js'

/** Upper bound of flood requests per attack: far beyond any per-caller share. */
const MAX_FLOOD = 2000

describe('security: per-caller limits on DSP HTTP', () => {
  const p = new HttpProviderFixture()

  before(() => p.start({ startFlags: ['--dsp-trust-proxy'] }))
  after(() => p.stop())

  const catalogRequest = async (key: NodeKey, address: string) => {
    const token = await issueIdToken(key, { audience: p.did, lifetimeSeconds: 300 })
    const response = await fetch(`${p.dsp}/catalog/request`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-forwarded-for': address,
      },
      body: JSON.stringify({ '@context': [DSP_CONTEXT], '@type': 'CatalogRequestMessage' }),
    })
    const body = (await response.json()) as Record<string, unknown>
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body }
  }

  /** Floods until the first 429 (or the bound); the legitimate caller asks every 10th request. */
  async function flood(next: (i: number) => Promise<{ key: NodeKey; address: string }>) {
    const legit = p.consumer.key
    const legitStatuses: number[] = []
    for (let i = 0; i < MAX_FLOOD; i++) {
      const { key, address } = await next(i)
      const answer = await catalogRequest(key, address)
      if (i % 10 === 0) legitStatuses.push((await catalogRequest(legit, '10.1.0.1')).status)
      if (answer.status === 429) return { limitedAfter: i, answer, legitStatuses }
      assert.equal(answer.status, 200, `flood request ${i}: ${JSON.stringify(answer.body)}`)
    }
    return { limitedAfter: undefined, answer: undefined, legitStatuses }
  }

  it('a flood of fresh did:keys from one address gets 429 with Retry-After; another caller is served', async () => {
    const { limitedAfter, answer, legitStatuses } = await flood(async () => ({
      key: await generateNodeKey(),
      address: '10.66.0.1',
    }))
    assert.ok(limitedAfter !== undefined, `no 429 after ${MAX_FLOOD} requests with fresh DIDs`)
    assert.ok(Number(answer!.retryAfter) >= 1, `Retry-After: ${answer!.retryAfter}`)
    assert.equal(answer!.body.code, 'ALLMENDE_RATE_LIMITED')
    assert.deepEqual(
      legitStatuses.filter((s) => s !== 200),
      [],
      'the legitimate caller was never refused',
    )
    assert.equal((await catalogRequest(p.consumer.key, '10.1.0.1')).status, 200)
  })

  it('one DID flooding from ever new addresses gets 429; another caller is served', async () => {
    const flooder = await generateNodeKey()
    const { limitedAfter, answer, legitStatuses } = await flood(async (i) => ({
      key: flooder,
      address: `10.77.${Math.floor(i / 250)}.${i % 250}`,
    }))
    assert.ok(limitedAfter !== undefined, `no 429 after ${MAX_FLOOD} requests of one DID`)
    assert.ok(Number(answer!.retryAfter) >= 1)
    assert.deepEqual(
      legitStatuses.filter((s) => s !== 200),
      [],
      'the legitimate caller was never refused',
    )
  })
})
