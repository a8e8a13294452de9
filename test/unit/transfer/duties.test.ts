import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AuditLog, verifyAuditLog } from '../../../src/audit/index.js'
import type { AgreementRecord } from '../../../src/contract/index.js'
import { generateNodeKey, type NodeKey } from '../../../src/identity/index.js'
import { createSilentLogger } from '../../../src/log/index.js'
import { Store } from '../../../src/store/index.js'
import {
  ALLMENDE_LOG_ACTION,
  addDuration,
  type DutyMessage,
  DutyTracker,
  dueOf,
  dutiesOf,
  parseXsdDuration,
  signDutyMessage,
  type TransferProcessRecord,
  verifyDutyMessage,
} from '../../../src/transfer/index.js'
import { eventually } from '../../support/cli-process.js'
import { tempDir } from '../../support/temp-dir.js'

const PROVIDER = 'did:key:z6MkgD827ME69PqeQwsx5Qyr7jPSfT24gnLPiv4Tze4gCXEx'
const CONSUMER = 'did:key:z6Mkk97Udn9XhH4h3y6pnLXKSbLRE8kQtRs1DKKMCVfnkBYP'
const PURPOSE = 'https://w3id.org/allmende/odrl#FloodWarning'

function agreement(
  id: string,
  duties: Record<string, unknown>[],
  parties: { provider: string; consumer: string; role: 'provider' | 'consumer' } = {
    provider: PROVIDER,
    consumer: CONSUMER,
    role: 'provider',
  },
  extra: Record<string, unknown> = {},
): AgreementRecord {
  return {
    id,
    negotiationId: 'urn:uuid:n',
    role: parties.role,
    provider: parties.provider,
    consumer: parties.consumer,
    datasetId: 'urn:uuid:dataset',
    purpose: PURPOSE,
    concluded: '2026-11-22T10:00:00.000Z',
    credential: {
      credentialSubject: {
        agreement: {
          '@type': 'Agreement',
          uid: id,
          target: 'urn:uuid:dataset',
          assigner: parties.provider,
          assignee: parties.consumer,
          permission: [{ action: 'use', duty: duties }],
          ...extra,
        },
      },
    },
  }
}

const duration = (value: string) => ({ '@value': value, '@type': 'xsd:duration' })
const deleteAfter = (period: string, operator = 'eq') => ({
  action: 'delete',
  constraint: [{ leftOperand: 'delayPeriod', operator, rightOperand: duration(period) }],
})

describe('parseXsdDuration / addDuration', () => {
  it('reads days, weeks, time parts and calendar parts', () => {
    assert.deepEqual(parseXsdDuration('P30D'), { years: 0, months: 0, days: 30, milliseconds: 0 })
    assert.deepEqual(parseXsdDuration('PT2S'), { years: 0, months: 0, days: 0, milliseconds: 2000 })
    assert.deepEqual(parseXsdDuration('P1W'), { years: 0, months: 0, days: 7, milliseconds: 0 })
    assert.deepEqual(parseXsdDuration('P1Y2MT1H0.5S'), {
      years: 1,
      months: 2,
      days: 0,
      milliseconds: 3_600_500,
    })
  })

  it('refuses what is not a non-negative duration', () => {
    for (const bad of ['P', 'PT', '30D', '-P1D', 'P1H', 'PT1D', '']) {
      assert.throws(() => parseXsdDuration(bad), { code: 'ALLMENDE_INVALID_INPUT' }, bad)
    }
  })

  it('adds calendar parts in UTC and time parts exactly', () => {
    const start = new Date('2026-11-22T10:00:00.000Z')
    assert.equal(addDuration(start, 'P30D').toISOString(), '2026-12-22T10:00:00.000Z')
    assert.equal(addDuration(start, 'PT2S').toISOString(), '2026-11-22T10:00:02.000Z')
    assert.equal(addDuration(start, 'P1Y2M').toISOString(), '2028-01-22T10:00:00.000Z')
  })
})

describe('dutiesOf(agreement)', () => {
  it('reads delete with delayPeriod eq as "at", lteq and elapsedTime as "by"', () => {
    const duties = dutiesOf(
      agreement('urn:a:1', [
        deleteAfter('P30D'),
        deleteAfter('PT2S', 'lteq'),
        {
          action: 'http://www.w3.org/ns/odrl/2/delete',
          constraint: [{ leftOperand: 'odrl:elapsedTime', operator: 'lteq', rightOperand: 'P1D' }],
        },
      ]),
    )
    assert.deepEqual(
      duties.map((d) => [d.id, d.action, d.period, d.timing]),
      [
        ['permission[0].duty[0]', 'delete', 'P30D', 'at'],
        ['permission[0].duty[1]', 'delete', 'PT2S', 'by'],
        ['permission[0].duty[2]', 'delete', 'P1D', 'by'],
      ],
    )
  })

  it('reads inform (informed party defaults to the assigner), log in its three spellings, and obligations', () => {
    const duties = dutiesOf(
      agreement(
        'urn:a:2',
        [
          { action: 'inform' },
          { '@id': 'urn:duty:notify-city', action: 'inform', informedParty: 'did:web:kusel.de' },
          { action: 'allmende:log' },
          { action: { '@id': ALLMENDE_LOG_ACTION } },
          { action: 'compensate' },
        ],
        undefined,
        { obligation: [{ action: 'log' }] },
      ),
    )
    assert.deepEqual(
      duties.map((d) => [d.id, d.action, d.informedParty]),
      [
        ['permission[0].duty[0]', 'inform', PROVIDER],
        ['urn:duty:notify-city', 'inform', 'did:web:kusel.de'],
        ['permission[0].duty[2]', 'log', undefined],
        ['permission[0].duty[3]', 'log', undefined],
        ['obligation[0]', 'log', undefined],
      ],
    )
  })

  it('takes an absolute dateTime deadline; the due time is the earlier of period and deadline', () => {
    const [duty] = dutiesOf(
      agreement('urn:a:3', [
        {
          action: { 'rdf:value': { '@id': 'odrl:delete' }, refinement: [] },
          constraint: [
            {
              and: [
                { leftOperand: 'delayPeriod', operator: 'lteq', rightOperand: duration('P30D') },
                {
                  leftOperand: 'dateTime',
                  operator: 'lteq',
                  rightOperand: { '@value': '2026-12-01T00:00:00Z', '@type': 'xsd:dateTime' },
                },
              ],
            },
          ],
        },
      ]),
    )
    assert.equal(duty?.action, 'delete')
    assert.equal(duty?.deadline, '2026-12-01T00:00:00.000Z')
    assert.equal(dueOf(duty!, new Date('2026-11-22T10:00:00Z'))?.toISOString(), '2026-12-01T00:00:00.000Z')
    assert.equal(dueOf(duty!, new Date('2026-11-01T00:00:00Z'))?.toISOString(), '2026-12-01T00:00:00.000Z')
    assert.equal(dueOf(duty!, new Date('2026-10-01T00:00:00Z'))?.toISOString(), '2026-10-31T00:00:00.000Z')
  })

  it('refuses a duty period that is not a duration, and an agreement without duties has none', () => {
    assert.throws(() => dutiesOf(agreement('urn:a:4', [deleteAfter('thirty days')])), {
      code: 'ALLMENDE_INVALID_INPUT',
    })
    assert.deepEqual(dutiesOf(agreement('urn:a:5', [])), [])
  })
})

describe('signDutyMessage / verifyDutyMessage', () => {
  let key: NodeKey
  before(async () => {
    key = await generateNodeKey()
  })
  const receipt = (consumer: string) =>
    ({
      type: 'DeletionReceipt',
      agreement: 'urn:a:1',
      duty: 'permission[0].duty[0]',
      transfer: 'urn:uuid:t',
      sha256: 'a'.repeat(64),
      deletedAt: '2026-11-22T10:00:02.000Z',
      consumer,
      provider: PROVIDER,
    }) as const

  it('verifies what the consumer signed, against its did:key', () => {
    const signed = signDutyMessage(receipt(key.did), key)
    const check = verifyDutyMessage(JSON.parse(JSON.stringify(signed)))
    assert.equal(check.ok, true)
  })

  it('refuses a changed field, an unsigned extra field, a missing signature and a foreign signer', async () => {
    const signed = signDutyMessage(receipt(key.did), key)
    const changed = verifyDutyMessage({ ...signed, deletedAt: '2026-11-22T10:00:01.000Z' })
    assert.equal(changed.ok, false)
    assert.match((changed as { problem: string }).problem, /signature does not match/)
    assert.match(
      (verifyDutyMessage({ ...signed, note: 'x' }) as { problem: string }).problem,
      /unsigned fields: note/,
    )
    const { signature: _s, ...unsigned } = signed
    assert.equal(verifyDutyMessage(unsigned).ok, false)
    const other = await generateNodeKey()
    const forged = { ...signDutyMessage(receipt(other.did), other), consumer: key.did }
    assert.equal(verifyDutyMessage(forged).ok, false)
    assert.throws(() => signDutyMessage(receipt(other.did), key), { code: 'ALLMENDE_INVALID_INPUT' })
  })
})

/** One side of the duty protocol: its own store, audit log and key; the clock is the test's. */
interface Side {
  key: NodeKey
  store: Store
  audit: AuditLog
  tracker: DutyTracker
  agreements: Map<string, AgreementRecord>
  transfers: Map<string, TransferProcessRecord>
}

describe('DutyTracker', () => {
  let dir: string
  let now = new Date('2026-11-22T10:00:00.000Z')
  const clock = () => new Date(now.getTime())
  const sides: Side[] = []
  let provider: Side
  let consumer: Side
  /** Messages the consumer sends; `deliver` off simulates an unreachable provider. */
  let deliver = true
  const sent: DutyMessage[] = []

  async function side(name: string, send: (message: DutyMessage) => Promise<unknown>): Promise<Side> {
    const store = await Store.open(join(dir, name))
    const key = await generateNodeKey()
    const audit = new AuditLog({ store, nodeKey: key, clock })
    const agreements = new Map<string, AgreementRecord>()
    const transfers = new Map<string, TransferProcessRecord>()
    const s: Side = {
      key,
      store,
      audit,
      agreements,
      transfers,
      tracker: new DutyTracker(
        {
          store,
          audit,
          nodeKey: key,
          clock,
          log: createSilentLogger(),
          messenger: { send: async (_peer, message) => (await send(message)) as never },
          agreements: { getAgreement: async (id) => agreements.get(id) },
          transfers: {
            get: async (id) => transfers.get(id),
            list: async () => [...transfers.values()],
          },
        },
        { retryMs: 20 },
      ),
    }
    sides.push(s)
    return s
  }

  before(async () => {
    dir = await tempDir('allmende-duties-')
    provider = await side('provider', async () => {
      throw new Error('the provider sends nothing')
    })
    consumer = await side('consumer', async (message) => {
      if (!deliver) throw new Error('provider unreachable')
      sent.push(message)
      return provider.tracker.handle(message, consumer.key.did)
    })
  })

  after(async () => {
    for (const s of sides) {
      s.tracker.stop()
      await s.store.close().catch(() => undefined)
    }
  })

  /** Both sides hold the agreement and one completed transfer; the consumer's data is in `out`. */
  async function completed(id: string, duties: Record<string, unknown>[], content = 'zeit,pegel\n') {
    const parties = { provider: provider.key.did, consumer: consumer.key.did }
    provider.agreements.set(id, agreement(id, duties, { ...parties, role: 'provider' }))
    consumer.agreements.set(id, agreement(id, duties, { ...parties, role: 'consumer' }))
    const out = join(dir, `${id.replace(/\W/g, '_')}.csv`)
    await writeFile(out, content)
    const sha256 = createHash('sha256').update(content).digest('hex')
    const receipt = {
      agreement: id,
      transfer: `${id}:provider-transfer`,
      bytes: content.length,
      sha256,
      time: now.toISOString(),
      provider: parties.provider,
      consumer: parties.consumer,
      signatures: {},
    }
    const base = {
      consumerPid: `${id}:consumer-transfer`,
      agreementId: id,
      datasetId: 'urn:uuid:dataset',
      format: 'allmende-libp2p-PULL',
      state: 'COMPLETED' as const,
      bytes: content.length,
      sha256,
      receipt,
      history: [],
      created: now.toISOString(),
      updated: now.toISOString(),
    }
    const onProvider: TransferProcessRecord = {
      ...base,
      id: receipt.transfer,
      role: 'provider',
      providerPid: receipt.transfer,
      counterparty: parties.consumer,
    }
    const onConsumer: TransferProcessRecord = {
      ...base,
      id: base.consumerPid,
      role: 'consumer',
      providerPid: receipt.transfer,
      counterparty: parties.provider,
      out,
    }
    provider.transfers.set(onProvider.id, onProvider)
    consumer.transfers.set(onConsumer.id, onConsumer)
    await provider.tracker.onTransferCompleted(onProvider)
    await consumer.tracker.onTransferCompleted(onConsumer)
    return { out, sha256, transfer: receipt.transfer }
  }

  const types = async (s: Side) => (await s.audit.list()).map((e) => e.type)

  it('lists a duty as pending before any transfer, and refuses an unknown agreement', async () => {
    provider.agreements.set('urn:a:none', agreement('urn:a:none', [deleteAfter('PT2S')]))
    assert.deepEqual(await provider.tracker.list('urn:a:none'), [
      { duty: 'permission[0].duty[0]', action: 'delete', state: 'pending' },
    ])
    await assert.rejects(provider.tracker.list('urn:a:unknown'), { code: 'ALLMENDE_NOT_FOUND' })
  })

  it('delete PT2S: pending until due; then the consumer deletes and the provider holds a verified receipt', async () => {
    const { out, sha256, transfer } = await completed('urn:a:delete', [deleteAfter('PT2S')])
    const [pendingView] = await provider.tracker.list('urn:a:delete')
    assert.equal(pendingView?.state, 'pending')
    assert.equal(pendingView?.due, '2026-11-22T10:00:02.000Z')
    now = new Date('2026-11-22T10:00:01.900Z')
    await consumer.tracker.tick()
    await stat(out) // still there before the period ends
    now = new Date('2026-11-22T10:00:02.000Z')
    await consumer.tracker.tick()
    await assert.rejects(stat(out), { code: 'ENOENT' })
    const view = await eventually(
      async () => {
        const [v] = await provider.tracker.list('urn:a:delete')
        return v?.state === 'fulfilled' ? v : undefined
      },
      { what: 'the provider to see the duty fulfilled', intervalMs: 10 },
    )
    assert.equal(view.transfer, transfer)
    assert.equal(view.verified, true)
    const evidence = view.evidence as DutyMessage
    assert.equal(evidence.type, 'DeletionReceipt')
    assert.equal(evidence.type === 'DeletionReceipt' && evidence.sha256, sha256)
    assert.equal(verifyDutyMessage(evidence).ok, true)
    const mine = await eventually(
      async () => {
        const [v] = await consumer.tracker.list('urn:a:delete')
        return v?.delivered === true ? v : undefined
      },
      { what: 'the acknowledgement on the consumer', intervalMs: 10 },
    )
    assert.equal(mine.state, 'fulfilled')
    // A repeated receipt (its acknowledgement lost) is answered again and recorded once.
    assert.equal((await provider.tracker.handle(evidence, consumer.key.did)).state, 'fulfilled')
    assert.equal((await types(provider)).filter((t) => t === 'duty.fulfilled').length, 1)
    assert.ok((await types(consumer)).includes('duty.deleted'))
    for (const s of [provider, consumer]) {
      assert.equal((await verifyAuditLog(s.store, { did: s.key.did })).ok, true)
    }
  })

  it('without a receipt the provider marks the delete duty violated once due time and grace passed', async () => {
    now = new Date('2026-11-22T11:00:00.000Z')
    deliver = false
    const { out } = await completed('urn:a:silent', [deleteAfter('PT2S')])
    now = new Date('2026-11-22T11:00:03.900Z') // due + 1.9 s: within the 2 s grace
    assert.equal((await provider.tracker.list('urn:a:silent'))[0]?.state, 'pending')
    now = new Date('2026-11-22T11:00:04.100Z')
    const [view] = await provider.tracker.list('urn:a:silent')
    assert.equal(view?.state, 'violated')
    assert.equal(view?.violatedAt, '2026-11-22T11:00:04.100Z')
    assert.ok((await types(provider)).includes('duty.violated'))
    // The consumer deletes late (it was down): its own record says so, and the late receipt,
    // once it arrives, does not turn the provider's violation into a fulfilment.
    await consumer.tracker.tick()
    await assert.rejects(stat(out), { code: 'ENOENT' })
    assert.equal((await consumer.tracker.list('urn:a:silent'))[0]?.state, 'violated')
    deliver = true
    await consumer.tracker.start()
    const later = await eventually(
      async () => {
        const [v] = await provider.tracker.list('urn:a:silent')
        return v?.evidence === undefined ? undefined : v
      },
      { what: 'the late receipt', intervalMs: 10 },
    )
    assert.equal(later.state, 'violated')
    assert.equal((later.evidence as DutyMessage).type, 'DeletionReceipt')
    assert.ok(sent.some((m) => m.agreement === 'urn:a:silent'))
  })

  it('inform: the provider receives a verified usage notice; log: the consumer writes duty.log', async () => {
    now = new Date('2026-11-22T12:00:00.000Z')
    const { transfer } = await completed('urn:a:inform', [{ action: 'inform' }, { action: 'allmende:log' }])
    const [inform, log] = await eventually(
      async () => {
        const views = await provider.tracker.list('urn:a:inform')
        return views[0]?.state === 'fulfilled' ? views : undefined
      },
      { what: 'the notice on the provider', intervalMs: 10 },
    )
    const notice = inform!.evidence as DutyMessage
    assert.equal(notice.type, 'UsageNotice')
    assert.equal(notice.type === 'UsageNotice' && notice.purpose, PURPOSE)
    assert.equal(notice.transfer, transfer)
    assert.equal(verifyDutyMessage(notice).ok, true)
    // The provider cannot observe the consumer's log: not set.
    assert.equal(log?.state, 'pending')
    const mine = await consumer.tracker.list('urn:a:inform')
    assert.equal(mine[1]?.state, 'fulfilled')
    const seq = (mine[1]!.evidence as { auditSeq: number }).auditSeq
    const entry = await consumer.audit.get(seq)
    assert.equal(entry?.type, 'duty.log')
    assert.equal((entry!.data as { agreement: string }).agreement, 'urn:a:inform')
    await eventually(
      async () =>
        (await consumer.tracker.list('urn:a:inform'))[0]?.state === 'fulfilled' ? true : undefined,
      { what: 'the consumer to see its notice acknowledged', intervalMs: 10 },
    )
  })

  it('refuses duty messages not signed by the sender, for another transfer, or with other content', async () => {
    now = new Date('2026-11-22T13:00:00.000Z')
    deliver = false
    const { transfer } = await completed('urn:a:refuse', [{ action: 'inform' }, deleteAfter('P30D')])
    const body = {
      type: 'DeletionReceipt' as const,
      agreement: 'urn:a:refuse',
      duty: 'permission[0].duty[1]',
      transfer,
      sha256: 'b'.repeat(64),
      deletedAt: now.toISOString(),
      consumer: consumer.key.did,
      provider: provider.key.did,
    }
    const stranger = await generateNodeKey()
    await assert.rejects(provider.tracker.handle(signDutyMessage(body, consumer.key), stranger.did), {
      code: 'ALLMENDE_INVALID_INPUT',
    })
    await assert.rejects(
      provider.tracker.handle(signDutyMessage(body, consumer.key), consumer.key.did),
      /names content/,
    )
    const wrongDuty = signDutyMessage({ ...body, duty: 'permission[0].duty[0]' }, consumer.key)
    await assert.rejects(provider.tracker.handle(wrongDuty, consumer.key.did), /no delete duty/)
    const otherTransfer = signDutyMessage({ ...body, transfer: 'urn:uuid:other' }, consumer.key)
    await assert.rejects(provider.tracker.handle(otherTransfer, consumer.key.did), /no completed transfer/)
    const views = await provider.tracker.list('urn:a:refuse')
    assert.deepEqual(
      views.map((v) => v.state),
      ['pending', 'pending'],
    )
    assert.equal(views[1]?.due, '2026-12-22T13:00:00.000Z')
    deliver = true
  })

  it('a due deletion survives a restart: a new tracker on the same store deletes at once when past due', async () => {
    now = new Date('2026-11-22T14:00:00.000Z')
    deliver = false
    const { out } = await completed('urn:a:restart', [deleteAfter('PT1H', 'lteq')])
    consumer.tracker.stop()
    now = new Date('2026-11-22T14:59:00.000Z')
    deliver = true
    const restarted = new DutyTracker({
      store: consumer.store,
      audit: consumer.audit,
      nodeKey: consumer.key,
      clock,
      log: createSilentLogger(),
      messenger: { send: async (_peer, message) => provider.tracker.handle(message, consumer.key.did) },
      agreements: { getAgreement: async (id) => consumer.agreements.get(id) },
      transfers: {
        get: async (id) => consumer.transfers.get(id),
        list: async () => [...consumer.transfers.values()],
      },
    })
    consumer.tracker = restarted
    await restarted.start()
    assert.equal(await readFile(out, 'utf8'), 'zeit,pegel\n') // not yet due
    now = new Date('2026-11-22T15:00:00.000Z')
    restarted.stop()
    await restarted.start()
    await assert.rejects(stat(out), { code: 'ENOENT' })
    await eventually(
      async () => {
        const [v] = await provider.tracker.list('urn:a:restart')
        return v?.state === 'fulfilled' ? v : undefined
      },
      { what: 'the receipt after the restart', intervalMs: 10 },
    )
  })
})
