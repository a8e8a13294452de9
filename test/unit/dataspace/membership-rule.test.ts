import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HttpMembership } from '../../../src/bindings/http/index.js'
import { MembershipRule } from '../../../src/dataspace/index.js'

const SHOWN_OVER_HTTP = 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH'
const ADMITTED = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
const CONNECTING = 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG'
const OUTSIDER = 'did:web:example.org'

/** Membership over libp2p as the admission gate answers it: admitted peers, and peers not connected now. */
function libp2pMembers() {
  const asked: { did: string; connectedOnly: boolean }[] = []
  return {
    asked,
    async isAdmitted(did: string, options: { connectedOnly: boolean }) {
      asked.push({ did, ...options })
      if (did === ADMITTED) return true
      // A peer whose handshake has not started: admitted only if its handshake is waited for.
      return did === CONNECTING && !options.connectedOnly
    },
  }
}

async function httpMembers(): Promise<HttpMembership> {
  let now = Date.parse('2026-12-05T10:00:00Z')
  const members = new HttpMembership({
    clock: () => now,
    check: async (_presentation, holder) =>
      holder === SHOWN_OVER_HTTP ? { member: true } : { member: false, reason: 'no membership credential' },
  })
  await members.present(SHOWN_OVER_HTTP, { type: ['VerifiablePresentation'] })
  now += 1000
  return members
}

describe('MembershipRule: one membership rule over both bindings', () => {
  it('counts membership shown in an ID token without asking libp2p', async () => {
    const overLibp2p = libp2pMembers()
    const rule = new MembershipRule({ overHttp: await httpMembers(), overLibp2p })
    assert.equal(await rule.isMember(SHOWN_OVER_HTTP, true), true)
    assert.equal(await rule.isMember(SHOWN_OVER_HTTP, false), true)
    assert.deepEqual(overLibp2p.asked, [])
  })

  it('counts a peer admitted at the libp2p handshake, on either binding', async () => {
    const rule = new MembershipRule({ overHttp: await httpMembers(), overLibp2p: libp2pMembers() })
    assert.equal(await rule.isMember(ADMITTED, false), true)
    assert.equal(await rule.isMember(ADMITTED, true), true)
  })

  it('waits for a libp2p handshake only when the request came over libp2p', async () => {
    const overLibp2p = libp2pMembers()
    const rule = new MembershipRule({ overHttp: await httpMembers(), overLibp2p })
    assert.equal(await rule.isMember(CONNECTING, false), true)
    assert.equal(await rule.isMember(CONNECTING, true), false)
    assert.deepEqual(overLibp2p.asked, [
      { did: CONNECTING, connectedOnly: false },
      { did: CONNECTING, connectedOnly: true },
    ])
  })

  it('refuses a party that showed membership nowhere', async () => {
    const rule = new MembershipRule({ overHttp: await httpMembers(), overLibp2p: libp2pMembers() })
    assert.equal(await rule.isMember(OUTSIDER, false), false)
    assert.equal(await rule.isMember(OUTSIDER, true), false)
  })
})
