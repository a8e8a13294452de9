import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  type JsonLdObject,
  parseStatusListUrl,
  StatusListIssuer,
  StatusListSource,
  statusListUrl,
} from '../../../src/credentials/index.js'
import { Store } from '../../../src/store/index.js'
import { tempDir } from '../../support/temp-dir.js'
import { parties } from './fixtures.js'

describe('StatusListSource: own lists from the issuer, others over the network', () => {
  let dir: string
  let store: Store
  let own: StatusListIssuer
  let ownDid: string
  let otherDid: string
  const asked: string[] = []
  /** The network as far as the source uses it: a provider's list, by URL. */
  const remote = async (listUrl: string): Promise<JsonLdObject> => {
    asked.push(listUrl)
    return { id: listUrl, type: ['VerifiableCredential', 'BitstringStatusListCredential'] }
  }

  before(async () => {
    const { provider, consumer } = await parties()
    ownDid = provider.did
    otherDid = consumer.did
    dir = await tempDir('allmende-status-source-')
    store = await Store.open(dir)
    own = await StatusListIssuer.open({ store, key: provider, length: 16 })
  })
  after(async () => {
    await store.close()
  })

  it("reads this node's own list from its issuer, without asking the network", async () => {
    const entry = await own.allocate()
    await own.revoke(entry)
    const source = new StatusListSource({ did: ownDid, lists: own }, remote)
    const list = await source.fetch(entry.statusListCredential)
    const { listId } = parseStatusListUrl(entry.statusListCredential)
    assert.deepEqual(list, await own.getStatusListCredential(listId))
    assert.deepEqual(asked, [])
  })

  it("asks the network for another issuer's list", async () => {
    const source = new StatusListSource({ did: ownDid, lists: own }, remote)
    const url = statusListUrl(otherDid, '1')
    assert.equal((await source.fetch(url)).id, url)
    assert.deepEqual(asked, [url])
  })

  it("finds a credential's list through its status entry; none without one", async () => {
    const source = new StatusListSource({ did: ownDid, lists: own }, remote)
    const entry = await own.allocate()
    const credential = { type: ['VerifiableCredential'], credentialStatus: entry }
    const { listId } = parseStatusListUrl(entry.statusListCredential)
    assert.deepEqual(await source.ofCredential(credential), await own.getStatusListCredential(listId))
    assert.equal(await source.ofCredential({ type: ['VerifiableCredential'] }), undefined)
  })
})
