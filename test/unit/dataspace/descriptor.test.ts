import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { addProof, type JsonLdObject } from '../../../src/credentials/index.js'
import {
  checkDescriptorDraft,
  createDescriptor,
  DATA_INTEGRITY_CONTEXT_V2,
  descriptorVersion,
  draftDescriptor,
  InvalidDescriptorError,
  nextDescriptorVersion,
  readDescriptorFile,
  signDescriptor,
  successorRefusal,
  VerifiedDescriptors,
  verifyDescriptor,
  writeDescriptorFile,
} from '../../../src/dataspace/index.js'
import { Store } from '../../../src/store/index.js'
import { tempDir } from '../../support/temp-dir.js'
import { keys } from './fixtures.js'

describe('data space descriptor', () => {
  it('is signed by its anchor and verifies', async () => {
    const { anchor1 } = await keys()
    const descriptor = await createDescriptor({
      title: 'Südwest-Cluster',
      anchors: [anchor1],
      bootstrap: [`/ip4/127.0.0.1/tcp/4001/p2p/${anchor1.peerId.toString()}`],
    })
    assert.match(descriptor.id, /^urn:uuid:[0-9a-f-]{36}$/)
    assert.deepEqual(descriptor.trustAnchor, [anchor1.did])
    assert.equal(descriptor.endorsementsRequired, 1)
    assert.equal(descriptor.odrlProfile, 'https://w3id.org/allmende/odrl-profile/v1')
    assert.deepEqual(descriptor['@context'].slice(0, 2), [
      'https://w3id.org/security/data-integrity/v2',
      'https://w3id.org/allmende/v1',
    ])
    const verified = await verifyDescriptor(JSON.parse(JSON.stringify(descriptor)))
    assert.equal(verified.title, 'Südwest-Cluster')
  })

  it('with two anchors carries a proof set and needs both proofs', async () => {
    const { anchor1, anchor2 } = await keys()
    const descriptor = await createDescriptor({
      title: 'Zwei',
      anchors: [anchor1, anchor2],
      endorsementsRequired: 2,
    })
    assert.equal((descriptor.proof as JsonLdObject[]).length, 2)
    await verifyDescriptor(descriptor)
    const halfSigned = { ...descriptor, proof: (descriptor.proof as JsonLdObject[])[0] }
    await assert.rejects(verifyDescriptor(halfSigned), /has not signed/)
  })

  const changes: ReadonlyArray<readonly [string, (d: JsonLdObject) => void]> = [
    [
      'title',
      (d) => {
        d.title = 'Übernommen'
      },
    ],
    [
      'trust anchors',
      (d) => {
        const anchors = d.trustAnchor as string[]
        d.trustAnchor = [...anchors, anchors[0]!.replace(/.$/, 'x')]
      },
    ],
    [
      'bootstrap addresses',
      (d) => {
        d.bootstrap = ['/ip4/10.0.0.66/tcp/4001/p2p/12D3KooWEvil']
      },
    ],
    [
      'endorsements required',
      (d) => {
        d.endorsementsRequired = 1
      },
    ],
  ]
  for (const [what, change] of changes) {
    it(`refuses a descriptor whose ${what} were changed after signing`, async () => {
      const { anchor1, anchor2 } = await keys()
      const descriptor = (await createDescriptor({
        title: 'Original',
        anchors: [anchor1, anchor2],
        endorsementsRequired: 2,
        bootstrap: [`/ip4/127.0.0.1/tcp/4001/p2p/${anchor1.peerId.toString()}`],
      })) as unknown as JsonLdObject
      const tampered = structuredClone(descriptor)
      change(tampered)
      await assert.rejects(verifyDescriptor(tampered), InvalidDescriptorError)
    })
  }

  it('refuses a descriptor signed by someone who is not an anchor', async () => {
    const { anchor1, stranger } = await keys()
    const descriptor = await createDescriptor({ title: 'X', anchors: [anchor1] })
    const countersigned = await addProof(descriptor as unknown as JsonLdObject, stranger)
    await assert.rejects(verifyDescriptor(countersigned), /not one of its trust anchors/)
  })

  it('refuses an unsigned or malformed descriptor with a message naming the field', async () => {
    const { anchor1 } = await keys()
    const descriptor = await createDescriptor({ title: 'X', anchors: [anchor1] })
    const { proof: _proof, ...unsigned } = descriptor
    await assert.rejects(verifyDescriptor(unsigned), /no proof/)
    await assert.rejects(verifyDescriptor({ ...descriptor, id: 'suedwest' }), /"id" must be a urn:uuid/)
    await assert.rejects(verifyDescriptor('x'), /JSON object/)
    await assert.rejects(
      createDescriptor({ title: 'X', anchors: [anchor1], endorsementsRequired: 2 }),
      /endorsementsRequired/,
    )
  })

  it('round-trips through a file; a broken file names it', async () => {
    const { anchor1 } = await keys()
    const dir = await tempDir('allmende-descriptor-')
    const descriptor = await createDescriptor({ title: 'Datei', anchors: [anchor1] })
    await writeDescriptorFile(join(dir, 'dataspace.json'), descriptor)
    assert.equal((await readDescriptorFile(join(dir, 'dataspace.json'))).id, descriptor.id)
    await writeFile(join(dir, 'broken.json'), '{"id":')
    await assert.rejects(readDescriptorFile(join(dir, 'broken.json')), /broken\.json is not valid JSON/)
    await assert.rejects(readDescriptorFile(join(dir, 'absent.json')), /absent\.json not found/)
  })

  it('is verified once per exact bytes when the node remembers what it verified', async (t) => {
    const { anchor1 } = await keys()
    const dir = await tempDir('allmende-descriptor-')
    const store = await Store.open(join(dir, 'db'))
    t.after(() => store.close())
    const verified = new VerifiedDescriptors(store)
    const file = join(dir, 'dataspace.json')
    const descriptor = await createDescriptor({ title: 'Gemerkt', anchors: [anchor1] })
    await writeDescriptorFile(file, descriptor)
    assert.equal((await readDescriptorFile(file, { verified })).id, descriptor.id)
    assert.equal(await verified.has(await readFile(file, 'utf8')), true)
    // Other bytes are another file: the altered title breaks the anchor's proof, and nothing is remembered.
    await writeDescriptorFile(file, { ...descriptor, title: 'Verändert' })
    const altered = await readFile(file, 'utf8')
    await assert.rejects(readDescriptorFile(file, { verified }), /signature does not verify/)
    assert.equal(await verified.has(altered), false)
    // Remembered bytes are taken as they are, without a check.
    await verified.add(altered)
    assert.equal((await readDescriptorFile(file, { verified })).title, 'Verändert')
  })
})

describe('descriptor versions and co-signing', () => {
  it('a draft collects the anchors one by one and verifies once all signed', async () => {
    const { anchor1, anchor2 } = await keys()
    const draft = draftDescriptor({ title: 'Zwei', trustAnchor: [anchor1.did, anchor2.did] })
    const half = await signDescriptor(draft, anchor1)
    await assert.rejects(verifyDescriptor(half), /has not signed/)
    assert.deepEqual((await checkDescriptorDraft(half)).missing, [anchor2.did])
    const full = await signDescriptor(half, anchor2)
    assert.equal((await verifyDescriptor(full)).version, 1)
    const tampered = { ...half, title: 'Anders' }
    await assert.rejects(signDescriptor(tampered, anchor2), /does not verify/)
  })

  it('a successor must be newer and signed by a majority of the current anchors', async () => {
    const { anchor1, anchor2 } = await keys()
    const v1 = await createDescriptor({ title: 'Eins', anchors: [anchor1] })
    const v2 = await signDescriptor(
      nextDescriptorVersion(v1, { bootstrap: [`/ip4/10.0.0.1/tcp/4001/p2p/${anchor1.peerId.toString()}`] }),
      anchor1,
    )
    assert.equal(v2.version, 2)
    assert.equal(successorRefusal(v1, await verifyDescriptor(v2)), undefined)
    assert.match(successorRefusal(v2, v1) ?? '', /not newer/)
    // anchor2 alone signs a "version 3" that drops anchor1: refused
    const forged = await signDescriptor(
      draftDescriptor({ id: v1.id, title: 'Eins', trustAnchor: [anchor2.did], version: 3 }),
      anchor2,
    )
    assert.match(successorRefusal(v2, await verifyDescriptor(forged)) ?? '', /majority/)
  })

  it('reads a descriptor written before versions existed as version 1', async () => {
    const { anchor1 } = await keys()
    const unsigned = {
      '@context': [
        DATA_INTEGRITY_CONTEXT_V2,
        'https://w3id.org/allmende/v1',
        { title: 'http://purl.org/dc/terms/title' },
      ],
      id: 'urn:uuid:6f1c2d1e-3a4b-4c5d-8e9f-0a1b2c3d4e5f',
      type: 'DataSpaceDescriptor',
      title: 'Alt',
      trustAnchor: [anchor1.did],
      endorsementsRequired: 1,
      bootstrap: [],
      odrlProfile: 'https://w3id.org/allmende/odrl-profile/v1',
    }
    const signed = await addProof(unsigned as JsonLdObject, anchor1)
    const verified = await verifyDescriptor(signed)
    assert.equal(descriptorVersion(verified), 1)
  })
})
