import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  type JsonLdObject,
  parseStatusListUrl,
  presentCredentials,
  StatusListCache,
} from '../../../src/credentials/index.js'
import {
  checkMembership,
  createDescriptor,
  type DataspaceDescriptor,
  issueMembershipCredential,
  issueRevocationList,
  MemberRegistry,
  MembershipAdmissionPolicy,
  MembershipWallet,
  NotAnAnchorError,
  provenNames,
  RevocationLists,
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

  it("admits on an anchor's own endorsement without the lists of the other credentials shown", async () => {
    const own = await endorsement(single, k.anchor1, k.member)
    const vp = await presentCredentials([own, await endorsement(single, k.anchor2, k.member)], k.member, {
      challenge: 'nonce-1',
      domain: single.id,
    })
    // anchor2 cannot be reached: only anchor1's list can be had
    const anchor2Away = new StatusListCache({
      ttlMs: 0,
      fetcher: async (url) => {
        const { issuerDid, listId } = parseStatusListUrl(url)
        if (issuerDid !== k.anchor1.did) throw new Error(`${issuerDid} cannot be reached`)
        return lists.issuer(k.anchor1).getStatusListCredential(listId)
      },
    })
    const options = {
      descriptor: single,
      holder: k.member.did,
      challenge: 'nonce-1',
      statusChecker: anchor2Away,
    }
    const atAnchor1 = await checkMembership(vp, { ...options, ownEndorsement: own })
    assert.ok(atAnchor1.member, JSON.stringify(atAnchor1))
    assert.deepEqual(atAnchor1.endorsedBy, [k.anchor1.did])
    // A member goes by what it is shown: every list of it.
    const atMember = await checkMembership(vp, options)
    assert.equal(!atMember.member && atMember.check, 'status-unavailable')
    // The anchor still checks the proof: one made for another challenge is refused.
    const replayed = await checkMembership(vp, { ...options, challenge: 'nonce-2', ownEndorsement: own })
    assert.equal(!replayed.member && replayed.check, 'challenge')
    // With two endorsements required, its own is not enough: it verifies what it is shown.
    const ownOfDouble = await endorsement(double, k.anchor1, k.member)
    const atAnchor1OfDouble = await checkMembership(
      await presentCredentials([ownOfDouble], k.member, { challenge: 'nonce-1', domain: double.id }),
      { ...options, descriptor: double, ownEndorsement: ownOfDouble },
    )
    assert.equal(!atAnchor1OfDouble.member && atAnchor1OfDouble.check, 'too-few-endorsements')
  })

  it("does not admit on an anchor's own endorsement that has run out", async () => {
    const issued = new Date(Date.now() - 3 * 24 * 3600 * 1000)
    const expired = await endorsement(single, k.anchor1, k.member, issued)
    // The member shows nothing: before, the register's endorsement alone admitted it, expired or not.
    const vp = await presentCredentials([], k.member, { challenge: 'nonce-1', domain: single.id })
    const verdict = await checkMembership(vp, {
      descriptor: single,
      holder: k.member.did,
      challenge: 'nonce-1',
      statusChecker: lists.cache,
      ownEndorsement: expired,
    })
    assert.equal(!verdict.member && verdict.check, 'too-few-endorsements')
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

  describe('revocation rule (any anchor vetoes unless the descriptor says otherwise)', () => {
    async function vetoCheck(
      descriptor: DataspaceDescriptor,
      credentials: JsonLdObject[],
      lists: RevocationLists,
    ) {
      const vp = await presentCredentials(credentials, k.member, { challenge: 'n', domain: descriptor.id })
      return checkMembership(vp, {
        descriptor,
        holder: k.member.did,
        challenge: 'n',
        statusChecker: statusCache(),
        vetoes: (member, shown) => lists.vetoesOf(member, shown),
      })
    }
    const statusCache = () => lists.cache

    it('drops a member when an anchor that never endorsed it revokes it, and lets it in once that anchor endorses it again', async () => {
      const registry2 = new MemberRegistry({
        store: await tempStore(),
        key: k.anchor2,
        descriptor: single,
        statusLists: lists.issuer(k.anchor2),
      })
      const held = new RevocationLists(store, single)
      await held.load()
      const fromAnchor1 = await endorsement(single, k.anchor1, k.member)
      assert.equal((await vetoCheck(single, [fromAnchor1], held)).member, true)
      const { revokedAt } = await registry2.revoke(k.member.did)
      assert.equal(await held.take(await registry2.revocationList()), true)
      const verdict = await vetoCheck(single, [fromAnchor1], held)
      assert.equal(!verdict.member && verdict.check, 'revoked')
      assert.ok(!verdict.member && verdict.reason.includes(`revoked by ${k.anchor2.did} at ${revokedAt}`))
      // a node that restarts reads the list from its store
      const restarted = new RevocationLists(store, single)
      await restarted.load()
      assert.deepEqual(restarted.vetoesOf(k.member.did), [{ by: k.anchor2.did, at: revokedAt }])
      // anchor 2 endorses it: its own newer credential lifts its veto before its new list arrives
      const renewed = (await registry2.endorse(k.member.did)).credential
      assert.equal((await vetoCheck(single, [fromAnchor1, renewed], held)).member, true)
      assert.equal((await vetoCheck(single, [fromAnchor1], held)).member, false, 'hiding it does not help')
      assert.equal(await held.take(await registry2.revocationList()), true)
      assert.equal((await vetoCheck(single, [fromAnchor1], held)).member, true)
    })

    it('needs r revocations when the descriptor says r of n', async () => {
      const twoVetoes = await createDescriptor({
        title: 'Zwei Vetos',
        anchors: [k.anchor1, k.anchor2],
        endorsementsRequired: 1,
        revocationsRequired: 2,
      })
      const held = new RevocationLists(store, twoVetoes)
      const fromAnchor1 = await endorsement(twoVetoes, k.anchor1, k.member)
      for (const anchor of [k.anchor2, k.anchor1]) {
        // one store per anchor, as on their own nodes
        const registry = new MemberRegistry({
          store: await tempStore(),
          key: anchor,
          descriptor: twoVetoes,
          statusLists: lists.issuer(anchor),
        })
        await registry.revoke(k.member.did)
        await held.take(await registry.revocationList())
        if (anchor === k.anchor2) assert.equal((await vetoCheck(twoVetoes, [fromAnchor1], held)).member, true)
      }
      assert.equal((await vetoCheck(twoVetoes, [fromAnchor1], held)).member, false)
    })

    it('takes no list that is forged, foreign, or older than the one held', async () => {
      const held = new RevocationLists(store, single)
      const registry = new MemberRegistry({
        store: await tempStore(),
        key: k.anchor1,
        descriptor: single,
        statusLists: lists.issuer(k.anchor1),
      })
      await registry.revoke(k.other.did)
      const list = await registry.revocationList()
      const tampered = structuredClone(list)
      ;(tampered.credentialSubject as { revokedMember: unknown[] }).revokedMember.push({
        member: k.member.did,
        revokedAt: new Date().toISOString(),
      })
      assert.equal(await held.take(tampered), false)
      assert.equal(
        await held.take(await issueRevocationList(single, k.stranger, [], new Date())).catch(() => false),
        false,
      )
      assert.equal(await held.take(list), true)
      assert.equal(await held.take(list), false)
      assert.deepEqual(held.vetoesOf(k.member.did), [])
      assert.equal(held.vetoesOf(k.other.did).length, 1)
    })
  })

  it('names parties only from membership credentials an anchor of the bundled descriptor signed', async () => {
    const named = await issueMembershipCredential(single, k.anchor1, k.member.did, {
      credentialStatus: await lists.issuer(k.anchor1).allocate(),
      name: 'Landkreis Kusel',
    })
    const forged = await issueMembershipCredential(
      { ...single, trustAnchor: [...single.trustAnchor, k.stranger.did] },
      k.stranger,
      k.other.did,
      { credentialStatus: await lists.issuer(k.stranger).allocate(), name: 'Falsche Stadt' },
    )
    const parties = [k.member.did, k.other.did, k.anchor2.did]
    const names = await provenNames({ descriptor: single, credentials: [named, forged] }, parties)
    const member = names[k.member.did]
    assert.ok(member?.name !== undefined)
    assert.deepEqual([member.name, member.issuer], ['Landkreis Kusel', k.anchor1.did])
    assert.equal(names[k.other.did]?.name, undefined, 'a stranger vouches for nobody')
    const anchor = names[k.anchor2.did]
    assert.ok(anchor !== undefined && anchor.name === undefined)
    assert.equal(anchor.anchorOf?.dataspace, single.id)
    const withoutDescriptor = await provenNames({ credentials: [named] }, parties)
    assert.equal(withoutDescriptor[k.member.did]?.name, undefined)
    const altered = (
      await provenNames({ descriptor: { ...single, title: 'Anders' }, credentials: [named] }, parties)
    )[k.member.did]
    assert.ok(altered !== undefined && altered.name === undefined)
    assert.match(altered.why, /does not verify/)
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
      assert.deepEqual(await registry.activeMembers(), [])
      const first = await registry.endorse(k.other.did)
      assert.equal((await registry.endorse(k.other.did)).credential.id, first.credential.id)
      assert.equal((await registry.activeCredential(k.other.did))?.id, first.credential.id)
      assert.deepEqual(await registry.activeMembers(), [k.other.did])
      const revoked = await registry.revoke(k.other.did)
      assert.ok(revoked.revokedAt !== undefined)
      assert.equal(await registry.activeCredential(k.other.did), undefined)
      assert.deepEqual(await registry.activeMembers(), [])
      const { revoked: bit } = await lists.cache.check(first.credential)
      assert.equal(bit, true)
      const renewed = await registry.endorse(k.other.did)
      assert.notEqual(renewed.credential.id, first.credential.id)
      assert.deepEqual(await registry.activeMembers(), [k.other.did])
      assert.deepEqual(
        (await registry.list()).map((r) => r.did),
        [k.other.did],
      )
      await assert.rejects(registry.endorse('did:web:example.org'), /did:key/)
    })

    it('keeps a signed revocation list: members it revoked, endorsed or not, until it endorses them again', async () => {
      const registry = new MemberRegistry({
        store: await tempStore(),
        key: k.anchor2,
        descriptor: double,
        statusLists: lists.issuer(k.anchor2),
      })
      const listed = async () => {
        const list = await registry.revocationList()
        return (list.credentialSubject as { revokedMember: { member: string }[] }).revokedMember.map(
          (r) => r.member,
        )
      }
      assert.deepEqual(await listed(), [])
      const vetoed = await registry.revoke(k.stranger.did)
      assert.equal(vetoed.member, k.stranger.did)
      assert.equal(await registry.get(k.stranger.did), undefined, 'a veto endorses nobody')
      assert.deepEqual(await registry.credentialOrRevocation(k.stranger.did), { revokedAt: vetoed.revokedAt })
      const before = await registry.revocationList()
      assert.deepEqual(await listed(), [k.stranger.did])
      await registry.endorse(k.stranger.did)
      assert.deepEqual(await listed(), [])
      const after = await registry.revocationList()
      assert.ok(String(after.validFrom) > String(before.validFrom), 'each change is signed anew, later')
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

  describe('MembershipWallet', () => {
    it('lists a credential once it is put and no longer once it is removed', async () => {
      const own = await tempStore()
      try {
        const credential = await endorsement(single, k.anchor1, k.member)
        const wallet = new MembershipWallet(own, single, k.member.did)
        assert.deepEqual(await wallet.list(), [])
        await wallet.put(credential, k.anchor1.did)
        assert.deepEqual(await wallet.endorsers(), [k.anchor1.did])
        assert.deepEqual(await wallet.list(new Date(Date.parse(credential.validUntil as string) + 1)), [])
        assert.equal(await wallet.remove(k.anchor1.did), true)
        assert.deepEqual(await wallet.list(), [])
      } finally {
        await own.close()
      }
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

    it('lets an anchor admit a member it endorsed that shows no credential yet, and no other', async () => {
      const registry = new MemberRegistry({
        store,
        key: k.anchor2,
        descriptor: single,
        statusLists: lists.issuer(k.anchor2),
      })
      await registry.endorse(k.other.did)
      const anchorPolicy = new MembershipAdmissionPolicy({
        descriptor: single,
        key: k.anchor2,
        wallet: new MembershipWallet(store, single, k.anchor2.did),
        statusChecker: lists.cache,
        ownEndorsement: (member) => registry.activeCredential(member),
      })
      const showsNothing = (key: NodeKey) =>
        new MembershipAdmissionPolicy({
          descriptor: single,
          key,
          wallet: { list: async () => [] },
          statusChecker: lists.cache,
        }).proofFor('anchor-nonce')
      const endorsed = await anchorPolicy.check(
        k.other.did,
        { dataspace: single.id, proof: await showsNothing(k.other) },
        'anchor-nonce',
      )
      assert.deepEqual(endorsed, { admitted: true })
      assert.deepEqual(anchorPolicy.membershipOf(k.other.did)?.endorsedBy, [k.anchor2.did])
      const stranger = await anchorPolicy.check(
        k.stranger.did,
        { dataspace: single.id, proof: await showsNothing(k.stranger) },
        'anchor-nonce',
      )
      assert.equal(stranger.admitted, false)
      assert.match(!stranger.admitted ? stranger.reason : '', /too-few-endorsements/)
      await registry.revoke(k.other.did)
      const revoked = await anchorPolicy.check(
        k.other.did,
        { dataspace: single.id, proof: await showsNothing(k.other) },
        'anchor-nonce',
      )
      assert.equal(revoked.admitted, false)
    })
  })
})
