import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type JsonLdObject, presentCredentials } from '../../../src/credentials/index.js'
import {
  checkMembership,
  createDescriptor,
  type DataspaceDescriptor,
  issueMembershipCredential,
  MemberRegistry,
  MembershipAdmissionPolicy,
  MembershipWallet,
  NotAnAnchorError,
} from '../../../src/dataspace/index.js'
import type { NodeKey } from '../../../src/identity/index.js'
import type { Store } from '../../../src/store/index.js'
import { keys, statusLists, tempStore } from './fixtures.js'

describe('membership', () => {
  let k: Awaited<ReturnType<typeof keys>>
  let store: Store
  let lists: Awaited<ReturnType<typeof statusLists>>
  let single: DataspaceDescriptor
  let double: DataspaceDescriptor

  before(async () => {
    k = await keys()
    store = await tempStore()
    lists = await statusLists(store, [k.anchor1, k.anchor2, k.stranger])
    single = await createDescriptor({
      title: 'Eins',
      anchors: [k.anchor1, k.anchor2],
      endorsementsRequired: 1,
    })
    double = await createDescriptor({
      title: 'Zwei',
      anchors: [k.anchor1, k.anchor2],
      endorsementsRequired: 2,
    })
  })
  after(() => store.close())

  async function endorsement(descriptor: DataspaceDescriptor, issuer: NodeKey, member: NodeKey, now?: Date) {
    return issueMembershipCredential(descriptor, issuer, member.did, {
      credentialStatus: await lists.issuer(issuer).allocate(),
      ...(now === undefined ? {} : { now, validityDays: 1 }),
    })
  }

  async function check(
    descriptor: DataspaceDescriptor,
    credentials: JsonLdObject[],
    options: {
      holder?: NodeKey
      signer?: NodeKey
      challenge?: string
      domain?: string
      expect?: string
      presentedAt?: Date
    } = {},
  ) {
    const signer = options.signer ?? k.member
    const vp = await presentCredentials(credentials, signer, {
      challenge: options.challenge ?? 'nonce-1',
      domain: options.domain ?? descriptor.id,
      ...(options.presentedAt === undefined ? {} : { now: options.presentedAt }),
    })
    return checkMembership(vp, {
      descriptor,
      holder: (options.holder ?? k.member).did,
      challenge: options.expect ?? 'nonce-1',
      statusChecker: lists.cache,
    })
  }

  it('admits a member endorsed by an anchor, for our challenge and the data space domain', async () => {
    const verdict = await check(single, [await endorsement(single, k.anchor1, k.member)])
    assert.equal(verdict.member, true)
    assert.ok(verdict.member && verdict.endorsedBy.includes(k.anchor1.did) && !verdict.anchor)
  })

  it('admits an anchor by its DID, with no credential', async () => {
    const verdict = await check(single, [], { signer: k.anchor2, holder: k.anchor2 })
    assert.ok(verdict.member && verdict.anchor)
  })

  it('refuses a credential issued by someone who is no anchor', async () => {
    const forged = await issueMembershipCredential(
      { ...single, trustAnchor: [...single.trustAnchor, k.stranger.did] },
      k.stranger,
      k.member.did,
      { credentialStatus: await lists.issuer(k.stranger).allocate() },
    )
    const verdict = await check(single, [forged])
    assert.equal(verdict.member, false)
    assert.equal(!verdict.member && verdict.check, 'wrong-anchor')
  })

  it('refuses too few endorsements, and admits with enough distinct anchors', async () => {
    const one = await endorsement(double, k.anchor1, k.member)
    const again = await endorsement(double, k.anchor1, k.member)
    for (const shown of [[], [one], [one, again]]) {
      const verdict = await check(double, shown)
      assert.equal(
        !verdict.member && verdict.check,
        'too-few-endorsements',
        `with ${shown.length} credential(s)`,
      )
    }
    const verdict = await check(double, [one, await endorsement(double, k.anchor2, k.member)])
    assert.ok(verdict.member && verdict.endorsedBy.length === 2)
  })

  it('refuses a revoked credential', async () => {
    const credential = await endorsement(single, k.anchor1, k.member)
    assert.equal((await check(single, [credential])).member, true)
    await lists.issuer(k.anchor1).revoke(credential.credentialStatus as never)
    const verdict = await check(single, [credential])
    assert.equal(!verdict.member && verdict.check, 'revoked')
  })

  it('refuses a presentation for another challenge or another domain', async () => {
    const credential = await endorsement(single, k.anchor1, k.member)
    const replayed = await check(single, [credential], { challenge: 'old-nonce', expect: 'fresh-nonce' })
    assert.equal(!replayed.member && replayed.check, 'challenge')
    const elsewhere = await check(single, [credential], { domain: double.id })
    assert.equal(!elsewhere.member && elsewhere.check, 'domain')
  })

  it("refuses someone showing another member's credential, and a credential of another data space", async () => {
    const credential = await endorsement(single, k.anchor1, k.member)
    const stolen = await check(single, [credential], { signer: k.other, holder: k.other })
    assert.equal(!stolen.member && stolen.check, 'wrong-subject')
    const presentedAsOther = await check(single, [credential], { holder: k.other })
    assert.equal(presentedAsOther.member, false)
    const foreign = await check(double, [credential])
    assert.equal(!foreign.member && foreign.check, 'wrong-dataspace')
  })

  it('refuses an expired credential', async () => {
    const issued = new Date(Date.now() - 3 * 24 * 3600 * 1000)
    const old = await endorsement(single, k.anchor1, k.member, issued)
    // presented while it was valid, replayed now
    const verdict = await check(single, [old], { presentedAt: new Date(issued.getTime() + 3600_000) })
    assert.equal(!verdict.member && verdict.check, 'expired')
  })

  it('refuses no presentation at all', async () => {
    const verdict = await checkMembership(null, { descriptor: single, holder: k.member.did, challenge: 'n' })
    assert.equal(!verdict.member && verdict.check, 'no-presentation')
  })

  describe('MemberRegistry', () => {
    it('endorses idempotently, revokes, and endorses anew after a revocation', async () => {
      const registry = new MemberRegistry({
        store,
        key: k.anchor2,
        descriptor: single,
        statusLists: lists.issuer(k.anchor2),
      })
      const first = await registry.endorse(k.other.did)
      assert.equal((await registry.endorse(k.other.did)).credential.id, first.credential.id)
      assert.equal((await registry.activeCredential(k.other.did))?.id, first.credential.id)
      const revoked = await registry.revoke(k.other.did)
      assert.ok(revoked.revokedAt !== undefined)
      assert.equal(await registry.activeCredential(k.other.did), undefined)
      const { revoked: bit } = await lists.cache.check(first.credential)
      assert.equal(bit, true)
      const renewed = await registry.endorse(k.other.did)
      assert.notEqual(renewed.credential.id, first.credential.id)
      assert.deepEqual(
        (await registry.list()).map((r) => r.did),
        [k.other.did],
      )
      await assert.rejects(registry.revoke(k.stranger.did), /never endorsed/)
      await assert.rejects(registry.endorse('did:web:example.org'), /did:key/)
    })

    it('refuses a node that is no anchor', async () => {
      assert.throws(
        () =>
          new MemberRegistry({
            store,
            key: k.member,
            descriptor: single,
            statusLists: lists.issuer(k.anchor1),
          }),
        NotAnAnchorError,
      )
    })
  })

  describe('MembershipAdmissionPolicy', () => {
    it('shows the wallet credential to a peer, admits the peer, and finds the revocation on recheck', async () => {
      const registry = new MemberRegistry({
        store,
        key: k.anchor1,
        descriptor: single,
        statusLists: lists.issuer(k.anchor1),
      })
      const { credential } = await registry.endorse(k.member.did)
      const wallet = new MembershipWallet(store, single, k.member.did)
      await wallet.put(credential, k.anchor1.did)
      await assert.rejects(new MembershipWallet(store, single, k.other.did).put(credential), /for did:key/)
      const memberPolicy = new MembershipAdmissionPolicy({
        descriptor: single,
        key: k.member,
        wallet,
        statusChecker: lists.cache,
      })
      const anchorPolicy = new MembershipAdmissionPolicy({
        descriptor: single,
        key: k.anchor1,
        wallet: new MembershipWallet(store, single, k.anchor1.did),
        statusChecker: lists.cache,
      })
      const proof = await memberPolicy.proofFor('anchor-nonce')
      assert.deepEqual(
        await anchorPolicy.check(k.member.did, { dataspace: single.id, proof }, 'anchor-nonce'),
        {
          admitted: true,
        },
      )
      const wrongSpace = await anchorPolicy.check(
        k.member.did,
        { dataspace: 'suedwest', proof },
        'anchor-nonce',
      )
      assert.equal(wrongSpace.admitted, false)
      const anchorProof = await anchorPolicy.proofFor('member-nonce')
      assert.equal(
        (
          await memberPolicy.check(
            k.anchor1.did,
            { dataspace: single.id, proof: anchorProof },
            'member-nonce',
          )
        ).admitted,
        true,
      )
      assert.deepEqual(await anchorPolicy.recheck(k.member.did), { valid: true })
      await registry.revoke(k.member.did)
      const recheck = await anchorPolicy.recheck(k.member.did)
      assert.equal(recheck.valid, false)
      const refused = await anchorPolicy.check(
        k.member.did,
        { dataspace: single.id, proof: await memberPolicy.proofFor('n2') },
        'n2',
      )
      assert.equal(refused.admitted, false)
      assert.match(!refused.admitted ? refused.reason : '', /revoked/)
    })
  })
})
