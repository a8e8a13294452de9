import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { AgreementRecord } from '../../../../src/contract/index.js'
import { AgreementPolicies, agreementPolicyOf, usageWorld } from '../../../../src/transfer/index.js'

const PROVIDER = 'did:key:z6MkgD827ME69PqeQwsx5Qyr7jPSfT24gnLPiv4Tze4gCXEx'
const CONSUMER = 'did:key:z6Mkk97Udn9XhH4h3y6pnLXKSbLRE8kQtRs1DKKMCVfnkBYP'
const FLOOD_WARNING = 'https://w3id.org/allmende/odrl#FloodWarning'
const CONCLUDED = '2026-11-22T10:00:00.000Z'

/** An agreement record as the negotiation stores it: the ODRL Agreement inside its credential. */
function agreementWith(id: string, constraint: Record<string, unknown>[]): AgreementRecord {
  return {
    id,
    negotiationId: 'urn:uuid:n',
    role: 'provider',
    provider: PROVIDER,
    consumer: CONSUMER,
    datasetId: 'urn:uuid:dataset',
    purpose: FLOOD_WARNING,
    concluded: CONCLUDED,
    credential: {
      '@context': [
        'https://www.w3.org/ns/credentials/v2',
        'https://www.w3.org/ns/odrl.jsonld',
        'https://w3id.org/allmende/v1',
      ],
      type: ['VerifiableCredential', 'ContractAgreementCredential'],
      credentialSubject: {
        agreement: {
          '@type': 'Agreement',
          uid: id,
          target: 'urn:uuid:dataset',
          assigner: PROVIDER,
          assignee: CONSUMER,
          permission: [{ action: 'use', constraint }],
        },
      },
    },
  }
}

const facts = (over: Partial<Parameters<typeof usageWorld>[0]> = {}) =>
  usageWorld({
    now: new Date('2026-11-22T12:00:00Z'),
    usesSoFar: 0,
    newUse: true,
    consumer: CONSUMER,
    purpose: FLOOD_WARNING,
    concluded: CONCLUDED,
    isMember: true,
    ...over,
  })

describe('usageWorld', () => {
  it('counts this use when it is new, not when it resumes one already counted', () => {
    assert.equal(facts({ usesSoFar: 2 }).count, 3)
    assert.equal(facts({ usesSoFar: 2, newUse: false }).count, 2)
  })

  it('measures elapsed time from the conclusion of the agreement, in seconds', () => {
    assert.equal(facts().elapsedTime, 7200)
    assert.equal(facts({ now: new Date('2026-11-22T09:00:00Z') }).elapsedTime, 0)
  })

  it('names the consumer as recipient and carries the declared purpose', () => {
    const world = facts()
    assert.equal(world.recipient, CONSUMER)
    assert.equal(world.purpose, FLOOD_WARNING)
  })
})

describe('agreementPolicyOf', () => {
  it('takes the Agreement out of its credential under the ODRL context', () => {
    const policy = agreementPolicyOf(agreementWith('urn:uuid:a', []).credential)
    assert.equal(policy['@context'], 'http://www.w3.org/ns/odrl.jsonld')
    assert.equal(policy['@type'], 'Agreement')
  })

  it('refuses a credential without an agreement', () => {
    assert.throws(() => agreementPolicyOf({ credentialSubject: {} }), /no agreement/)
  })
})

describe('AgreementPolicies.decide', () => {
  const policies = new AgreementPolicies()

  it('permits three uses under count lteq 3 and denies the fourth, naming the count', async () => {
    const agreement = agreementWith('urn:uuid:three', [
      { leftOperand: 'count', operator: 'lteq', rightOperand: { '@value': '3', '@type': 'xsd:integer' } },
    ])
    for (const usesSoFar of [0, 1, 2]) {
      assert.equal(
        (await policies.decide(agreement, facts({ usesSoFar }))).permit,
        true,
        `use ${usesSoFar + 1}`,
      )
    }
    const fourth = await policies.decide(agreement, facts({ usesSoFar: 3 }))
    assert.equal(fourth.permit, false)
    assert.match(fourth.reasons.join(' '), /count must be at most 3, but it is 4/)
    // Resuming the third transfer is no fourth use.
    assert.equal((await policies.decide(agreement, facts({ usesSoFar: 3, newUse: false }))).permit, true)
  })

  it('denies outside the time window', async () => {
    const agreement = agreementWith('urn:uuid:window', [
      {
        leftOperand: 'dateTime',
        operator: 'lt',
        rightOperand: { '@value': '2026-11-22T11:00:00Z', '@type': 'xsd:dateTime' },
      },
    ])
    assert.equal(
      (await policies.decide(agreement, facts({ now: new Date('2026-11-22T10:30:00Z') }))).permit,
      true,
    )
    const late = await policies.decide(agreement, facts({ now: new Date('2026-11-22T11:30:00Z') }))
    assert.equal(late.permit, false)
    assert.match(late.reasons.join(' '), /dateTime/)
  })

  it('checks the declared purpose', async () => {
    const agreement = agreementWith('urn:uuid:purpose', [
      { leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': FLOOD_WARNING } },
    ])
    assert.equal((await policies.decide(agreement, facts())).permit, true)
    const other = await policies.decide(
      agreement,
      facts({ purpose: 'https://w3id.org/allmende/odrl#TourismPromotion' }),
    )
    assert.equal(other.permit, false)
  })

  it('compiles each agreement once', async () => {
    const agreement = agreementWith('urn:uuid:once', [])
    assert.equal(await policies.policyOf(agreement), await policies.policyOf(agreement))
  })
})
