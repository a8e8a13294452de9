import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDataAddress } from '../../../src/protocol/index.js'
import { LIBP2P_ENDPOINT_TYPE, tokenOf } from '../../../src/transfer/index.js'

describe('tokenOf', () => {
  const address = (properties: { name: string; value: string }[]) =>
    createDataAddress({
      endpointType: LIBP2P_ENDPOINT_TYPE,
      endpoint: '/p2p/12D3KooWExample',
      endpointProperties: properties.map((p) => ({ '@type': 'EndpointProperty' as const, ...p })),
    })

  it('reads the bearer token of a pull address', () => {
    const dataAddress = address([
      { name: 'authorization', value: 'eyJ.token' },
      { name: 'authType', value: 'bearer' },
    ])
    assert.equal(tokenOf(dataAddress), 'eyJ.token')
  })

  it('finds none without an authorization, or for another auth type', () => {
    assert.equal(tokenOf(undefined), undefined)
    assert.equal(tokenOf(address([{ name: 'authType', value: 'bearer' }])), undefined)
    assert.equal(
      tokenOf(
        address([
          { name: 'authorization', value: 'x' },
          { name: 'authType', value: 'basic' },
        ]),
      ),
      undefined,
    )
  })
})
