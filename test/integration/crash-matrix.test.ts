import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { eventually } from '../support/cli-process.js'
import { Cluster, type NegotiationView } from '../support/cluster.js'
import { FLOOD_WARNING, floodWarningOffer } from '../support/offers.js'

/**
 * The crash matrix: for every step a side of a negotiation or a transfer stores, that side is
 * killed with SIGKILL right after storing it (the test-only crash point
 * `ALLMENDE_TEST_CRASH_AFTER`), started again, and both sides must reach the same final state (a
 * transfer's received bytes hash equal to the source), with intact audit logs and no API answering
 * 500 on the way.
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

/** Each stored step of a transfer on each side: every one is resumed to completion. */
const TRANSFER_CRASHES: readonly { side: Side; after: string }[] = [
  { side: 'consumer', after: 'transfer.requested' },
  { side: 'consumer', after: 'transfer.acknowledged' },
  { side: 'consumer', after: 'transfer.started' },
  { side: 'consumer', after: 'transfer.receipt' },
  { side: 'consumer', after: 'transfer.completed' },
  { side: 'provider', after: 'transfer.requested' },
  { side: 'provider', after: 'transfer.started' },
  { side: 'provider', after: 'transfer.receipt' },
  { side: 'provider', after: 'transfer.completed' },
]

interface TransferView {
  id: string
  consumerPid: string
  state: string
  out?: string
  sha256?: string
  history: { state: string; code?: string; reason?: string }[]
}

/** `promise`, or a failure naming `what` after `ms` (a crash point that never fires must not hang the run). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

describe('crash matrix: kill -9 right after each stored step, restart, both sides converge', () => {
  let cluster: Cluster
  let datasetId: string
  // Large enough to take several data frames, small enough for a quick matrix.
  const content = JSON.stringify(
    Array.from({ length: 40_000 }, (_, i) => ({ phenomenonTime: `2026-11-22T10:${i % 60}:00Z`, result: i })),
  )
  const expected = createHash('sha256').update(content).digest('hex')

  const transfers = async (side: Side): Promise<TransferView[]> =>
    (await cluster.api<{ transfers: TransferView[] }>(side, 'GET', '/api/v1/transfers')).body.transfers

  const negotiations = async (side: Side): Promise<NegotiationView[]> =>
    (await cluster.api<{ negotiations: NegotiationView[] }>(side, 'GET', '/api/v1/negotiations')).body
      .negotiations

  before(async () => {
    cluster = await Cluster.create(['provider', 'consumer'], 'allmende-crash-')
    datasetId = await cluster.publish(
      'provider',
      'Pegel Altenglan',
      content,
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
      await within(crashing.exited, 180_000, `the ${crash.side} to die after ${crash.after}`)
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

  for (const [index, crash] of TRANSFER_CRASHES.entries()) {
    it(`transfer: ${crash.side} killed after ${crash.after} completes on both sides, bytes intact`, async () => {
      const agreement = await agreementId()
      await cluster.stop(crash.side)
      const crashing = await cluster.start(crash.side, {
        ALLMENDE_TEST_CRASH_AFTER: `${crash.after}@${crash.side}`,
      })
      await cluster.meshed(['provider', 'consumer'])
      const known = new Set((await transfers('consumer')).map((t) => t.id))
      // The consumer may die while it answers this call: then there is no answer, but never a 500.
      await cluster
        .api('consumer', 'POST', '/api/v1/transfers', { agreement, out: `crash-${index}.json` })
        .catch(() => undefined)
      await within(crashing.exited, 180_000, `the ${crash.side} to die after ${crash.after}`)
      await cluster.exited(crash.side)
      await cluster.start(crash.side)
      const [mine, theirs] = await eventually(
        async () => {
          const own = (await transfers('consumer')).find((t) => !known.has(t.id))
          const other = (await transfers('provider')).find((t) => t.consumerPid === own?.consumerPid)
          const done = ['COMPLETED', 'TERMINATED']
          if (own === undefined || other === undefined) return undefined
          return done.includes(own.state) && done.includes(other.state) ? [own, other] : undefined
        },
        // A side retries for about three minutes while the other restarts.
        { what: 'both sides to end the transfer', timeoutMs: 240_000 },
      )
      assert.equal(mine.state, 'COMPLETED', JSON.stringify(mine.history))
      assert.equal(theirs.state, 'COMPLETED', JSON.stringify(theirs.history))
      assert.ok(mine.out, 'the consumer names its output file')
      const received = await readFile(mine.out)
      assert.equal(createHash('sha256').update(received).digest('hex'), expected)
      assert.equal(mine.sha256, expected)
      assert.deepEqual(cluster.serverErrors, [])
    })
  }

  /** A finalized agreement of the consumer (from a negotiation above, or a new one). */
  async function agreementId(): Promise<string> {
    const concluded = (await negotiations('consumer')).find((n) => n.state === 'FINALIZED')?.agreementId
    if (concluded !== undefined) return concluded
    const { body } = await cluster.api<NegotiationView>('consumer', 'POST', '/api/v1/negotiations', {
      provider: cluster.did('provider'),
      dataset: datasetId,
      purpose: FLOOD_WARNING,
    })
    const finalized = await eventually(
      async () => (await negotiations('consumer')).find((n) => n.id === body.id && n.state === 'FINALIZED'),
      { what: 'a finalized agreement', timeoutMs: 120_000 },
    )
    return finalized.agreementId!
  }

  it('audit verify passes on both nodes after all the crashes, and no API answered 500', async () => {
    for (const side of ['provider', 'consumer'] as const) {
      const result = await cluster.auditVerify(side)
      assert.equal(result.code, 0, `${side}: ${result.stdout}${result.stderr}`)
    }
    assert.deepEqual(cluster.serverErrors, [])
  })
})
