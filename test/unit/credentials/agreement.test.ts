import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  AgreementVerifier,
  addProof,
  countersignAgreementCredential,
  InvalidCredentialError,
  issueAgreementCredential,
  type JsonLdObject,
  parseStatusListUrl,
  StatusListCache,
  StatusListIssuer,
  verifyAgreementCredential,
} from '../../../src/credentials/index.js'
import { Store } from '../../../src/store/index.js'
import { tempDir } from '../../support/temp-dir.js'
import { parties, sampleAgreement } from './fixtures.js'

const NOW = new Date('2026-11-22T12:00:00Z')
const DAY = 86_400_000
async function signedAgreement(rules = 1, options: { validFrom?: Date; validUntil?: Date } = {}) {
  const keys = await parties()
  const agreement = sampleAgreement(keys.provider, keys.consumer, rules)
  const offered = await issueAgreementCredential(agreement, keys.provider, {
    now: NOW,
    validFrom: options.validFrom ?? NOW,
    validUntil: options.validUntil ?? new Date(NOW.getTime() + 365 * DAY),
  })
  const signed = await countersignAgreementCredential(offered, keys.consumer, { now: NOW })
  return { ...keys, agreement, offered, signed }
}

describe('issueAgreementCredential / countersignAgreementCredential / verifyAgreementCredential', () => {
  it('verifies an agreement signed by both parties and says who agreed to what', async () => {
    const { signed, agreement, provider, consumer } = await signedAgreement(3)
    assert.equal((signed.proof as unknown[]).length, 2)
    const result = await verifyAgreementCredential(signed, { now: NOW })
    assert.ok(result.verified, JSON.stringify(result))
    assert.equal(result.assigner, provider.did)
    assert.equal(result.assignee, consumer.did)
    assert.equal(result.target, agreement.target)
    assert.equal(result.agreement.uid, agreement.uid)
    assert.equal(result.agreement.permission?.length, 3)
    assert.deepEqual(result.status, { state: 'none' })
  })

  it('refuses a tampered constraint: signature', async () => {
    const { signed } = await signedAgreement()
    const tampered = structuredClone(signed) as {
      credentialSubject: { agreement: { permission: { constraint: { rightOperand: unknown }[] }[] } }
    }
    tampered.credentialSubject.agreement.permission[0]!.constraint[0]!.rightOperand =
      'https://w3id.org/allmende/purpose/marketing'
    const result = await verifyAgreementCredential(tampered as unknown as JsonLdObject, { now: NOW })
    assert.equal(!result.verified && result.check, 'signature')
  })

  it('refuses when only the second proof is corrupt (every proof must verify): signature', async () => {
    const { signed } = await signedAgreement()
    const corrupt = structuredClone(signed) as { proof: { proofValue: string }[] }
    const value = corrupt.proof[1]!.proofValue
    corrupt.proof[1]!.proofValue = `${value.slice(0, 10)}${value[10] === 'A' ? 'B' : 'A'}${value.slice(11)}`
    const result = await verifyAgreementCredential(corrupt as unknown as JsonLdObject, { now: NOW })
    assert.equal(!result.verified && result.check, 'signature')
  })

  it('refuses an agreement without the assignee proof: counter-proof-missing', async () => {
    const { offered } = await signedAgreement()
    const result = await verifyAgreementCredential(offered, { now: NOW })
    assert.equal(!result.verified && result.check, 'counter-proof-missing')
  })

  it('refuses a second proof by a third party: proof-set', async () => {
    const { offered, stranger } = await signedAgreement()
    const withStranger = await addProof(offered, stranger, { now: NOW })
    const result = await verifyAgreementCredential(withStranger, { now: NOW })
    assert.equal(!result.verified && result.check, 'proof-set')
    const { signed } = await signedAgreement()
    const third = await addProof(signed, stranger, { now: NOW })
    const result3 = await verifyAgreementCredential(third, { now: NOW })
    assert.equal(!result3.verified && result3.check, 'proof-set')
  })

  it('refuses an expired agreement: expired; one not yet valid: not-yet-valid', async () => {
    const { signed } = await signedAgreement(1, { validUntil: new Date(NOW.getTime() + DAY) })
    const later = await verifyAgreementCredential(signed, { now: new Date(NOW.getTime() + 2 * DAY) })
    assert.equal(!later.verified && later.check, 'expired')
    const { signed: future } = await signedAgreement(1, { validFrom: new Date(NOW.getTime() + DAY) })
    const early = await verifyAgreementCredential(future, { now: NOW })
    assert.equal(!early.verified && early.check, 'not-yet-valid')
  })

  it('refuses an unknown context: unknown-context', async () => {
    const { signed } = await signedAgreement()
    const foreign = {
      ...signed,
      '@context': [...(signed['@context'] as string[]), 'https://example.org/terms'],
    }
    const result = await verifyAgreementCredential(foreign, { now: NOW })
    assert.equal(!result.verified && result.check, 'unknown-context')
  })

  it('refuses to issue for another assigner and to countersign for another assignee', async () => {
    const { provider, consumer, stranger, offered } = await signedAgreement()
    await assert.rejects(
      issueAgreementCredential(sampleAgreement(provider, consumer), consumer, { now: NOW }),
      InvalidCredentialError,
    )
    await assert.rejects(
      countersignAgreementCredential(offered, stranger, { now: NOW }),
      InvalidCredentialError,
    )
  })

  it('refuses a revoked agreement: revoked', async () => {
    const keys = await parties()
    const dir = await tempDir('allmende-agreement-')
    const store = await Store.open(dir)
    const lists = await StatusListIssuer.open({ store, key: keys.provider, length: 16 })
    const credentialStatus = await lists.allocate()
    const offered = await issueAgreementCredential(
      sampleAgreement(keys.provider, keys.consumer),
      keys.provider,
      {
        credentialStatus,
      },
    )
    const signed = await countersignAgreementCredential(offered, keys.consumer)
    const fetcher = async (url: string) => lists.getStatusListCredential(parseStatusListUrl(url).listId)
    const before = await verifyAgreementCredential(signed, {
      statusChecker: new StatusListCache({ fetcher }),
    })
    assert.ok(before.verified)
    assert.equal(before.status.state, 'valid')
    await lists.revoke(credentialStatus)
    const revoked = await verifyAgreementCredential(signed, {
      statusChecker: new StatusListCache({ fetcher }),
    })
    assert.equal(!revoked.verified && revoked.check, 'revoked')
    const offline = await verifyAgreementCredential(signed)
    assert.ok(offline.verified)
    assert.equal(offline.status.state, 'unknown')
    await store.close()
  })
})

describe('AgreementVerifier', () => {
  it('caches verified agreements by content hash yet re-checks validity and revocation', async () => {
    const keys = await parties()
    const dir = await tempDir('allmende-agreement-')
    const store = await Store.open(dir)
    const lists = await StatusListIssuer.open({ store, key: keys.provider, length: 16 })
    const credentialStatus = await lists.allocate()
    const start = Date.now()
    const offered = await issueAgreementCredential(
      sampleAgreement(keys.provider, keys.consumer),
      keys.provider,
      {
        credentialStatus,
        validUntil: new Date(start + DAY),
      },
    )
    const signed = await countersignAgreementCredential(offered, keys.consumer)
    let clock = start
    const cache = new StatusListCache({
      fetcher: async (url) => lists.getStatusListCredential(parseStatusListUrl(url).listId),
      ttlMs: 1_000,
      clock: () => clock,
    })
    const verifier = new AgreementVerifier({ statusChecker: cache })
    const first = await verifier.verify(signed, new Date(clock))
    assert.ok(first.verified)
    assert.equal(verifier.size, 1)
    const reordered = Object.fromEntries(Object.entries(signed).reverse())
    assert.ok((await verifier.verify(reordered, new Date(clock))).verified)
    assert.equal(verifier.size, 1, 'key order does not change the content hash')

    const tampered = structuredClone(signed) as { credentialSubject: { agreement: { target: string } } }
    tampered.credentialSubject.agreement.target = 'https://kusel.de/datasets/other'
    const refused = await verifier.verify(tampered as unknown as JsonLdObject, new Date(clock))
    assert.equal(!refused.verified && refused.check, 'signature')

    await lists.revoke(credentialStatus)
    clock += 1_001
    const revoked = await verifier.verify(signed, new Date(clock))
    assert.equal(!revoked.verified && revoked.check, 'revoked')
    const expired = await verifier.verify(signed, new Date(start + 2 * DAY))
    assert.equal(!expired.verified && expired.check, 'expired')
    await store.close()
  })
})

describe('agreement shape', () => {
  it('refuses a rule that names a party who did not sign: malformed', async () => {
    const { provider, consumer, stranger } = await parties()
    const agreement = sampleAgreement(provider, consumer)
    agreement.permission![0]!.assignee = stranger.did
    await assert.rejects(issueAgreementCredential(agreement, provider, { now: NOW }), InvalidCredentialError)
  })
})
