// Issue 10 item 4: a member revoked by its anchor loses members-only access over DSP HTTP within one
// membership refresh, as over libp2p: the verdict cache and the status list cache must not stack.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { HttpMembership } from '../../src/bindings/http/index.js'
import { type JsonLdObject, StatusListCache, StatusListIssuer } from '../../src/credentials/index.js'
import { generateNodeKey } from '../../src/identity/index.js'
import { Store } from '../../src/store/index.js'
import { tempDir } from '../support/temp-dir.js'

describe('security: membership revocation over DSP HTTP', () => {
  for (const refreshSeconds of [60, 10]) {
    it(`takes effect within one refresh period (${refreshSeconds} s), however the two caches line up`, async () => {
      const dir = await tempDir('allmende-revocation-')
      const store = await Store.open(join(dir, String(refreshSeconds)))
      try {
        const anchor = await generateNodeKey()
        const lists = await StatusListIssuer.open({ store, key: anchor })
        const entry = await lists.allocate()
        const credential = { issuer: anchor.did, credentialStatus: entry } as unknown as JsonLdObject
        // The issuer signs lists with the real time; the test's clock starts there and moves on alone.
        let now = Date.now()
        const clock = () => now
        const membership: HttpMembership = new HttpMembership({
          refreshSeconds,
          clock,
          check: async () =>
            (await statusLists.check(credential)).revoked
              ? { member: false, reason: 'revoked' }
              : { member: true },
        })
        const statusLists = new StatusListCache({
          ttlMs: membership.statusListTtlMs,
          clock,
          fetcher: async (url) => lists.getStatusListCredential(url.split(':').at(-1)!),
        })
        const period = refreshSeconds * 1000
        // Worst case: the list was fetched just before the revocation, and the member presents
        // again just before that list expires, so its verdict starts as late as it can.
        await statusLists.check(credential)
        await lists.revoke(entry)
        const revokedAt = now
        now = revokedAt + membership.statusListTtlMs - 1
        assert.deepEqual(await membership.present('did:key:zMember', { shown: 1 }), { member: true })
        for (const late of [period, period + 1]) {
          now = revokedAt + late
          const again = await membership.present('did:key:zMember', { shown: 1 })
          assert.equal(
            membership.isMember('did:key:zMember') || again.member,
            false,
            `still a member ${late} ms after the revocation`,
          )
        }
      } finally {
        await store.close()
      }
    })
  }
})
