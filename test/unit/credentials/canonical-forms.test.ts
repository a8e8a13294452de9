import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite'
import fc from 'fast-check'
import {
  canonize,
  rememberedCanonicalForms,
  useCanonicalizationWorkers,
} from '../../../src/credentials/canonical-forms.js'
import {
  ALLMENDE_CONTEXT_V1,
  CREDENTIALS_CONTEXT_V2,
  createDocumentLoader,
  issueAgreementCredential,
  ODRL_CONTEXT,
} from '../../../src/credentials/index.js'
import { parties, sampleAgreement } from './fixtures.js'

const documentLoader = createDocumentLoader()
const CONTEXT = [CREDENTIALS_CONTEXT_V2, ODRL_CONTEXT, ALLMENDE_CONTEXT_V1]

/** What the eddsa-rdfc-2022 suite itself yields. */
function reference(document: unknown, skipExpansion?: boolean): Promise<string> {
  return cryptosuite.canonize(document, {
    documentLoader,
    base: null,
    safe: true,
    ...(skipExpansion === undefined ? {} : { skipExpansion }),
  })
}

function ours(document: unknown, skipExpansion?: boolean): Promise<string> {
  return canonize(document, {
    documentLoader,
    base: null,
    safe: true,
    ...(skipExpansion === undefined ? {} : { skipExpansion }),
  })
}

const dateTime = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().replace(/\.000Z$/, 'Z'))
const multibase = fc.stringMatching(/^z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/)
const token = fc.stringMatching(/^[A-Za-z0-9._~-]{1,40}$/)

describe('canonical forms', () => {
  after(() => useCanonicalizationWorkers(0))

  it('fills proof options into a template exactly as the suite canonicalizes them', async () => {
    await fc.assert(
      fc.asyncProperty(
        dateTime,
        multibase,
        fc.option(token, { nil: undefined }),
        fc.option(token, { nil: undefined }),
        fc.constantFrom('assertionMethod', 'authentication'),
        async (created, key, challenge, domain, proofPurpose) => {
          const options = {
            '@context': CONTEXT,
            type: 'DataIntegrityProof',
            created,
            verificationMethod: `did:key:${key}#${key}`,
            cryptosuite: 'eddsa-rdfc-2022',
            proofPurpose,
            ...(challenge === undefined ? {} : { challenge }),
            ...(domain === undefined ? {} : { domain }),
          }
          assert.equal(await ours(options, false), await reference(options, false))
        },
      ),
      { numRuns: 60 },
    )
  })

  it('canonicalizes proof options with values that need escaping the long way, with the same result', async () => {
    const options = {
      '@context': CONTEXT,
      type: 'DataIntegrityProof',
      created: '2026-11-22T12:00:00Z',
      verificationMethod: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#x',
      cryptosuite: 'eddsa-rdfc-2022',
      proofPurpose: 'authentication',
      challenge: 'quote " and backslash \\ and\nnewline',
    }
    assert.equal(await ours(options), await reference(options))
  })

  it('fills the values of a credential into the RDF of its shape exactly as the suite canonicalizes it', async () => {
    const { provider } = await parties()
    const uuid = fc.uuid().map((u) => `urn:uuid:${u}`)
    await fc.assert(
      fc.asyncProperty(
        uuid,
        fc.option(uuid, { nil: undefined }),
        dateTime,
        multibase,
        fc.nat({ max: 131071 }),
        fc.constantFrom('https://kusel.de/datasets/pegel', 'urn:uuid:dataset', 'did:web:kusel.de'),
        // values a template must not take: quotes, a placeholder's own text, a relative IRI
        fc.constantFrom('439', '4"39', 'allmende-placeholder-0-', 'urn:x:allmende-placeholder-1-'),
        async (id, uid, validFrom, assignee, index, target, oddIndex) => {
          const list = `urn:allmende:status:${provider.did}:1`
          const credential = {
            '@context': CONTEXT,
            id,
            type: ['VerifiableCredential', 'DataSpaceContract'],
            issuer: provider.did,
            validFrom,
            credentialStatus: {
              id: `${list}#${index}`,
              type: 'BitstringStatusListEntry',
              statusPurpose: 'revocation',
              statusListIndex: index % 5 === 0 ? oddIndex : String(index),
              statusListCredential: list,
            },
            credentialSubject: {
              agreement: {
                '@type': 'Agreement',
                target,
                assigner: provider.did,
                assignee: `did:key:${assignee}`,
                permission: [{ action: 'use', target: index % 7 === 0 ? oddIndex : target }],
                // the credential and its agreement may be one node
                uid: uid ?? id,
              },
            },
          }
          // a relative IRI (439) is refused in safe mode: then both refuse
          const outcome = (canonical: Promise<string>) => canonical.catch((error: Error) => error.name)
          assert.equal(await outcome(ours(credential)), await outcome(reference(credential)))
        },
      ),
      { numRuns: 60 },
    )
  })

  it('fills the values of a membership presentation into the RDF of its shape exactly as the suite canonicalizes it', async () => {
    const uuid = fc.uuid().map((u) => `urn:uuid:${u}`)
    // names as municipalities write them, and values a template must not take verbatim
    const name = fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
      fc.constantFrom(
        'Bad Dürkheim',
        'Kusel $& $1',
        'Zwei "Anführungszeichen"',
        'a\\b',
        'Zeile\nzwei',
        'allmende-placeholder-1-',
      ),
    )
    const signature = fc.stringMatching(/^z[1-9A-HJ-NP-Za-km-z]{86}$/)
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(uuid, multibase, multibase, name, dateTime, signature), {
          minLength: 1,
          maxLength: 2,
        }),
        multibase,
        uuid,
        async (credentials, holderKey, dataSpace) => {
          const holder = `did:key:${holderKey}`
          const presentation = {
            '@context': [CREDENTIALS_CONTEXT_V2],
            type: ['VerifiablePresentation'],
            holder,
            verifiableCredential: credentials.map(([id, anchor, member, name, since, proofValue]) => ({
              '@context': [CREDENTIALS_CONTEXT_V2, ALLMENDE_CONTEXT_V1],
              id,
              type: ['VerifiableCredential', 'DataSpaceMembershipCredential'],
              issuer: `did:key:${anchor}`,
              validFrom: since,
              credentialSubject: {
                id: `did:key:${member}`,
                type: 'DataSpaceMember',
                dataSpace,
                memberSince: since,
                name,
              },
              proof: {
                type: 'DataIntegrityProof',
                created: since,
                verificationMethod: `did:key:${anchor}#${anchor}`,
                cryptosuite: 'eddsa-rdfc-2022',
                proofPurpose: 'assertionMethod',
                proofValue,
              },
            })),
          }
          assert.equal(await ours(presentation), await reference(presentation))
        },
      ),
      { numRuns: 60 },
    )
  })

  it('fills the bits of a status list into the RDF of its shape exactly as the suite canonicalizes it', async () => {
    const { provider } = await parties()
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^u[A-Za-z0-9_-]{20,3000}$/),
        dateTime,
        async (encodedList, validFrom) => {
          const list = `urn:allmende:status:${provider.did}:1`
          const credential = {
            '@context': [CREDENTIALS_CONTEXT_V2],
            id: list,
            type: ['VerifiableCredential', 'BitstringStatusListCredential'],
            issuer: provider.did,
            validFrom,
            credentialSubject: {
              id: `${list}#list`,
              type: 'BitstringStatusList',
              statusPurpose: 'revocation',
              encodedList,
            },
          }
          assert.equal(await ours(credential), await reference(credential))
        },
      ),
      { numRuns: 30 },
    )
  })

  it('remembers the canonical form of a document, so a second call costs a hash', async () => {
    const { provider, consumer } = await parties()
    const { proof: _, ...document } = await issueAgreementCredential(
      sampleAgreement(provider, consumer, 3),
      provider,
    )
    const first = await ours(document)
    assert.equal(first, await reference(document))
    const remembered = rememberedCanonicalForms()
    assert.equal(await ours(structuredClone(document)), first)
    assert.equal(rememberedCanonicalForms(), remembered)
  })

  it('gives worker threads the same result, and the suite error for a document it refuses', async () => {
    await useCanonicalizationWorkers(1)
    const { provider, consumer } = await parties()
    const { proof: _, ...document } = await issueAgreementCredential(
      sampleAgreement(provider, consumer, 2),
      provider,
    )
    const changed = { ...document, validFrom: '2031-01-01T00:00:00Z' }
    assert.equal(await ours(changed), await reference(changed))
    const undefinedTerm = { ...document, notInAnyContext: 'x' }
    const expected = await reference(undefinedTerm).then(
      () => assert.fail('the suite accepted an undefined term in safe mode'),
      (error: Error) => error.message,
    )
    await assert.rejects(ours(undefinedTerm), (error: Error) => error.message === expected)
  })

  it('leaves documents with contexts it does not hold to the suite and the caller’s loader', async () => {
    const inline = {
      '@context': [CREDENTIALS_CONTEXT_V2, { ex: 'https://example.org/#' }],
      type: 'VerifiableCredential',
      'ex:note': 'inline context',
      credentialSubject: { 'ex:name': 'Kusel' },
      issuer: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
    }
    const before = rememberedCanonicalForms()
    assert.equal(await ours(inline), await reference(inline))
    assert.equal(rememberedCanonicalForms(), before)
  })
})
