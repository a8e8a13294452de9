import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  buildDidWebDocument,
  type DidDocument,
  DidResolver,
  InvalidDidError,
  nodeKeyFromSeed,
  UnresolvableDidError,
} from '../../../src/identity/index.js'
import { Store } from '../../../src/store/index.js'
import { tempDir } from '../../support/temp-dir.js'

describe('DidResolver', () => {
  it('resolves did:key directly, with its Multikey method', async () => {
    const key = await nodeKeyFromSeed(new Uint8Array(32).fill(1))
    const resolver = new DidResolver()
    const document = await resolver.resolve(key.did)
    assert.equal(document.id, key.did)
    const method = await resolver.resolveVerificationMethod(key.verificationMethod)
    assert.equal(method.type, 'Multikey')
    assert.deepEqual(await resolver.resolvePublicKey(key.verificationMethod), key.publicKey)
  })

  it('refuses a did:web that is not in the cache, naming it', async () => {
    const resolver = new DidResolver()
    await assert.rejects(resolver.resolve('did:web:kusel.de'), (error: unknown) => {
      assert.ok(error instanceof UnresolvableDidError)
      assert.equal(error.code, 'ALLMENDE_UNRESOLVABLE_DID')
      assert.match(error.message, /did:web:kusel\.de/)
      return true
    })
  })

  it('resolves a cached did:web and its methods', async () => {
    const key = await nodeKeyFromSeed(new Uint8Array(32).fill(1))
    const resolver = new DidResolver()
    const document = buildDidWebDocument('kusel.de', key)
    await resolver.cacheDidWebDocument(document, 'did:web:kusel.de')
    assert.equal((await resolver.resolve('did:web:kusel.de')).id, 'did:web:kusel.de')
    const vmId = document.verificationMethod![0]!.id
    assert.deepEqual(await resolver.resolvePublicKey(vmId), key.publicKey)
    await assert.rejects(resolver.resolveVerificationMethod('did:web:kusel.de#other'), UnresolvableDidError)
  })

  it('refuses to cache a document whose id does not match', async () => {
    const key = await nodeKeyFromSeed(new Uint8Array(32).fill(1))
    const resolver = new DidResolver()
    const document = buildDidWebDocument('kusel.de', key)
    await assert.rejects(resolver.cacheDidWebDocument(document, 'did:web:landau.de'), InvalidDidError)
    const foreignMethod: DidDocument = {
      ...document,
      verificationMethod: [
        { ...document.verificationMethod![0]!, id: 'did:web:landau.de#k', controller: 'did:web:landau.de' },
      ],
    }
    await assert.rejects(resolver.cacheDidWebDocument(foreignMethod), InvalidDidError)
    await assert.rejects(resolver.cacheDidWebDocument({ ...document, id: key.did }), InvalidDidError)
  })

  it('keeps did:web documents in a Store sublevel across a reopen', async () => {
    const key = await nodeKeyFromSeed(new Uint8Array(32).fill(1))
    const dir = await tempDir('allmende-didcache-')
    let store = await Store.open(dir)
    await new DidResolver({ didWebCache: store.sublevel<DidDocument>('did-web') }).cacheDidWebDocument(
      buildDidWebDocument('kusel.de', key),
    )
    await store.close()
    store = await Store.open(dir)
    const resolver = new DidResolver({ didWebCache: store.sublevel<DidDocument>('did-web') })
    assert.equal((await resolver.resolve('did:web:kusel.de')).id, 'did:web:kusel.de')
    await store.close()
  })
})
