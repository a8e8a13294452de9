import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ALLMENDE_CONTEXT_V1,
  bundledContexts,
  contextIriOfFile,
  createDocumentLoader,
  UnknownDocumentError,
} from '../../../src/credentials/index.js'
import { buildDidWebDocument, DidResolver, UnresolvableDidError } from '../../../src/identity/index.js'
import { parties } from './fixtures.js'

describe('createDocumentLoader', () => {
  it('serves every bundled context without the network', async () => {
    const load = createDocumentLoader()
    for (const iri of [
      'https://www.w3.org/ns/credentials/v2',
      'https://www.w3.org/2018/credentials/v1',
      'https://www.w3.org/ns/credentials/undefined-terms/v2',
      'https://w3id.org/security/data-integrity/v2',
      'https://w3id.org/security/multikey/v1',
      'https://www.w3.org/ns/odrl.jsonld',
      'https://www.w3.org/ns/credentials/status/v1',
      'https://www.w3.org/ns/did/v1',
      'https://w3id.org/security/suites/x25519-2020/v1',
      ALLMENDE_CONTEXT_V1,
    ]) {
      const { document, documentUrl } = await load(iri)
      assert.equal(documentUrl, iri)
      assert.ok((document as { '@context'?: unknown })['@context'], `${iri} has a @context`)
    }
  })

  it('loads the Allmende context as a protected context defining its terms', async () => {
    const { document } = await createDocumentLoader()(ALLMENDE_CONTEXT_V1)
    const context = (document as { '@context': Record<string, unknown> })['@context']
    assert.equal(context['@protected'], true)
    for (const term of [
      'DataSpaceMembershipCredential',
      'DataSpaceContract',
      'agreement',
      'trustAnchor',
      'UsageNotice',
    ]) {
      assert.ok(term in context, term)
    }
  })

  it('refuses an unknown URL with a typed error naming it', async () => {
    const load = createDocumentLoader()
    await assert.rejects(load('https://example.org/evil-context'), (error: unknown) => {
      assert.ok(error instanceof UnknownDocumentError)
      assert.equal(error.code, 'ALLMENDE_UNKNOWN_DOCUMENT')
      assert.match(error.message, /https:\/\/example\.org\/evil-context/)
      return true
    })
  })

  it('resolves did:key documents and verification methods', async () => {
    const { provider } = await parties()
    const load = createDocumentLoader()
    const did = (await load(provider.did)).document as { id: string; assertionMethod: string[] }
    assert.equal(did.id, provider.did)
    assert.deepEqual(did.assertionMethod, [provider.verificationMethod])
    const vm = (await load(provider.verificationMethod)).document as Record<string, unknown>
    assert.equal(vm['@context'], 'https://w3id.org/security/multikey/v1')
    assert.equal(vm.controller, provider.did)
  })

  it('resolves did:web only from the cache', async () => {
    const { provider } = await parties()
    const resolver = new DidResolver()
    const load = createDocumentLoader({ resolver })
    await assert.rejects(load('did:web:kusel.de'), UnresolvableDidError)
    await resolver.cacheDidWebDocument(buildDidWebDocument('kusel.de', provider))
    const document = (await load('did:web:kusel.de')).document as { id: string }
    assert.equal(document.id, 'did:web:kusel.de')
  })
})

describe('contextIriOfFile', () => {
  it('maps spec context files to their IRIs', () => {
    assert.equal(contextIriOfFile('allmende-v1.jsonld', {}), 'https://w3id.org/allmende/v1')
    assert.equal(
      contextIriOfFile('allmende-odrl-profile-v1.jsonld', {}),
      'https://w3id.org/allmende/odrl-profile/v1',
    )
    assert.equal(contextIriOfFile('allmende-receipts-v2.jsonld', {}), 'https://w3id.org/allmende/receipts/v2')
    assert.equal(
      contextIriOfFile('other.jsonld', { '@id': 'https://example.org/x' }),
      'https://example.org/x',
    )
    assert.equal(contextIriOfFile('other.jsonld', {}), undefined)
  })

  it('bundles every spec context file it can name', () => {
    assert.ok(bundledContexts().has(ALLMENDE_CONTEXT_V1))
  })
})
