import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MEMBERSHIP_OPERAND, readDeclarations, requestFacts } from '../../../src/contract/index.js'

const ROLE = 'https://w3id.org/allmende/odrl#role'

describe('what a consumer may declare about itself', () => {
  it('reads role, place of use and security profile, expanding allmende: names and short levels', () => {
    assert.deepEqual(
      readDeclarations({
        role: 'allmende:DataSteward',
        spatial: 'https://www.geonames.org/2895992',
        securityLevel: 'TrustPlus',
      }),
      {
        role: 'https://w3id.org/allmende/odrl#DataSteward',
        spatial: 'https://www.geonames.org/2895992',
        securityLevel: 'https://w3id.org/allmende/odrl#TrustPlusSecurityProfile',
      },
    )
  })

  it('refuses facts the provider establishes itself, and values of the wrong kind, saying what is accepted', () => {
    for (const fact of ['dataSpaceMembership', 'connector', 'dateTime', 'count']) {
      assert.throws(
        () => readDeclarations({ [fact]: 'x:y' }),
        (error: Error & { code?: string }) =>
          error.code === 'ALLMENDE_INVALID_INPUT' &&
          /declares only role, spatial, securityLevel/.test(error.message),
      )
    }
    assert.throws(() => readDeclarations({ securityLevel: 'Maximum' }), /Base, Trust or TrustPlus/)
    assert.throws(() => readDeclarations({ role: 'Hausmeister' }), /absolute IRI/)
    assert.throws(() => readDeclarations(['role']), /must be an object/)
  })

  it('never lets a declaration stand in for what the provider establishes', () => {
    const facts = requestFacts({
      consumer: 'did:key:z6MkConsumer',
      isMember: false,
      dataSpace: 'urn:uuid:space',
      declared: { role: 'https://w3id.org/allmende/odrl#DataSteward' },
    })
    assert.equal(facts[MEMBERSHIP_OPERAND], false)
    assert.equal(facts[ROLE], 'https://w3id.org/allmende/odrl#DataSteward')
  })
})
