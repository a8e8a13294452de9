import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type JsonLdObject,
  parseStatusListUrl,
  StatusListCache,
  StatusListError,
  StatusListIssuer,
  StatusListUnavailableError,
  statusListUrl,
  verifyCredential,
} from '../../../src/credentials/index.js'
import { Store } from '../../../src/store/index.js'
import { tempDir } from '../../support/temp-dir.js'
import { parties } from './fixtures.js'

describe('statusListUrl / parseStatusListUrl', () => {
  it('round-trips issuer DID and list id', async () => {
    const { provider } = await parties()
    const url = statusListUrl(provider.did, '7')
    assert.equal(url, `urn:allmende:status:${provider.did}:7`)
    assert.deepEqual(parseStatusListUrl(url), { issuerDid: provider.did, listId: '7' })
    assert.throws(() => parseStatusListUrl('https://example.org/list'), StatusListError)
  })
})

describe('StatusListIssuer', () => {
  it('allocates indexes, revokes, and keeps both across a Store reopen', async () => {
    const { provider } = await parties()
    const dir = await tempDir('allmende-status-')
    let store = await Store.open(dir)
    let lists = await StatusListIssuer.open({ store, key: provider, length: 16 })
    const first = await lists.allocate()
    const second = await lists.allocate()
    assert.equal(first.statusListIndex, '0')
    assert.equal(second.statusListIndex, '1')
    assert.equal(first.statusListCredential, statusListUrl(provider.did, '1'))
    await lists.revoke(second)
    assert.equal(await lists.isRevoked('1', 1), true)
    assert.equal(await lists.isRevoked('1', 0), false)
    await store.close()

    store = await Store.open(dir)
    lists = await StatusListIssuer.open({ store, key: provider, length: 16 })
    assert.equal(await lists.isRevoked('1', 1), true)
    assert.equal(await lists.isRevoked('1', 0), false)
    const third = await lists.allocate()
    assert.equal(third.statusListIndex, '2', 'allocation resumes after the last index')
    await store.close()
  })

  it('starts a new list when one is full, and refuses unallocated indexes', async () => {
    const { provider } = await parties()
    const store = await Store.open(await tempDir('allmende-status-'))
    const lists = await StatusListIssuer.open({ store, key: provider, length: 8 })
    const entries = []
    for (let i = 0; i < 9; i++) entries.push(await lists.allocate())
    assert.equal(entries[8]!.statusListCredential, statusListUrl(provider.did, '2'))
    assert.equal(entries[8]!.statusListIndex, '0')
    await assert.rejects(lists.revoke({ listId: '2', index: 5 }), StatusListError)
    await store.close()
  })

  it('serves a signed list credential that verifies and carries the revocation', async () => {
    const { provider } = await parties()
    const store = await Store.open(await tempDir('allmende-status-'))
    const lists = await StatusListIssuer.open({ store, key: provider, length: 16 })
    const entry = await lists.allocate()
    await lists.revoke(entry)
    const listCredential = await lists.getStatusListCredential('1')
    assert.equal(listCredential.id, entry.statusListCredential)
    const result = await verifyCredential(listCredential)
    assert.ok(result.verified)
    assert.equal(result.issuer, provider.did)
    await store.close()
  })
})

describe('StatusListCache', () => {
  it('reads the bit itself and re-fetches only after the TTL', async () => {
    const { provider } = await parties()
    const store = await Store.open(await tempDir('allmende-status-'))
    const lists = await StatusListIssuer.open({ store, key: provider, length: 16 })
    const entry = await lists.allocate()
    const credential: JsonLdObject = { issuer: provider.did, credentialStatus: entry }
    let fetches = 0
    let clock = Date.now()
    const cache = new StatusListCache({
      fetcher: async (url) => {
        fetches++
        return lists.getStatusListCredential(parseStatusListUrl(url).listId)
      },
      ttlMs: 60_000,
      clock: () => clock,
    })
    assert.equal((await cache.check(credential)).revoked, false)
    await lists.revoke(entry)
    assert.equal((await cache.check(credential)).revoked, false, 'within the TTL the cached list answers')
    assert.equal(fetches, 1)
    clock += 60_001
    assert.equal((await cache.check(credential)).revoked, true, 'after the TTL the new list is fetched')
    assert.equal(fetches, 2)
    await store.close()
  })

  it('hands on the current list, fetching it only once the one held is stale', async () => {
    const { store, lists, entry, clock } = await issuerWithClock()
    const listUrl = entry.statusListCredential
    let fetches = 0
    const cache = new StatusListCache({
      fetcher: async (url) => {
        fetches++
        return lists.getStatusListCredential(parseStatusListUrl(url).listId)
      },
      ttlMs: 60_000,
      clock: clock.now,
    })
    const first = await cache.current(listUrl)
    assert.deepEqual(await cache.current(listUrl), first)
    assert.equal(fetches, 1, 'fresh: handed on as held')
    clock.advance(60_001)
    await lists.revoke(entry)
    const next = await cache.current(listUrl)
    assert.equal(fetches, 2, 'stale: fetched anew')
    assert.notDeepEqual(next, first, 'the list signed on the revocation')
    await store.close()
  })

  it('hands on the list it holds while fresh, and takes no copy older than one it saw', async () => {
    const { provider, store, lists, entry, clock } = await issuerWithClock()
    const credential: JsonLdObject = { issuer: provider.did, credentialStatus: entry }
    const listUrl = entry.statusListCredential
    const before = await lists.getStatusListCredential(parseStatusListUrl(listUrl).listId)
    let handedOn: JsonLdObject | undefined
    const cache = new StatusListCache({
      fetcher: async (url) => handedOn ?? lists.getStatusListCredential(parseStatusListUrl(url).listId),
      ttlMs: 60_000,
      clock: clock.now,
    })
    assert.equal(await cache.fresh(listUrl), undefined, 'nothing held before the first check')
    assert.equal((await cache.check(credential)).revoked, false)
    assert.deepEqual(await cache.fresh(listUrl), before)
    // the list is signed anew on the revocation, a minute later
    clock.advance(60_001)
    await lists.revoke(entry)
    assert.equal(await cache.fresh(listUrl), undefined, 'an expired list is not handed on')
    assert.equal((await cache.check(credential)).revoked, true)
    // a peer hands on the list from before the revocation: refused, and the revocation is not forgotten
    handedOn = before
    clock.advance(60_001)
    await assert.rejects(cache.check(credential), /older than the one this node saw/)
    handedOn = undefined
    assert.equal((await cache.check(credential)).revoked, true)
    await store.close()
  })

  it('refuses a list issued by someone else than the credential issuer', async () => {
    const { provider, stranger } = await parties()
    const store = await Store.open(await tempDir('allmende-status-'))
    const lists = await StatusListIssuer.open({ store, key: stranger, length: 16 })
    const entry = await lists.allocate()
    const cache = new StatusListCache({
      fetcher: async (url) => lists.getStatusListCredential(parseStatusListUrl(url).listId),
    })
    await assert.rejects(
      cache.check({ issuer: provider.did, credentialStatus: entry }),
      StatusListUnavailableError,
    )
    await store.close()
  })

  it('refuses a tampered list credential', async () => {
    const { provider } = await parties()
    const store = await Store.open(await tempDir('allmende-status-'))
    const lists = await StatusListIssuer.open({ store, key: provider, length: 16 })
    const entry = await lists.allocate()
    const cache = new StatusListCache({
      fetcher: async (url) => {
        const list = await lists.getStatusListCredential(parseStatusListUrl(url).listId)
        ;(list.credentialSubject as { encodedList: string }).encodedList = 'uH4sIAAAAAAAAA2NgAAIAAAAA'
        return list
      },
    })
    await assert.rejects(
      cache.check({ issuer: provider.did, credentialStatus: entry }),
      StatusListUnavailableError,
    )
    await store.close()
  })
})

/** A status list issuer on a clock the test moves, with one index allocated. */
async function issuerWithClock() {
  const { provider } = await parties()
  const store = await Store.open(await tempDir('allmende-status-'))
  let time = Date.now()
  const clock = {
    now: () => time,
    advance: (ms: number) => {
      time += ms
    },
  }
  const lists = await StatusListIssuer.open({ store, key: provider, length: 16, now: () => new Date(time) })
  const entry = await lists.allocate()
  return { provider, store, lists, entry, clock }
}
