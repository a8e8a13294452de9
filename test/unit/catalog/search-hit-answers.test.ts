import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type CatalogSearchHit, SearchHitAnswers } from '../../../src/catalog/index.js'

const FLOOD = 'https://w3id.org/allmende/odrl#FloodWarning'
const PROVIDER = 'did:key:z6MkProvider'
const SELF = 'did:key:z6MkSelf'

/** An offer for `assignee` alone, for flood warnings: explained in words that name the assignee. */
const offer = (id: string, assignee: string) => ({
  '@context': 'http://www.w3.org/ns/odrl.jsonld',
  '@type': 'Offer',
  '@id': id,
  permission: [
    {
      action: 'use',
      assignee,
      constraint: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': FLOOD } }],
    },
  ],
})

const hit = (changes: Partial<CatalogSearchHit> = {}): CatalogSearchHit => ({
  provider: PROVIDER,
  datasetId: 'urn:allmende:dataset:pegel',
  version: 1,
  title: 'Pegel Glan',
  description: 'Wasserstand',
  keyword: [],
  theme: [],
  publisher: 'Landkreis Kusel',
  local: false,
  offers: [offer('urn:allmende:offer:1', SELF)],
  ...changes,
})

interface HitAnswer {
  title: string
  providerName?: string
  offers: { id: string; terms: { de: string; en: string } }[]
}
const parsed = (json: string) => JSON.parse(json) as HitAnswer

describe('SearchHitAnswers', () => {
  it('answers a hit with its provider name and each offer in words, naming parties as this node knows them', () => {
    const answers = new SearchHitAnswers({ [SELF]: 'Stadt Mayen' })
    const answer = parsed(answers.json(hit(), 'Kusel'))
    assert.equal(answer.title, 'Pegel Glan')
    assert.equal(answer.providerName, 'Kusel')
    assert.equal(answer.offers[0]!.id, 'urn:allmende:offer:1')
    assert.match(answer.offers[0]!.terms.en, /Stadt Mayen may use the data only for flood warning/)
    assert.equal(parsed(answers.json(hit(), undefined)).providerName, undefined)
  })

  it("answers a hit as it is now: its provider's name and a changed dataset show at once", () => {
    const answers = new SearchHitAnswers()
    const cached = hit()
    assert.equal(parsed(answers.json(cached, 'Kusel')).providerName, 'Kusel')
    assert.equal(parsed(answers.json(cached, 'Landkreis Kusel')).providerName, 'Landkreis Kusel')
    const changed = parsed(answers.json(hit({ version: 2, title: 'Pegel Glan (neu)' }), 'Landkreis Kusel'))
    assert.equal(changed.title, 'Pegel Glan (neu)')
  })

  it('answers offers of the same terms each under its own id, explained with the names of their hit', () => {
    const answers = new SearchHitAnswers()
    const fromTemplate = parsed(
      answers.json(
        hit({
          offers: [offer('urn:allmende:offer:a', PROVIDER), offer('urn:allmende:offer:b', PROVIDER)],
        }),
        undefined,
      ),
    )
    assert.deepEqual(
      fromTemplate.offers.map((o) => o.id),
      ['urn:allmende:offer:a', 'urn:allmende:offer:b'],
    )
    assert.match(fromTemplate.offers[1]!.terms.en, /Landkreis Kusel may use/)
    // The same terms in a hit published under another name are explained with that name.
    const other = parsed(
      answers.json(
        hit({
          datasetId: 'urn:allmende:dataset:other',
          publisher: 'Verbandsgemeinde Kusel-Altenglan',
          offers: [offer('urn:allmende:offer:c', PROVIDER)],
        }),
        undefined,
      ),
    )
    assert.match(other.offers[0]!.terms.en, /Verbandsgemeinde Kusel-Altenglan may use/)
  })

  it("keeps each node's answers to itself: another instance explains with its own names", () => {
    const mayen = new SearchHitAnswers({ [SELF]: 'Stadt Mayen' })
    const andernach = new SearchHitAnswers({ [SELF]: 'Stadt Andernach' })
    const shared = hit()
    assert.match(parsed(mayen.json(shared, undefined)).offers[0]!.terms.en, /Stadt Mayen/)
    assert.match(parsed(andernach.json(shared, undefined)).offers[0]!.terms.en, /Stadt Andernach/)
  })
})
