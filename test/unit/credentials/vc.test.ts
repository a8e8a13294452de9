import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ALLMENDE_CONTEXT_V1,
  addProof,
  CREDENTIALS_CONTEXT_V2,
  CredentialIssuerError,
  issueCredential,
  type JsonLdObject,
  presentCredentials,
  UnknownDocumentError,
  verifyCredential,
  verifyPresentation,
} from '../../../src/credentials/index.js'
import { buildDidWebDocument, DidResolver, didWebIdentity } from '../../../src/identity/index.js'
import { parties } from './fixtures.js'

const NOW = new Date('2026-11-22T12:00:00Z')
const DAY = 86_400_000

function membership(member: string, extra: JsonLdObject = {}): JsonLdObject {
  return {
    '@context': [CREDENTIALS_CONTEXT_V2, ALLMENDE_CONTEXT_V1],
    type: ['VerifiableCredential', 'DataSpaceMembershipCredential'],
    validFrom: new Date(NOW.getTime() - DAY).toISOString(),
    validUntil: new Date(NOW.getTime() + 365 * DAY).toISOString(),
    credentialSubject: { id: member, dataSpace: 'urn:allmende:dataspace:suedwest', memberRole: 'member' },
    ...extra,
  }
}

describe('issueCredential / verifyCredential', () => {
  it('verifies an issued credential and names its issuer', async () => {
    const { provider, consumer } = await parties()
    const signed = await issueCredential(membership(consumer.did, { issuer: provider.did }), provider, {
      now: NOW,
    })
    const result = await verifyCredential(signed, { now: NOW })
    assert.equal(result.verified, true)
    assert.ok(result.verified)
    assert.equal(result.issuer, provider.did)
    assert.deepEqual(result.signers, [provider.did])
    assert.deepEqual(result.status, { state: 'none' })
  })

  it('refuses a tampered field: signature', async () => {
    const { provider, consumer } = await parties()
    const signed = await issueCredential(membership(consumer.did, { issuer: provider.did }), provider, {
      now: NOW,
    })
    const tampered = structuredClone(signed)
    ;(tampered.credentialSubject as { memberRole: string }).memberRole = 'anchor'
    const result = await verifyCredential(tampered, { now: NOW })
    assert.equal(result.verified, false)
    assert.equal(!result.verified && result.check, 'signature')
  })

  it('checks a credential it verified before in full again once a byte changes, and its validity every time', async () => {
    const { provider, consumer } = await parties()
    const signed = await issueCredential(membership(consumer.did, { issuer: provider.did }), provider, {
      now: NOW,
    })
    assert.equal((await verifyCredential(signed, { now: NOW })).verified, true)
    assert.equal((await verifyCredential(structuredClone(signed), { now: NOW })).verified, true)
    const tampered = structuredClone(signed)
    ;(tampered.credentialSubject as { memberRole: string }).memberRole = 'anchor'
    const result = await verifyCredential(tampered, { now: NOW })
    assert.equal(!result.verified && result.check, 'signature')
    const late = await verifyCredential(signed, { now: new Date(NOW.getTime() + 400 * DAY) })
    assert.equal(!late.verified && late.check, 'expired')
  })

  it('refuses an expired credential: expired', async () => {
    const { provider, consumer } = await parties()
    const signed = await issueCredential(
      membership(consumer.did, {
        issuer: provider.did,
        validFrom: new Date(NOW.getTime() - 10 * DAY).toISOString(),
        validUntil: new Date(NOW.getTime() - DAY).toISOString(),
      }),
      provider,
      { now: NOW },
    )
    const result = await verifyCredential(signed, { now: NOW })
    assert.equal(!result.verified && result.check, 'expired')
    assert.equal((await verifyCredential(signed, { now: new Date(NOW.getTime() - 2 * DAY) })).verified, true)
  })

  it('refuses a credential not yet valid: not-yet-valid', async () => {
    const { provider, consumer } = await parties()
    const signed = await issueCredential(
      membership(consumer.did, {
        issuer: provider.did,
        validFrom: new Date(NOW.getTime() + DAY).toISOString(),
      }),
      provider,
      { now: NOW },
    )
    const result = await verifyCredential(signed, { now: NOW })
    assert.equal(!result.verified && result.check, 'not-yet-valid')
  })

  it('refuses an unknown context: unknown-context (and never issues with one)', async () => {
    const { provider, consumer } = await parties()
    const signed = await issueCredential(membership(consumer.did, { issuer: provider.did }), provider, {
      now: NOW,
    })
    const foreign = {
      ...signed,
      '@context': [...(signed['@context'] as string[]), 'https://example.org/ctx/v1'],
    }
    const result = await verifyCredential(foreign, { now: NOW })
    assert.equal(!result.verified && result.check, 'unknown-context')
    assert.match(!result.verified ? result.message : '', /example\.org/)
    await assert.rejects(issueCredential(foreign, provider, { now: NOW }), UnknownDocumentError)
  })

  it('refuses a did:web issuer that is not in the cache: unresolvable-did', async () => {
    const { provider, consumer } = await parties()
    const issuer = didWebIdentity('kusel.de', provider)
    const signedResolver = new DidResolver()
    await signedResolver.cacheDidWebDocument(buildDidWebDocument('kusel.de', provider))
    const signed = await issueCredential(membership(consumer.did, { issuer: issuer.did }), issuer, {
      now: NOW,
      resolver: signedResolver,
    })
    assert.equal(signed.issuer, 'did:web:kusel.de')
    assert.equal((await verifyCredential(signed, { now: NOW, resolver: signedResolver })).verified, true)
    const result = await verifyCredential(signed, { now: NOW, resolver: new DidResolver() })
    assert.equal(!result.verified && result.check, 'unresolvable-did')
    assert.match(!result.verified ? result.message : '', /did:web:kusel\.de/)
  })

  it('refuses a credential whose only proof is not by the issuer: issuer', async () => {
    const { provider, consumer, stranger } = await parties()
    const forged = await addProof({ ...membership(consumer.did), issuer: provider.did }, stranger, {
      now: NOW,
    })
    const result = await verifyCredential(forged, { now: NOW })
    assert.equal(!result.verified && result.check, 'issuer')
  })

  it('refuses to issue for an issuer that is not the key, and never fills in a null or missing one', async () => {
    const { provider, consumer } = await parties()
    for (const issuer of [consumer.did, null, undefined, { id: null }, '']) {
      await assert.rejects(
        issueCredential({ ...membership(consumer.did), issuer }, provider, { now: NOW }),
        (error: unknown) =>
          error instanceof CredentialIssuerError && error.code === 'ALLMENDE_CREDENTIAL_ISSUER',
        `issuer ${JSON.stringify(issuer)}`,
      )
    }
  })
})

describe('presentCredentials / verifyPresentation', () => {
  it('verifies a presentation for the expected challenge and domain', async () => {
    const { provider, consumer } = await parties()
    const signed = await issueCredential(membership(consumer.did, { issuer: provider.did }), provider, {
      now: NOW,
    })
    const vp = await presentCredentials([signed], consumer, {
      challenge: 'nonce-1',
      domain: 'urn:allmende:dataspace:suedwest',
      now: NOW,
    })
    const result = await verifyPresentation(vp, {
      challenge: 'nonce-1',
      domain: 'urn:allmende:dataspace:suedwest',
      now: NOW,
    })
    assert.ok(result.verified)
    assert.equal(result.holder, consumer.did)
    assert.equal(result.credentials.length, 1)
  })

  it('refuses a wrong challenge: challenge', async () => {
    const { provider, consumer } = await parties()
    const signed = await issueCredential(membership(consumer.did, { issuer: provider.did }), provider, {
      now: NOW,
    })
    const vp = await presentCredentials([signed], consumer, { challenge: 'nonce-1', domain: 'd', now: NOW })
    const result = await verifyPresentation(vp, { challenge: 'nonce-2', domain: 'd', now: NOW })
    assert.equal(!result.verified && result.check, 'challenge')
  })

  it('refuses a wrong domain: domain', async () => {
    const { provider, consumer } = await parties()
    const signed = await issueCredential(membership(consumer.did, { issuer: provider.did }), provider, {
      now: NOW,
    })
    const vp = await presentCredentials([signed], consumer, {
      challenge: 'nonce-1',
      domain: 'urn:a',
      now: NOW,
    })
    const result = await verifyPresentation(vp, { challenge: 'nonce-1', domain: 'urn:b', now: NOW })
    assert.equal(!result.verified && result.check, 'domain')
  })

  it('refuses a presentation whose challenge was rewritten: signature', async () => {
    const { provider, consumer } = await parties()
    const signed = await issueCredential(membership(consumer.did, { issuer: provider.did }), provider, {
      now: NOW,
    })
    const vp = await presentCredentials([signed], consumer, { challenge: 'nonce-1', now: NOW })
    const rewritten = { ...vp, proof: { ...(vp.proof as JsonLdObject), challenge: 'nonce-2' } }
    const result = await verifyPresentation(rewritten, { challenge: 'nonce-2', now: NOW })
    assert.equal(!result.verified && result.check, 'signature')
  })

  it('refuses a presentation with a tampered credential inside', async () => {
    const { provider, consumer } = await parties()
    const signed = await issueCredential(membership(consumer.did, { issuer: provider.did }), provider, {
      now: NOW,
    })
    const vp = await presentCredentials([signed], consumer, { challenge: 'n', now: NOW })
    const tampered = structuredClone(vp)
    ;(
      (tampered.verifiableCredential as JsonLdObject[])[0]!.credentialSubject as { memberRole: string }
    ).memberRole = 'anchor'
    const result = await verifyPresentation(tampered, { challenge: 'n', now: NOW })
    assert.equal(!result.verified && result.check, 'signature')
  })
})
