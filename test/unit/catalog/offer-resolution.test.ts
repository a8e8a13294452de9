import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { chooseOffer, OfferResolution } from '../../../src/catalog/index.js'
import { NotFoundError } from '../../../src/protocol/index.js'

const PROVIDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
const FIRST = { '@id': 'urn:uuid:offer-1', '@type': 'Offer' }
const SECOND = { '@id': 'urn:uuid:offer-2', '@type': 'Offer' }

describe('chooseOffer', () => {
  const where = { provider: `provider ${PROVIDER}`, dataset: 'urn:uuid:pegel' }

  it('takes the named offer, or the first without a name', () => {
    assert.equal(chooseOffer([FIRST, SECOND], 'urn:uuid:offer-2', where), SECOND)
    assert.equal(chooseOffer([FIRST, SECOND], undefined, where), FIRST)
  })

  it('says which provider offers no such offer for which dataset', () => {
    assert.throws(
      () => chooseOffer([FIRST], 'urn:uuid:offer-9', where),
      (error: Error) => {
        assert.ok(error instanceof NotFoundError)
        assert.match(
          error.message,
          /provider did:key:\S+ offers no offer urn:uuid:offer-9 for dataset urn:uuid:pegel/,
        )
        return true
      },
    )
    assert.throws(() => chooseOffer(undefined, undefined, where), /offers no offer for dataset/)
  })
})

describe('OfferResolution: where a contract request finds its offer', () => {
  const federated = {
    offerOf: async (provider: string, dataset: string, offerId?: string) =>
      chooseOffer([FIRST, SECOND], offerId, { provider, dataset }),
  }
  const http = {
    discoverBase: async (url: string) => `${url}/dsp/2025-1`,
    catalog: async () => ({ participantId: PROVIDER }),
    dataset: async () => ({ hasPolicy: [SECOND] }),
  }
  const offers = new OfferResolution(federated, http)

  it('asks the federated catalog for a provider named by DID, without an address', async () => {
    const resolved = await offers.resolve({
      provider: PROVIDER,
      dataset: 'urn:uuid:pegel',
      offer: 'urn:uuid:offer-2',
    })
    assert.deepEqual(resolved, { provider: PROVIDER, offer: SECOND })
  })

  it("asks a provider named by URL over DSP HTTPS and keeps its DSP base as the provider's address", async () => {
    const resolved = await offers.resolve({ providerUrl: 'https://kusel.example', dataset: 'urn:uuid:pegel' })
    assert.deepEqual(resolved, {
      provider: PROVIDER,
      providerAddress: 'https://kusel.example/dsp/2025-1',
      offer: SECOND,
    })
  })
})
