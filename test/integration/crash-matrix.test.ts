import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { TRANSFER_COMPLETED, TRANSFER_RECEIPT } from '../../src/audit/index.js'
import { NEGOTIATION_TABLE } from '../../src/contract/index.js'
import type { StateTable } from '../../src/process/index.js'
import {
  ALLMENDE_LOG_ACTION,
  type DutyState,
  type DutyView,
  TRANSFER_TABLE,
} from '../../src/transfer/index.js'
import { eventually } from '../support/cli-process.js'
import { Cluster, type NegotiationView, type TransferView } from '../support/cluster.js'
import { FLOOD_WARNING, floodWarningOffer } from '../support/offers.js'

/**
 * The crash matrix: for every step a side of a negotiation or a transfer stores, that side is
 * killed with SIGKILL right after storing it (the test-only crash point
 * `ALLMENDE_TEST_CRASH_AFTER`), started again, and both sides must reach the same final state (a
 * transfer's received bytes hash equal to the source), with intact audit logs and no API answering
 * 500 on the way. The cases run on two independent pairs of nodes at once.
 */

type Side = 'provider' | 'consumer'
const SIDES: readonly Side[] = ['consumer', 'provider']

/**
 * How a case reaches its crash point:
 * - `negotiate`: the consumer asks on the offer's terms; `refused`: for a purpose the offer does not allow;
 * - `transfer`: the consumer pulls a file;
 * - `suspend`, `resume`, `terminate`: `by` moves a pull that is under way (held at a gated source);
 * - `reissue`: a consumer back from a crash asks again for a running pull and gets a fresh token.
 */
type Scenario = 'negotiate' | 'refused' | 'transfer' | 'suspend' | 'resume' | 'terminate' | 'reissue'

interface CrashCase {
  readonly side: Side
  /** The audit type of the stored step after which `side` dies. */
  readonly after: string
  readonly scenario: Scenario
  /** Who makes the local move (suspend, resume, terminate). */
  readonly by?: Side
  /** The final state both sides must reach. */
  readonly ends: string
}

/** Negotiation states Allmende never stores: it publishes fixed offers and never counters. */
const NEVER_STORED: readonly string[] = ['OFFERED', 'ACCEPTED']

/** Steps a side stores besides its states: the ACK taken in, the signed receipt, a fresh token. */
const WORK_STEPS: Readonly<Record<'negotiation' | 'transfer', readonly string[]>> = {
  negotiation: ['negotiation.acknowledged'],
  transfer: ['transfer.acknowledged', TRANSFER_RECEIPT, 'transfer.token'],
}

/** Every state some sender can move a process to: each side stores each of them. */
function reachable(table: StateTable<string, string>): string[] {
  const all = SIDES.flatMap((sender) => Object.values<readonly string[]>(table.transitions[sender]).flat())
  return [...new Set(all)].filter((state) => !NEVER_STORED.includes(state))
}

const stepOf = (process: string, state: string) =>
  state === 'COMPLETED' ? TRANSFER_COMPLETED : `${process}.${state.toLowerCase()}`

const NEGOTIATION_CRASHES: readonly CrashCase[] = [
  { side: 'consumer', after: 'negotiation.requested', scenario: 'negotiate', ends: 'FINALIZED' },
  { side: 'consumer', after: 'negotiation.acknowledged', scenario: 'negotiate', ends: 'FINALIZED' },
  { side: 'consumer', after: 'negotiation.agreed', scenario: 'negotiate', ends: 'FINALIZED' },
  { side: 'consumer', after: 'negotiation.verified', scenario: 'negotiate', ends: 'FINALIZED' },
  { side: 'consumer', after: 'negotiation.finalized', scenario: 'negotiate', ends: 'FINALIZED' },
  { side: 'consumer', after: 'negotiation.terminated', scenario: 'refused', ends: 'TERMINATED' },
  // The consumer's request got no ACK while its caller waited: it was told so and ended it; the
  // provider's agreement is then refused and it ends too.
  { side: 'provider', after: 'negotiation.requested', scenario: 'negotiate', ends: 'TERMINATED' },
  { side: 'provider', after: 'negotiation.agreed', scenario: 'negotiate', ends: 'FINALIZED' },
  { side: 'provider', after: 'negotiation.verified', scenario: 'negotiate', ends: 'FINALIZED' },
  { side: 'provider', after: 'negotiation.finalized', scenario: 'negotiate', ends: 'FINALIZED' },
  { side: 'provider', after: 'negotiation.terminated', scenario: 'refused', ends: 'TERMINATED' },
]

/** The local moves of a running transfer, by each side, with each side crashing after the step. */
const LOCAL_MOVES: readonly { scenario: Scenario; after: string; ends: string }[] = [
  { scenario: 'suspend', after: 'transfer.suspended', ends: 'COMPLETED' },
  { scenario: 'resume', after: 'transfer.started', ends: 'COMPLETED' },
  { scenario: 'terminate', after: 'transfer.terminated', ends: 'TERMINATED' },
]

const TRANSFER_CRASHES: readonly CrashCase[] = [
  ...SIDES.flatMap((side) =>
    ['transfer.requested', 'transfer.started', TRANSFER_RECEIPT, TRANSFER_COMPLETED].map(
      (after): CrashCase => ({ side, after, scenario: 'transfer', ends: 'COMPLETED' }),
    ),
  ),
  { side: 'consumer', after: 'transfer.acknowledged', scenario: 'transfer', ends: 'COMPLETED' },
  ...SIDES.flatMap((side) =>
    SIDES.flatMap((by) => LOCAL_MOVES.map((move): CrashCase => ({ side, by, ...move }))),
  ),
  ...SIDES.map(
    (side): CrashCase => ({ side, after: 'transfer.token', scenario: 'reissue', ends: 'COMPLETED' }),
  ),
]

/**
 * The steps each side stores for each duty state (typed by the state, so a new state needs its
 * line here): `pending` when a use is tracked; the consumer's performance (deleted, notice sent,
 * logged) and the provider's ACK taken in; the provider's verdict on the evidence.
 */
const DUTY_STEPS: Readonly<Record<DutyState, Readonly<Record<Side, readonly string[]>>>> = {
  pending: { consumer: ['duty.tracked', 'duty.notice'], provider: ['duty.tracked'] },
  fulfilled: { consumer: ['duty.deleted', 'duty.delivered', 'duty.log'], provider: ['duty.fulfilled'] },
  violated: { consumer: ['duty.violated'], provider: ['duty.violated'] },
}

/**
 * A use under an agreement that asks to delete after three seconds, to inform the provider and to
 * log: `due` lets the consumer perform in time where the crash allows it; `overdue` keeps it down
 * (crashed right after it tracked the duty) until the provider has marked the duty violated.
 */
type DutyScenario = 'due' | 'overdue'

const DUTY_CRASHES: readonly { side: Side; after: string; scenario: DutyScenario }[] = [
  ...(['duty.tracked', 'duty.notice', 'duty.deleted', 'duty.delivered', 'duty.log'] as const).map(
    (after) => ({
      side: 'consumer' as const,
      after,
      scenario: 'due' as const,
    }),
  ),
  { side: 'provider', after: 'duty.tracked', scenario: 'due' },
  { side: 'provider', after: 'duty.fulfilled', scenario: 'due' },
  ...SIDES.map((side) => ({ side, after: 'duty.violated', scenario: 'overdue' as const })),
]

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

/** An offer for any purpose whose use asks for a deletion after three seconds, a notice and a log entry. */
function dutyOffer(uid: string) {
  return {
    '@context': 'http://www.w3.org/ns/odrl.jsonld',
    '@type': 'Offer',
    uid,
    profile: 'https://w3id.org/allmende/odrl-profile/v1',
    permission: [
      { action: 'use', duty: [deleteAfter('PT3S'), { action: 'inform' }, { action: ALLMENDE_LOG_ACTION }] },
    ],
  }
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

/**
 * An HTTP data source that sends the first half of its content and holds the rest until it is
 * opened: a pull under way for as long as a case needs one.
 */
class GatedSource {
  private readonly server: Server
  private opened = false
  private release: () => void = () => undefined
  private gate = Promise.resolve()
  /** Requests held at the gate since it was last closed. */
  held = 0

  constructor(content: Buffer) {
    this.server = createServer((req, res) => {
      res.on('error', () => undefined)
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': content.length })
      if (this.opened) return void res.end(content)
      const half = Math.floor(content.length / 2)
      res.write(content.subarray(0, half))
      this.held += 1
      void this.gate.then(() => res.end(content.subarray(half)))
      req.on('close', () => undefined)
    })
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/data.json`
  }

  close(): void {
    this.opened = false
    this.held = 0
    this.gate = new Promise((resolve) => {
      this.release = resolve
    })
  }

  open(): void {
    this.opened = true
    this.release()
  }

  async stop(): Promise<void> {
    this.open()
    this.server.closeAllConnections()
    await new Promise((resolve) => this.server.close(resolve))
  }
}

/** One pair of nodes with a file dataset and a gated one; a case has the pair to itself. */
interface Lane {
  readonly cluster: Cluster
  readonly fileDataset: string
  readonly gatedDataset: string
  readonly dutyDataset: string
  readonly gate: GatedSource
  readonly agreements: Map<string, string>
}

describe('crash matrix: kill -9 right after each stored step, restart, both sides converge', () => {
  // Large enough to take several data frames, small enough for a quick matrix.
  const content = Buffer.from(
    JSON.stringify(
      Array.from({ length: 40_000 }, (_, i) => ({
        phenomenonTime: `2026-11-22T10:${i % 60}:00Z`,
        result: i,
      })),
    ),
  )
  const expected = createHash('sha256').update(content).digest('hex')
  const lanes: Lane[] = []
  const free: Lane[] = []
  const waiting: ((lane: Lane) => void)[] = []

  /** Runs `work` on a lane of its own. */
  async function onLane<T>(work: (lane: Lane) => Promise<T>): Promise<T> {
    const lane = free.pop() ?? (await new Promise<Lane>((resolve) => waiting.push(resolve)))
    try {
      return await work(lane)
    } finally {
      // A failed case leaves the pair as the next one needs it: both nodes up, the source open.
      lane.gate.open()
      for (const side of SIDES) {
        if (!lane.cluster.isRunning(side)) await lane.cluster.start(side).catch(() => undefined)
      }
      const next = waiting.shift()
      if (next === undefined) free.push(lane)
      else next(lane)
    }
  }

  before(async () => {
    const created = await Promise.all(
      [0, 1].map(async (index): Promise<Lane> => {
        const cluster = await Cluster.create(['provider', 'consumer'], `allmende-crash-${index}-`)
        const gate = new GatedSource(content)
        const offer = floodWarningOffer(`urn:allmende:offer:crash-matrix-${index}`)
        const fileDataset = await cluster.publish('provider', 'Pegel Altenglan', content.toString(), offer)
        const gatedDataset = await cluster.publish('provider', 'Pegel Kusel', '', offer, {
          source: await gate.listen(),
        })
        const dutyDataset = await cluster.publish(
          'provider',
          'Pegel Lauterecken',
          content.toString(),
          dutyOffer(`urn:allmende:offer:crash-duties-${index}`),
        )
        return { cluster, fileDataset, gatedDataset, dutyDataset, gate, agreements: new Map() }
      }),
    )
    lanes.push(...created)
    free.push(...created)
  })

  after(async () => {
    await Promise.all(lanes.map(async (lane) => Promise.all([lane.cluster.close(), lane.gate.stop()])))
  })

  it('has a crash case for every state each side stores, and for every work step', () => {
    const cases = [...NEGOTIATION_CRASHES, ...TRANSFER_CRASHES]
    const missing: string[] = []
    for (const [process, table] of [
      ['negotiation', NEGOTIATION_TABLE],
      ['transfer', TRANSFER_TABLE],
    ] as const) {
      const steps = [...reachable(table).map((state) => stepOf(process, state)), ...WORK_STEPS[process]]
      for (const side of SIDES) {
        for (const step of steps) {
          if (step === 'negotiation.acknowledged' || step === 'transfer.acknowledged') {
            // Only the consumer takes in an ACK that names the provider's process.
            if (side === 'provider') continue
          }
          if (!cases.some((c) => c.side === side && c.after === step)) missing.push(`${step}@${side}`)
        }
      }
    }
    for (const side of SIDES) {
      for (const step of Object.values(DUTY_STEPS).flatMap((steps) => steps[side])) {
        if (!DUTY_CRASHES.some((c) => c.side === side && c.after === step)) missing.push(`${step}@${side}`)
      }
    }
    assert.deepEqual(missing, [], 'every stored step needs a crash case in this file')
  })

  describe('each case on a pair of its own', { concurrency: 2 }, () => {
    for (const crash of NEGOTIATION_CRASHES) {
      it(`negotiation: ${crash.side} killed after ${crash.after} (${crash.scenario}) ends ${crash.ends} on both sides`, () =>
        onLane(async ({ cluster, fileDataset }) => {
          const negotiations = async (side: Side): Promise<NegotiationView[]> =>
            (await cluster.api<{ negotiations: NegotiationView[] }>(side, 'GET', '/api/v1/negotiations')).body
              .negotiations
          const known = new Set((await negotiations('consumer')).map((n) => n.id))
          await crashOn(cluster, crash, async () => {
            // The consumer may die while it answers this call: then there is no answer, but never a 500.
            await cluster
              .api('consumer', 'POST', '/api/v1/negotiations', {
                provider: cluster.did('provider'),
                dataset: fileDataset,
                purpose: crash.scenario === 'refused' ? 'https://w3id.org/dpv#Marketing' : FLOOD_WARNING,
              })
              .catch(() => undefined)
          })
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
        }))
    }

    for (const [index, crash] of TRANSFER_CRASHES.entries()) {
      const by = crash.by === undefined ? '' : ` by the ${crash.by}`
      it(`transfer: ${crash.side} killed after ${crash.after} (${crash.scenario}${by}) ends ${crash.ends} on both sides`, () =>
        onLane(async (lane) => {
          const { cluster, gate } = lane
          const transfers = async (side: Side): Promise<TransferView[]> =>
            (await cluster.api<{ transfers: TransferView[] }>(side, 'GET', '/api/v1/transfers')).body
              .transfers
          const gated = crash.scenario !== 'transfer'
          const agreement = await agreementFor(lane, gated ? lane.gatedDataset : lane.fileDataset)
          const known = new Set((await transfers('consumer')).map((t) => t.id))
          const request = () =>
            cluster
              .api('consumer', 'POST', '/api/v1/transfers', { agreement, out: `crash-${index}.json` })
              // The consumer may die while it answers this call: then there is no answer, but never a 500.
              .catch(() => undefined)
          /** This case's transfer on both sides, once `done` holds for both. */
          const both = (done: (state: string) => boolean, what: string, timeoutMs = 240_000) =>
            eventually(
              async () => {
                const own = (await transfers('consumer')).find((t) => !known.has(t.id))
                const other = (await transfers('provider')).find((t) => t.consumerPid === own?.consumerPid)
                if (own === undefined || other === undefined) return undefined
                return done(own.state) && done(other.state) ? ([own, other] as const) : undefined
              },
              // A side retries for about three minutes while the other restarts.
              { what, timeoutMs },
            )
          const move = async (side: Side, action: 'suspend' | 'resume' | 'terminate') => {
            const [own, other] = await both(() => true, 'the transfer on both sides')
            const id = side === 'consumer' ? own.id : other.id
            // A side that dies at its crash point while it answers gives no answer; a refused move
            // fails the case at once (a crash point it would wait for could never come).
            const answer = await cluster
              .api(side, 'POST', `/api/v1/transfers/${encodeURIComponent(id)}/${action}`, {})
              .catch(() => undefined)
            if (answer !== undefined && answer.status >= 300)
              throw new Error(
                `the ${side} refused to ${action}: ${answer.status} ${JSON.stringify(answer.body)}`,
              )
          }

          if (!gated) {
            await crashOn(cluster, crash, request)
          } else {
            gate.close()
            await request()
            await both((state) => state === 'STARTED', 'the pull to start')
            await eventually(async () => (gate.held > 0 ? true : undefined), {
              what: 'the pull to reach the gated source',
              timeoutMs: 60_000,
            })
            if (crash.scenario === 'resume') {
              await move(crash.by!, 'suspend')
              await both((state) => state === 'SUSPENDED', 'both sides to suspend')
            }
            if (crash.scenario === 'reissue') await crashOnReissue(cluster, crash)
            else
              await crashOn(cluster, crash, () =>
                move(crash.by!, crash.scenario as 'suspend' | 'resume' | 'terminate'),
              )
            if (crash.scenario === 'suspend') {
              await both((state) => state === 'SUSPENDED', 'both sides to be suspended')
              await move(crash.by!, 'resume')
            }
            gate.open()
          }
          const [mine, theirs] = await both(
            (state) => state === 'COMPLETED' || state === 'TERMINATED',
            'both sides to end the transfer',
          )
          assert.equal(mine.state, crash.ends, JSON.stringify(mine.history))
          assert.equal(theirs.state, crash.ends, JSON.stringify(theirs.history))
          if (crash.ends === 'COMPLETED') {
            assert.ok(mine.out, 'the consumer names its output file')
            const received = await readFile(mine.out)
            assert.equal(createHash('sha256').update(received).digest('hex'), expected)
            assert.equal(mine.sha256, expected)
          }
          assert.deepEqual(cluster.serverErrors, [])
        }))
    }

    // The provider's token for a pull can reach the consumer after the provider suspended again:
    // the pull it starts is refused (the transfer is not STARTED there), while the suspension is
    // still on its way. The consumer must then wait for it, not end the transfer.
    it('a pull token that arrives after the provider suspended again leaves the transfer SUSPENDED on both sides', () =>
      onLane(async (lane) => {
        const { cluster, gate } = lane
        const agreement = await agreementFor(lane, lane.gatedDataset)
        const transfers = async (side: Side): Promise<TransferView[]> =>
          (await cluster.api<{ transfers: TransferView[] }>(side, 'GET', '/api/v1/transfers')).body.transfers
        const known = new Set((await transfers('consumer')).map((t) => t.id))
        gate.close()
        await cluster.api('consumer', 'POST', '/api/v1/transfers', { agreement, out: 'overtaken.json' })
        const own = await eventually(
          async () => (await transfers('consumer')).find((t) => !known.has(t.id) && t.state === 'STARTED'),
          { what: 'the pull to start', timeoutMs: 120_000 },
        )
        const theirs = await eventually(
          async () => (await transfers('provider')).find((t) => t.consumerPid === own.consumerPid),
          { what: "the provider's transfer" },
        )
        await eventually(async () => (gate.held > 0 ? true : undefined), {
          what: 'the pull to reach the gated source',
        })
        const provider = (action: string) =>
          cluster.api<TransferView>(
            'provider',
            'POST',
            `/api/v1/transfers/${encodeURIComponent(theirs.id)}/${action}`,
            {},
          )
        const suspended = (t: TransferView) => t.state === 'SUSPENDED'
        const bothSides = async () => [
          (await transfers('consumer')).find((t) => t.id === own.id),
          (await transfers('provider')).find((t) => t.id === theirs.id),
        ]
        assert.equal((await provider('suspend')).status, 200)
        await eventually(
          async () => ((await bothSides()).every((t) => t !== undefined && suspended(t)) ? true : undefined),
          { what: 'both sides to be suspended', timeoutMs: 240_000 },
        )
        // Frozen, the consumer takes in nothing: the resumption (with a fresh token) and the second
        // suspension wait in order, and the provider is SUSPENDED before the token is used.
        const consumer = cluster.node('consumer').process
        consumer.kill('SIGSTOP')
        try {
          for (const action of ['resume', 'suspend']) {
            const { status, body } = await provider(action)
            assert.equal(status, 200, JSON.stringify(body))
          }
        } finally {
          consumer.kill('SIGCONT')
        }
        const suspensions = (t: TransferView) => t.history.filter((h) => h.state === 'SUSPENDED').length
        const settled = await eventually(
          async () => {
            const mine = (await transfers('consumer')).find((t) => t.id === own.id)
            if (mine === undefined) return undefined
            return suspensions(mine) >= 2 || mine.state === 'TERMINATED' ? mine : undefined
          },
          { what: 'the consumer to take in both suspensions', timeoutMs: 240_000 },
        )
        assert.equal(settled.state, 'SUSPENDED', JSON.stringify(settled.history))
        const providerSide = (await transfers('provider')).find((t) => t.id === theirs.id)
        assert.equal(providerSide?.state, 'SUSPENDED', JSON.stringify(providerSide?.history))
        // Resumed, it completes with the whole content.
        gate.open()
        await provider('resume')
        const done = await eventually(
          async () => {
            const mine = (await transfers('consumer')).find((t) => t.id === own.id)
            return mine?.state === 'COMPLETED' || mine?.state === 'TERMINATED' ? mine : undefined
          },
          { what: 'the resumed pull to end', timeoutMs: 240_000 },
        )
        assert.equal(done.state, 'COMPLETED', JSON.stringify(done.history))
        assert.equal(done.sha256, expected)
        assert.deepEqual(cluster.serverErrors, [])
      }))
  })

  describe('duties on a pair of their own', { concurrency: 2 }, () => {
    for (const [index, crash] of DUTY_CRASHES.entries()) {
      it(`duty: ${crash.side} killed after ${crash.after} (${crash.scenario}): both sides hold the same verdict`, () =>
        onLane(async (lane) => {
          const { cluster } = lane
          const agreement = await agreementFor(lane, lane.dutyDataset)
          const transfers = async (side: Side): Promise<TransferView[]> =>
            (await cluster.api<{ transfers: TransferView[] }>(side, 'GET', '/api/v1/transfers')).body
              .transfers
          const duties = async (side: Side): Promise<DutyView[]> =>
            (
              await cluster.api<DutyView[]>(
                side,
                'GET',
                `/api/v1/agreements/${encodeURIComponent(agreement)}/duties`,
              )
            ).body
          const known = new Set((await transfers('consumer')).map((t) => t.id))
          const providerKnown = new Set((await transfers('provider')).map((t) => t.id))
          const request = () =>
            cluster
              .api('consumer', 'POST', '/api/v1/transfers', { agreement, out: `duty-${index}.json` })
              .catch(() => undefined)
          const arm = (side: Side, after: string): CrashCase => ({
            side,
            after,
            scenario: 'transfer',
            ends: '',
          })
          if (crash.scenario === 'due') {
            await crashOn(cluster, arm(crash.side, crash.after), request)
          } else {
            // The consumer dies right after it tracked the use: it stays down past the due time.
            const armed =
              crash.side === 'provider' ? await rearm(cluster, arm('provider', crash.after)) : undefined
            const consumer = await rearm(cluster, arm('consumer', 'duty.tracked'))
            await request()
            await dies(cluster, consumer, 'consumer', 'duty.tracked')
            await cluster.exited('consumer')
            if (armed !== undefined) {
              await dies(cluster, armed, 'provider', 'duty.violated')
              await cluster.exited('provider')
              await cluster.start('provider')
            } else {
              // This use's deletion, not an earlier case's: a consumer back before this one is
              // overdue would delete in time, store no violation and never reach its crash point.
              await eventually(
                async () =>
                  (await duties('provider')).some(
                    (d) =>
                      d.transfer !== undefined &&
                      !providerKnown.has(d.transfer) &&
                      d.action === 'delete' &&
                      d.state === 'violated',
                  )
                    ? true
                    : undefined,
                { what: 'the provider to find the deletion overdue', timeoutMs: 120_000 },
              )
            }
            if (crash.side === 'consumer') {
              // Back, it deletes late: dies after storing the violation, and starts again.
              const late = await startArmed(cluster, arm('consumer', crash.after))
              await dies(cluster, late, 'consumer', 'duty.violated')
              await cluster.exited('consumer')
            }
            await cluster.start('consumer')
            await cluster.meshed(['provider', 'consumer'])
          }
          const own = await eventually(
            async () =>
              (await transfers('consumer')).find((t) => !known.has(t.id) && t.state === 'COMPLETED'),
            { what: 'the transfer to complete', timeoutMs: 240_000 },
          )
          const theirs = await eventually(
            async () => (await transfers('provider')).find((t) => t.consumerPid === own.consumerPid),
            { what: "the provider's transfer" },
          )
          const [mine, provided] = await eventually(
            async () => {
              const use = (d: DutyView) => d.transfer === theirs.id
              const consumerSide = (await duties('consumer')).filter(use)
              const providerSide = (await duties('provider')).filter(use)
              const settled =
                consumerSide.length === 3 &&
                consumerSide.every(
                  (d) => d.state !== 'pending' && (d.action === 'log' || d.delivered === true),
                ) &&
                providerSide
                  .filter((d) => d.action !== 'log')
                  .every((d) => d.state !== 'pending' && d.evidence !== undefined) &&
                providerSide.length === 3
              return settled ? ([consumerSide, providerSide] as const) : undefined
            },
            // Evidence is re-sent until the provider answers, at most a minute apart.
            { what: 'both sides to settle the duties of the use', timeoutMs: 240_000 },
          )
          const stateOf = (views: readonly DutyView[], action: string) =>
            views.find((d) => d.action === action)?.state
          assert.equal(
            stateOf(mine, 'delete'),
            stateOf(provided, 'delete'),
            JSON.stringify({ mine, provided }),
          )
          if (crash.scenario === 'overdue') assert.equal(stateOf(provided, 'delete'), 'violated')
          assert.equal(stateOf(mine, 'inform'), 'fulfilled')
          assert.equal(stateOf(provided, 'inform'), 'fulfilled')
          assert.equal(stateOf(mine, 'log'), 'fulfilled')
          await assert.rejects(stat(own.out!), { code: 'ENOENT' }, 'the consumer deleted the data')
          assert.deepEqual(cluster.serverErrors, [])
        }))
    }
  })

  it('audit verify passes on every node after all the crashes, and no API answered 500', async () => {
    for (const { cluster } of lanes) {
      for (const side of SIDES) {
        const result = await cluster.auditVerify(side)
        assert.equal(result.code, 0, `${side}: ${result.stdout}${result.stderr}`)
      }
      assert.deepEqual(cluster.serverErrors, [])
    }
  })

  /** A finalized agreement of the consumer for `dataset` (negotiated once per lane). */
  async function agreementFor(lane: Lane, dataset: string): Promise<string> {
    const known = lane.agreements.get(dataset)
    if (known !== undefined) return known
    const { cluster } = lane
    const { body } = await cluster.api<NegotiationView>('consumer', 'POST', '/api/v1/negotiations', {
      provider: cluster.did('provider'),
      dataset,
      purpose: FLOOD_WARNING,
    })
    const finalized = await eventually(
      async () => {
        const all = await cluster.api<{ negotiations: NegotiationView[] }>(
          'consumer',
          'GET',
          '/api/v1/negotiations',
        )
        return all.body.negotiations.find((n) => n.id === body.id && n.state === 'FINALIZED')
      },
      { what: 'a finalized agreement', timeoutMs: 120_000 },
    )
    lane.agreements.set(dataset, finalized.agreementId!)
    return finalized.agreementId!
  }
})

function crashEnv(crash: CrashCase): Record<string, string> {
  return { ALLMENDE_TEST_CRASH_AFTER: `${crash.after}@${crash.side}` }
}

/**
 * Waits for `side` to die after storing `after`; when it does not, the failure shows the last steps
 * both nodes stored (which step came instead, or where the exchange stopped).
 */
async function dies(cluster: Cluster, node: { exited: Promise<unknown> }, side: Side, after: string) {
  try {
    await within(node.exited, 180_000, `the ${side} to die after ${after}`)
  } catch (error) {
    const steps = await Promise.all(
      SIDES.filter((s) => cluster.isRunning(s)).map(
        async (s) => `${s} stored last:\n${await cluster.recentSteps(s).catch((e: Error) => e.message)}`,
      ),
    )
    throw new Error(`${(error as Error).message}\n${steps.join('\n')}`)
  }
}

/**
 * Starts `crash.side` armed with its crash point; the crash may come while it starts (as it resumes
 * the work a restart finds), before it is ready: then it has ended already.
 */
async function startArmed(cluster: Cluster, crash: CrashCase): Promise<{ exited: Promise<unknown> }> {
  try {
    return await cluster.start(crash.side, crashEnv(crash))
  } catch (error) {
    // Exited by a signal before ready: SIGKILL at its crash point, the only signal a start gets here.
    if (/exited with null before ready/.test((error as Error).message)) return { exited: Promise.resolve() }
    throw error
  }
}

/** Restarts `crash.side` armed with its crash point (once the pair has met again). */
async function rearm(cluster: Cluster, crash: CrashCase): Promise<{ exited: Promise<unknown> }> {
  await cluster.stop(crash.side)
  const node = await cluster.start(crash.side, crashEnv(crash))
  await cluster.meshed(['provider', 'consumer'])
  return node
}

/**
 * Restarts `crash.side` armed with its crash point, runs `trigger`, waits for the side to die
 * there, and starts it again unarmed.
 */
async function crashOn(cluster: Cluster, crash: CrashCase, trigger: () => Promise<unknown>): Promise<void> {
  const crashing = await rearm(cluster, crash)
  await trigger()
  await restartAfter(cluster, crash, crashing)
}

/**
 * The consumer comes back from a crash mid-pull and asks again: a crashing consumer dies on the
 * fresh token, a crashing provider once it stored it (perhaps already for the consumer's retry
 * while the provider itself restarted, so the pair is not waited for before).
 */
async function crashOnReissue(cluster: Cluster, crash: CrashCase): Promise<void> {
  let crashing: { exited: Promise<unknown> } | undefined
  if (crash.side === 'provider') {
    await cluster.stop('provider')
    crashing = await startArmed(cluster, crash)
  }
  await cluster.kill('consumer')
  const consumer =
    crash.side === 'consumer' ? await startArmed(cluster, crash) : await cluster.start('consumer')
  await restartAfter(cluster, crash, crashing ?? consumer)
}

/** Waits for `crash.side` to die at its crash point, and starts it again unarmed. */
async function restartAfter(cluster: Cluster, crash: CrashCase, crashing: { exited: Promise<unknown> }) {
  await dies(cluster, crashing, crash.side, crash.after)
  await cluster.exited(crash.side)
  await cluster.start(crash.side)
  await cluster.meshed(['provider', 'consumer'])
}
