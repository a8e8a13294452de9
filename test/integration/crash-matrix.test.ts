import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { eventually } from '../support/cli-process.js'
import { Cluster, type NegotiationView } from '../support/cluster.js'
import { FLOOD_WARNING, floodWarningOffer } from '../support/offers.js'

/**
 * The crash matrix: for every step a side of a negotiation stores, that side is killed with
 * SIGKILL right after storing it (the test-only crash point `ALLMENDE_TEST_CRASH_AFTER`), started
 * again, and both sides must reach the same final state, with intact audit logs and no API
 * answering 500 on the way.
 */

type Side = 'provider' | 'consumer'

/** Each stored step of a negotiation on each side, and how the negotiation ends after that crash. */
const NEGOTIATION_CRASHES: readonly { side: Side; after: string; ends: 'FINALIZED' | 'TERMINATED' }[] = [
  { side: 'consumer', after: 'negotiation.requested', ends: 'FINALIZED' },
  { side: 'consumer', after: 'negotiation.acknowledged', ends: 'FINALIZED' },
  { side: 'consumer', after: 'negotiation.agreed', ends: 'FINALIZED' },
  { side: 'consumer', after: 'negotiation.verified', ends: 'FINALIZED' },
  { side: 'consumer', after: 'negotiation.finalized', ends: 'FINALIZED' },
  // The consumer's request got no ACK while its caller waited: it was told so and ended it; the
  // provider's agreement is then refused and it ends too.
  { side: 'provider', after: 'negotiation.requested', ends: 'TERMINATED' },
  { side: 'provider', after: 'negotiation.agreed', ends: 'FINALIZED' },
  { side: 'provider', after: 'negotiation.verified', ends: 'FINALIZED' },
  { side: 'provider', after: 'negotiation.finalized', ends: 'FINALIZED' },
]

describe('crash matrix: kill -9 right after each stored step, restart, both sides converge', () => {
  let cluster: Cluster
  let datasetId: string

  const negotiations = async (side: Side): Promise<NegotiationView[]> =>
    (await cluster.api<{ negotiations: NegotiationView[] }>(side, 'GET', '/api/v1/negotiations')).body
      .negotiations

  before(async () => {
    cluster = await Cluster.create(['provider', 'consumer'], 'allmende-crash-')
    datasetId = await cluster.publish(
      'provider',
      'Pegel Altenglan',
      JSON.stringify([{ phenomenonTime: '2026-11-22T10:00:00Z', result: 64 }]),
      floodWarningOffer('urn:allmende:offer:crash-matrix'),
    )
  })

  after(async () => {
    await cluster?.close()
  })

  for (const crash of NEGOTIATION_CRASHES) {
    it(`negotiation: ${crash.side} killed after ${crash.after} ends ${crash.ends} on both sides`, async () => {
      await cluster.stop(crash.side)
      const crashing = await cluster.start(crash.side, {
        ALLMENDE_TEST_CRASH_AFTER: `${crash.after}@${crash.side}`,
      })
      await cluster.meshed(['provider', 'consumer'])
      const known = new Set((await negotiations('consumer')).map((n) => n.id))
      // The consumer may die while it answers this call: then there is no answer, but never a 500.
      await cluster
        .api('consumer', 'POST', '/api/v1/negotiations', {
          provider: cluster.did('provider'),
          dataset: datasetId,
          purpose: FLOOD_WARNING,
        })
        .catch(() => undefined)
      await crashing.exited
      await cluster.exited(crash.side)
      await cluster.start(crash.side)
      const [consumerSide, providerSide] = await eventually(
        async () => {
          const mine = (await negotiations('consumer')).find((n) => !known.has(n.id))
          if (mine === undefined) return undefined
          const theirs = (await negotiations('provider')).find((n) => n.consumerPid === mine.consumerPid)
          const done = ['FINALIZED', 'TERMINATED']
          if (theirs === undefined) return mine.state === 'TERMINATED' ? [mine, undefined] : undefined
          return done.includes(mine.state) && done.includes(theirs.state) ? [mine, theirs] : undefined
        },
        // A side retries for about three minutes while the other restarts.
        { what: 'both sides to end the negotiation', timeoutMs: 240_000 },
      )
      assert.equal(consumerSide.state, crash.ends, JSON.stringify(consumerSide))
      if (providerSide !== undefined) {
        assert.equal(providerSide.state, consumerSide.state, JSON.stringify(providerSide))
        if (crash.ends === 'FINALIZED') assert.equal(providerSide.agreementId, consumerSide.agreementId)
      }
      assert.deepEqual(cluster.serverErrors, [])
    })
  }

  it('audit verify passes on both nodes after all the crashes, and no API answered 500', async () => {
    for (const side of ['provider', 'consumer'] as const) {
      const result = await cluster.auditVerify(side)
      assert.equal(result.code, 0, `${side}: ${result.stdout}${result.stderr}`)
    }
    assert.deepEqual(cluster.serverErrors, [])
  })
})
