import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { agreementFromOffer, sameTerms } from '../../../src/contract/index.js'
import { compilePolicy } from '../../../src/policy/index.js'
import type { MessageOffer } from '../../../src/protocol/index.js'

const PROVIDER = 'did:key:z6MkProvider'
const CONSUMER = 'did:key:z6MkConsumer'
const DATASET = 'urn:allmende:dataset:pegel'

/** Use is both permitted and prohibited: only the conflict strategy decides. */
function offerWith(conflict?: string): MessageOffer {
  return {
    '@type': 'Offer',
    '@id': 'urn:allmende:offer:pegel',
    target: DATASET,
    permission: [{ action: 'use' }],
    prohibition: [{ action: 'use' }],
    ...(conflict === undefined ? {} : { conflict }),
  } as MessageOffer
}

function agreed(offer: MessageOffer) {
  return agreementFromOffer(offer, {
    uid: 'urn:uuid:0b5c7c1e-6f43-4d7e-9e51-9d2f4e1c2a10',
    assigner: PROVIDER,
    assignee: CONSUMER,
    target: DATASET,
    timestamp: new Date('2026-12-05T10:00:00Z'),
  })
}

function decisionOf(offer: MessageOffer): string {
  const agreement = agreed(offer)
  const policy = { '@context': 'http://www.w3.org/ns/odrl.jsonld', ...agreement, uid: agreement['@id'] }
  return compilePolicy(policy).decide({ action: 'use', target: DATASET, assignee: CONSUMER }, {})
}

describe('the agreement made from an offer', () => {
  it("keeps the offer's conflict strategy, so the agreement decides as the offer promised", () => {
    assert.equal(agreed(offerWith('perm')).conflict, 'perm')
    assert.equal(decisionOf(offerWith('perm')), 'permit')
    assert.equal(decisionOf(offerWith('prohibit')), 'deny')
    assert.equal(agreed(offerWith()).conflict, undefined)
  })

  it('counts a different conflict strategy as different terms', () => {
    assert.equal(sameTerms(offerWith('perm'), offerWith('perm')), true)
    assert.equal(sameTerms(offerWith('perm'), offerWith('prohibit')), false)
    assert.equal(sameTerms(offerWith(), offerWith()), true)
  })
})
