import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HttpMembership, IdTokenAuthenticator, IdTokenIssuer } from '../../../../src/bindings/http/index.js'
import { issueIdToken, type JsonLdObject } from '../../../../src/credentials/index.js'
import { generateNodeKey } from '../../../../src/identity/index.js'

const BASE = 'http://127.0.0.1:8282/dsp/2025-1'

describe('IdTokenAuthenticator.authenticate(authorization)', async () => {
  const callee = await generateNodeKey()
  const caller = await generateNodeKey()

  it('accepts a self-issued ID token for this DID, once', async () => {
    const auth = new IdTokenAuthenticator({ did: callee.did, baseUrl: () => BASE })
    const token = await issueIdToken(caller, { audience: callee.did, lifetimeSeconds: 60 })
    assert.deepEqual(await auth.authenticate(`Bearer ${token}`), { did: caller.did, isMember: false })
    await assert.rejects(auth.authenticate(`Bearer ${token}`), {
      code: 'ALLMENDE_NOT_AUTHENTICATED',
      message: /already used/,
    })
  })

  it('refuses a missing header, another scheme, garbage and another audience, all as 401 errors', async () => {
    const auth = new IdTokenAuthenticator({ did: callee.did, baseUrl: () => BASE })
    const token = await issueIdToken(caller, { audience: caller.did })
    for (const header of [undefined, '', `Basic ${token}`, 'Bearer x.y.z', `Bearer ${token}`]) {
      await assert.rejects(auth.authenticate(header), { code: 'ALLMENDE_NOT_AUTHENTICATED' }, String(header))
    }
  })

  it('accepts the DSP URL as audience only where allowed (catalog requests)', async () => {
    const auth = new IdTokenAuthenticator({ did: callee.did, baseUrl: () => BASE })
    const first = await issueIdToken(caller, { audience: BASE })
    await assert.rejects(auth.authenticate(`Bearer ${first}`), { message: /not for/ })
    const second = await issueIdToken(caller, { audience: BASE })
    assert.equal((await auth.authenticate(`Bearer ${second}`, { allowUrlAudience: true })).did, caller.did)
    await assert.rejects(auth.authenticate(`Bearer ${second}`, { allowUrlAudience: true }), {
      message: /already used/,
    })
  })

  it('makes the caller a member when the vp claim passes the membership check, and remembers it', async () => {
    let checks = 0
    const membership = new HttpMembership({
      check: async (vp, holder) => {
        checks++
        return vp.ok === true && holder === caller.did ? { member: true } : { member: false, reason: 'no' }
      },
    })
    const auth = new IdTokenAuthenticator({ did: callee.did, baseUrl: () => undefined, membership })
    const bad = await issueIdToken(caller, { audience: callee.did, vp: { ok: false } as JsonLdObject })
    assert.equal((await auth.authenticate(`Bearer ${bad}`)).isMember, false)
    for (let i = 0; i < 2; i++) {
      const good = await issueIdToken(caller, { audience: callee.did, vp: { ok: true } as JsonLdObject })
      assert.equal((await auth.authenticate(`Bearer ${good}`)).isMember, true)
    }
    assert.equal(checks, 2, 'the same presentation is verified once')
    const plain = await issueIdToken(caller, { audience: callee.did })
    assert.equal((await auth.authenticate(`Bearer ${plain}`)).isMember, true)
    assert.equal(membership.isMember(caller.did), true)
  })
})

describe('HttpMembership', () => {
  it('forgets a member after half the refresh period', async () => {
    let now = 1_000_000
    const membership = new HttpMembership({
      check: async () => ({ member: true }),
      refreshSeconds: 2,
      clock: () => now,
    })
    assert.deepEqual(await membership.present('did:key:zA', {}), { member: true })
    assert.equal(membership.isMember('did:key:zA'), true)
    now += 1001
    assert.equal(membership.isMember('did:key:zA'), false)
  })
})

describe('IdTokenIssuer.token(audience)', async () => {
  const key = await generateNodeKey()
  const callee = await generateNodeKey()

  it('issues a fresh token per call with the presentation cached per audience', async () => {
    let presented = 0
    const issuer = new IdTokenIssuer({
      key,
      presentation: async (audience) => {
        presented++
        return { challenge: audience } as JsonLdObject
      },
    })
    const auth = new IdTokenAuthenticator({ did: callee.did, baseUrl: () => undefined })
    const a = await issuer.token(callee.did)
    const b = await issuer.token(callee.did)
    assert.notEqual(a, b)
    assert.equal((await auth.authenticate(`Bearer ${a}`)).did, key.did)
    assert.equal((await auth.authenticate(`Bearer ${b}`)).did, key.did)
    assert.equal(presented, 1)
    const payload = JSON.parse(Buffer.from(a.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >
    assert.deepEqual(payload.vp, { challenge: callee.did })
    assert.ok((payload.exp as number) - (payload.iat as number) <= 300)
  })

  it('shows no presentation to a URL audience, and asks again when there was nothing to show', async () => {
    let presented = 0
    const issuer = new IdTokenIssuer({
      key,
      presentation: async () => {
        presented++
        return undefined
      },
    })
    const url = await issuer.token(BASE)
    assert.equal(JSON.parse(Buffer.from(url.split('.')[1]!, 'base64url').toString()).vp, undefined)
    assert.equal(presented, 0)
    await issuer.token(callee.did)
    await new Promise((resolve) => setImmediate(resolve))
    await issuer.token(callee.did)
    assert.equal(presented, 2)
  })
})
