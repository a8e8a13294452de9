import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { eventually } from '../support/cli-process.js'
import { Cluster } from '../support/cluster.js'

interface ProcessView {
  id: string
  state: string
  agreementId?: string
  history: { state: string; code?: string; reason?: string }[]
}

/**
 * A time window in an agreement, tested without waiting for it: the provider runs in the test's
 * process with a clock the test moves past the window's end after the contract is concluded.
 */
describe('a transfer outside the agreed time window', () => {
  let cluster: Cluster
  let now = Date.now()

  before(async () => {
    cluster = await Cluster.create(['provider', 'consumer'], 'allmende-window-')
    await cluster.stop('provider')
    await cluster.startEmbedded('provider', () => new Date(now))
  })

  after(async () => {
    await cluster?.close()
  })

  it('is denied by the provider, naming the time constraint, once its clock passed the end', async () => {
    const end = new Date(now + 60 * 60 * 1000)
    const dataset = await cluster.publish('provider', 'Zeitfenster', 'a,b\n1,2\n', {
      '@context': 'http://www.w3.org/ns/odrl.jsonld',
      '@type': 'Offer',
      uid: 'urn:allmende:offer:window',
      profile: 'https://w3id.org/allmende/odrl-profile/v1',
      permission: [
        {
          action: 'use',
          constraint: [
            {
              leftOperand: 'dateTime',
              operator: 'lt',
              rightOperand: { '@value': end.toISOString(), '@type': 'xsd:dateTime' },
            },
          ],
        },
      ],
    })
    const requested = await eventually(
      async () => {
        const answer = await cluster.api<ProcessView>('consumer', 'POST', '/api/v1/negotiations', {
          provider: cluster.did('provider'),
          dataset,
        })
        return answer.status === 201 || answer.status === 200 ? answer.body : undefined
      },
      { what: 'the consumer to reach the provider', timeoutMs: 60_000 },
    )
    const agreed = await eventually(
      async () => {
        const { body } = await cluster.api<ProcessView>(
          'consumer',
          'GET',
          `/api/v1/negotiations/${encodeURIComponent(requested.id)}`,
        )
        return body.state === 'FINALIZED' || body.state === 'TERMINATED' ? body : undefined
      },
      { what: 'the negotiation to end', timeoutMs: 60_000 },
    )
    assert.equal(agreed.state, 'FINALIZED', JSON.stringify(agreed.history))

    now = end.getTime() + 1000
    const started = await cluster.api<ProcessView>('consumer', 'POST', '/api/v1/transfers', {
      agreement: agreed.agreementId,
      out: join(cluster.root, 'downloads', 'window.csv'),
    })
    const ended = await eventually(
      async () => {
        const { body } = await cluster.api<ProcessView>(
          'consumer',
          'GET',
          `/api/v1/transfers/${encodeURIComponent(started.body.id)}`,
        )
        return body.state === 'COMPLETED' || body.state === 'TERMINATED' ? body : undefined
      },
      { what: 'the transfer to end', timeoutMs: 60_000 },
    )
    assert.equal(ended.state, 'TERMINATED')
    const last = ended.history.at(-1)
    assert.equal(last?.code, 'POLICY_DENIED', JSON.stringify(ended.history))
    assert.match(last?.reason ?? '', /dateTime|time/i)
    assert.deepEqual(cluster.serverErrors, [])
  })
})
