import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ApiServer, datasetRoutes } from '../../../src/api/index.js'
import { Catalog, InvalidOfferError, validateOfferWithPolicyEngine } from '../../../src/catalog/index.js'
import { createSilentLogger } from '../../../src/log/index.js'
import { issueMessage } from '../../../src/policy/index.js'
import { glanInput, ManualClock, roleConstraint, tempStore } from './fixtures.js'

/** An Offer whose one permission holds `constraint` (the catalog's clock stands at 2026-03-01). */
function offer(id: string, constraint: unknown) {
  return {
    offer: {
      '@context': 'http://www.w3.org/ns/odrl.jsonld',
      '@id': id,
      '@type': 'Offer',
      assigner: 'did:web:kusel.de',
      permission: [{ action: 'use', constraint: [constraint] }],
    },
  }
}
const expired = offer('urn:uuid:offer-2020', {
  leftOperand: 'dateTime',
  operator: 'lt',
  rightOperand: '2020-01-01',
})
const typo = offer('urn:uuid:offer-typo', {
  leftOperand: 'dateTime',
  operator: 'lteqq',
  rightOperand: '2027-12-31',
})

describe('publishing offers through the policy validator', () => {
  let dispose: () => Promise<void>
  let catalog: Catalog
  let api: ApiServer
  let url: string
  const token = 'test-token-offer-validation'

  before(async () => {
    const t = await tempStore()
    dispose = t.dispose
    catalog = new Catalog(
      { store: t.store, clock: new ManualClock() },
      { validateOffer: validateOfferWithPolicyEngine, evaluateConstraint: roleConstraint },
    )
    api = new ApiServer(createSilentLogger(), {
      host: '127.0.0.1',
      port: 0,
      token,
      routes: [(router) => datasetRoutes(router, catalog)],
    })
    url = await api.start()
  })

  after(async () => {
    await api.stop()
    await dispose()
  })

  it('publishes an offer that expired (by the catalog clock) and returns the warning with code and params', async () => {
    const { dataset, warnings } = await catalog.add(glanInput({ offers: [expired] }))
    assert.equal(dataset.version, 1)
    assert.equal(warnings.length, 1)
    const [w] = warnings
    assert.equal(w?.offerId, 'urn:uuid:offer-2020')
    assert.equal(w?.code, 'expired')
    assert.equal(w?.path, 'permission[0].constraint[0]')
    assert.match(
      issueMessage(w?.code ?? '', (w?.params ?? {}) as never, 'de'),
      /^Die Erlaubnis ist abgelaufen/,
    )
  })

  it('refuses an offer with errors and stores nothing; the API answers 400 with the findings as details', async () => {
    const before = (await catalog.list()).length
    await assert.rejects(catalog.add(glanInput({ offers: [typo] })), InvalidOfferError)
    const response = await fetch(`${url}/api/v1/datasets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(glanInput({ offers: [typo] })),
    })
    assert.equal(response.status, 400)
    const body = (await response.json()) as {
      error: {
        code: string
        details: { offers: { offerId: string; errors: { code: string; params: object }[] }[] }
      }
    }
    assert.equal(body.error.code, 'ALLMENDE_INVALID_OFFER')
    const [refused] = body.error.details.offers
    assert.equal(refused?.offerId, 'urn:uuid:offer-typo')
    assert.equal(refused?.errors[0]?.code, 'unknown-operator')
    assert.match(
      issueMessage('unknown-operator', refused?.errors[0]?.params as never, 'de'),
      /Unbekannter Operator "lteqq"/,
    )
    assert.equal((await catalog.list()).length, before)
  })
})
