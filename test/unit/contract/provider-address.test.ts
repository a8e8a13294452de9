import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { providerAddressOf } from '../../../src/contract/index.js'

describe("providerAddressOf: where an agreement's provider is reached", () => {
  const negotiations = new Map([
    ['urn:negotiation:http', { callbackAddress: 'https://kusel.example/dsp/2025-1' }],
    ['urn:negotiation:libp2p', {}],
  ])
  const addressOf = providerAddressOf({ get: async (id: string) => negotiations.get(id) })

  it('is the DSP base its negotiation kept for a provider on DSP HTTP', async () => {
    assert.equal(
      await addressOf({ negotiationId: 'urn:negotiation:http' }),
      'https://kusel.example/dsp/2025-1',
    )
  })

  it('is none for a provider reached over libp2p, or a negotiation this node does not hold', async () => {
    assert.equal(await addressOf({ negotiationId: 'urn:negotiation:libp2p' }), undefined)
    assert.equal(await addressOf({ negotiationId: 'urn:negotiation:unknown' }), undefined)
  })
})
