import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { summarizeOffer } from '../../../src/catalog/index.js'
import { purposeIri } from '../../../src/policy/index.js'

const FLOOD = 'https://w3id.org/allmende/odrl#FloodWarning'

describe('summarizeOffer', () => {
  const offer = {
    '@context': 'http://www.w3.org/ns/odrl.jsonld',
    '@type': 'Offer',
    '@id': 'urn:allmende:offer:1',
    assigner: 'did:key:z6MkKusel',
    permission: [
      {
        action: 'use',
        constraint: [
          {
            or: [
              { leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': FLOOD } },
              { leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': 'https://example.org/Own' } },
            ],
          },
          {
            leftOperand: 'dateTime',
            operator: 'gteq',
            rightOperand: { '@value': '2026-01-01', '@type': 'xsd:date' },
          },
          {
            leftOperand: 'dateTime',
            operator: 'lteq',
            rightOperand: { '@value': '2027-12-31', '@type': 'xsd:date' },
          },
        ],
      },
    ],
  }

  it('names the purposes a consumer may declare, inside logical constraints too, with labels it knows', () => {
    const summary = summarizeOffer(offer)
    assert.deepEqual(summary.purposes, [
      { iri: FLOOD, label: { de: 'Hochwasserwarnung', en: 'flood warning' } },
      { iri: 'https://example.org/Own' },
    ])
    assert.equal(summary.validFrom, '2026-01-01')
    assert.equal(summary.validUntil, '2027-12-31')
    assert.equal(summary.id, 'urn:allmende:offer:1')
  })

  it('says the terms in German and English, with the names it is given', () => {
    const { terms } = summarizeOffer(offer, { 'did:key:z6MkKusel': 'Landkreis Kusel' })
    assert.match(terms.de, /Hochwasserwarnung/)
    assert.match(terms.en, /flood warning/)
  })

  it('keeps the id of an offer it cannot read and says why', () => {
    const summary = summarizeOffer({ '@id': 'urn:x', permission: 'nonsense' })
    assert.equal(summary.id, 'urn:x')
    assert.deepEqual(summary.purposes, [])
    assert.notEqual(summary.terms.de, '')
  })
})

describe('purposeIri', () => {
  it('takes short names, prefixed names and IRIs, and nothing else', () => {
    assert.equal(purposeIri('FloodWarning'), FLOOD)
    assert.equal(purposeIri('dpv:AcademicResearch'), 'https://w3id.org/dpv#AcademicResearch')
    assert.equal(purposeIri('allmende:FloodWarning'), FLOOD)
    assert.equal(purposeIri(FLOOD), FLOOD)
    assert.equal(purposeIri('Hochwasser'), undefined)
  })
})
