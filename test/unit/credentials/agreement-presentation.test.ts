import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  countersignAgreementCredential,
  InvalidCredentialError,
  issueAgreementCredential,
  parseStatusListUrl,
  presentAgreement,
  STATUS_LIST_SIDE_FIELD,
  StatusListIssuer,
  verifyAgreementPresentation,
} from '../../../src/credentials/index.js'
import { Store } from '../../../src/store/index.js'
import { tempDir } from '../../support/temp-dir.js'
import { parties, sampleAgreement } from './fixtures.js'

async function fixture() {
  const keys = await parties()
  const dir = await tempDir('allmende-present-')
  const store = await Store.open(dir)
  const lists = await StatusListIssuer.open({ store, key: keys.provider, length: 16 })
  const credentialStatus = await lists.allocate()
  const agreement = sampleAgreement(keys.provider, keys.consumer, 2)
  const offered = await issueAgreementCredential(agreement, keys.provider, { credentialStatus })
  const signed = await countersignAgreementCredential(offered, keys.consumer)
  return { ...keys, store, lists, credentialStatus, agreement, signed }
}

describe('presentAgreement / verifyAgreementPresentation', () => {
  it('verifies a presented agreement and reports who agreed to what', async () => {
    const f = await fixture()
    const vp = await presentAgreement(f.signed, f.consumer, {
      challenge: 'c-1',
      domain: 'did:web:auditor.example',
    })
    const result = await verifyAgreementPresentation(vp, {
      challenge: 'c-1',
      domain: 'did:web:auditor.example',
    })
    assert.ok(result.verified, JSON.stringify(result))
    assert.equal(result.holder, f.consumer.did)
    assert.equal(result.agreement.assigner, f.provider.did)
    assert.equal(result.agreement.assignee, f.consumer.did)
    assert.equal(result.agreement.target, f.agreement.target)
    assert.equal(result.agreement.status.state, 'unknown', 'no list bundled, no fetcher: unknown')
    await f.store.close()
  })

  it('refuses a wrong challenge and a wrong domain', async () => {
    const f = await fixture()
    const vp = await presentAgreement(f.signed, f.provider, { challenge: 'c-1', domain: 'urn:a' })
    const challenge = await verifyAgreementPresentation(vp, { challenge: 'c-2', domain: 'urn:a' })
    assert.equal(!challenge.verified && challenge.check, 'challenge')
    const domain = await verifyAgreementPresentation(vp, { challenge: 'c-1', domain: 'urn:b' })
    assert.equal(!domain.verified && domain.check, 'domain')
    await f.store.close()
  })

  it('checks revocation offline against a bundled status list', async () => {
    const f = await fixture()
    const listId = parseStatusListUrl(f.credentialStatus.statusListCredential).listId
    const fresh = await presentAgreement(f.signed, f.consumer, {
      challenge: 'c',
      statusListCredentials: [await f.lists.getStatusListCredential(listId)],
    })
    const valid = await verifyAgreementPresentation(fresh, { challenge: 'c' })
    assert.ok(valid.verified)
    assert.equal(valid.agreement.status.state, 'valid')

    await f.lists.revoke(f.credentialStatus)
    const revokedList = await f.lists.getStatusListCredential(listId)
    const bundled = await presentAgreement(f.signed, f.consumer, {
      challenge: 'c',
      statusListCredentials: [revokedList],
    })
    const revoked = await verifyAgreementPresentation(bundled, { challenge: 'c' })
    assert.equal(!revoked.verified && revoked.check, 'revoked')

    const sideField = {
      ...(await presentAgreement(f.signed, f.consumer, { challenge: 'c' })),
      [STATUS_LIST_SIDE_FIELD]: [revokedList],
    }
    const side = await verifyAgreementPresentation(sideField, { challenge: 'c' })
    assert.equal(!side.verified && side.check, 'revoked')

    const fetched = await verifyAgreementPresentation(
      await presentAgreement(f.signed, f.consumer, { challenge: 'c' }),
      {
        challenge: 'c',
        statusFetcher: async (url) => f.lists.getStatusListCredential(parseStatusListUrl(url).listId),
      },
    )
    assert.equal(!fetched.verified && fetched.check, 'revoked')
    await f.store.close()
  })

  it('refuses a presentation of an agreement that lacks the counter-proof', async () => {
    const keys = await parties()
    const offered = await issueAgreementCredential(
      sampleAgreement(keys.provider, keys.consumer),
      keys.provider,
    )
    const vp = await presentAgreement(offered, keys.provider, { challenge: 'c' })
    const result = await verifyAgreementPresentation(vp, { challenge: 'c' })
    assert.equal(!result.verified && result.check, 'counter-proof-missing')
  })

  it('lets only a party present the agreement', async () => {
    const f = await fixture()
    await assert.rejects(presentAgreement(f.signed, f.stranger, { challenge: 'c' }), InvalidCredentialError)
    await f.store.close()
  })
})
