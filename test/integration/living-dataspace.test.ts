import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  allmendeJson,
  allmendeOk,
  apiGet,
  eventually,
  type RunningNode,
  runAllmende,
  startAllmende,
} from '../support/cli-process.js'
import { tempDir } from '../support/temp-dir.js'

interface Peer {
  peerId: string
  name: string | null
  connected: boolean
  admitted: boolean
}
interface Status {
  membership: { state: string; reason?: string; endorsedBy: { anchor: string }[] } | null
  connectivity: { admittedPeers: number; knownPeers: number }
  warnings: string[]
}

const REFRESH_SECONDS = 2
// Generous: nodes on a shared, loaded machine; the benchmark measures the real times.
const WITHIN_MS = 30_000

/**
 * The README's rollout, in its order, through the CLI: the anchor creates the data space while stopped, the
 * municipalities join and start before they are endorsed, endorsement admits them while everything runs,
 * restarts heal, gossip carries a new dataset, revocation and re-endorsement take effect without restarts.
 */
describe('a living data space, in the order of the README', () => {
  let root: string
  const nodes: Record<string, RunningNode> = {}
  const did: Record<string, string> = {}
  const peerId: Record<string, string> = {}
  const dir = (name: string) => join(root, name)

  const api = <T>(name: string, path: string) => apiGet<T>(nodes[name]!, dir(name), path)
  const admittedBy = async (name: string, other: string) =>
    (await api<{ peers: Peer[] }>(name, '/api/v1/peers')).peers.some(
      (p) => p.peerId === peerId[other] && p.admitted,
    )
  const within = (what: string, check: () => Promise<boolean>) =>
    eventually(async () => ((await check()) ? true : undefined), { what, timeoutMs: WITHIN_MS })
  const start = async (name: string) => {
    nodes[name] = await startAllmende(['--dir', dir(name)])
  }

  before(async () => {
    root = await tempDir('allmende-living-')
    const names = { kl: 'Stadt Kaiserslautern', kusel: 'Landkreis Kusel', myk: 'Landkreis Mayen-Koblenz' }
    for (const [key, name] of Object.entries(names)) {
      const init = await allmendeJson<{ did: string; peerId: string }>([
        'init',
        '--dir',
        dir(key),
        '--name',
        name,
      ])
      did[key] = init.did
      peerId[key] = init.peerId
    }
  })

  after(async () => {
    await Promise.all(Object.values(nodes).map((n) => n.stop()))
  })

  it('creates the data space on a stopped anchor, with its address in the descriptor', async () => {
    const created = await allmendeJson<{ descriptor: string }>([
      'dataspace',
      'create',
      '--title',
      'Südwest-Cluster',
      '--membership-refresh',
      String(REFRESH_SECONDS),
      '--dir',
      dir('kl'),
    ])
    const descriptor = JSON.parse(await readFile(created.descriptor, 'utf8'))
    assert.equal(descriptor.bootstrap.length, 1)
    assert.match(descriptor.bootstrap[0], new RegExp(`/tcp/[1-9]\\d*/p2p/${peerId.kl}$`))
  })

  it('lets the members join and start before they are endorsed: they say so and stay out', async () => {
    for (const name of ['kusel', 'myk']) {
      await allmendeOk([
        'dataspace',
        'join',
        '--descriptor',
        join(dir('kl'), 'dataspace.json'),
        '--membership-refresh',
        String(REFRESH_SECONDS),
        '--dir',
        dir(name),
      ])
    }
    await Promise.all(['kl', 'kusel', 'myk'].map(start))
    const status = await api<Status>('kusel', '/api/v1/status')
    assert.equal(status.membership?.state, 'not-endorsed')
    assert.match(status.membership?.reason ?? '', new RegExp(`allmende dataspace endorse ${did.kusel}`))
    const peers = await runAllmende(['peers', '--dir', dir('kusel')])
    assert.match(peers.stdout, /not yet a member/)
    assert.equal(await admittedBy('kl', 'kusel'), false)
  })

  it('endorsing the running members admits them everywhere, no restart', async () => {
    await allmendeOk(['dataspace', 'endorse', did.kusel!, '--dir', dir('kl')])
    await allmendeOk(['dataspace', 'endorse', did.myk!, '--dir', dir('kl')])
    await within('Kusel and Mayen-Koblenz to admit each other', async () => {
      return (await admittedBy('kusel', 'myk')) && (await admittedBy('myk', 'kusel'))
    })
    const peers = (await api<{ peers: Peer[] }>('myk', '/api/v1/peers')).peers
    assert.equal(peers.find((p) => p.peerId === peerId.kusel)?.name, 'Landkreis Kusel')
    const status = await api<Status>('kusel', '/api/v1/status')
    assert.equal(status.membership?.state, 'member')
    assert.deepEqual(
      status.membership?.endorsedBy.map((e) => e.anchor),
      [did.kl],
    )
  })

  it('heals after the anchor restarts, then after a member restarts', async () => {
    await nodes.kl!.stop()
    await start('kl')
    await within('the anchor to admit both members again', async () => {
      return (await admittedBy('kl', 'kusel')) && (await admittedBy('kl', 'myk'))
    })
    await nodes.kusel!.stop()
    await start('kusel')
    await within('the restarted member to be admitted by the other and the anchor', async () => {
      return (await admittedBy('myk', 'kusel')) && (await admittedBy('kl', 'kusel'))
    })
  })

  it("shows a new dataset in the other member's catalog without --refresh", async () => {
    await writeFile(join(root, 'pegel.json'), JSON.stringify([{ result: 64 }]))
    const offer = join(root, 'offer.json')
    await writeFile(
      offer,
      JSON.stringify({
        '@context': 'http://www.w3.org/ns/odrl.jsonld',
        '@type': 'Offer',
        uid: 'urn:allmende:offer:pegel',
        profile: 'https://w3id.org/allmende/odrl-profile/v1',
        permission: [{ action: 'use' }],
      }),
    )
    await allmendeOk([
      'dataset',
      'add',
      '--title',
      'Pegel Altenglan',
      '--source',
      join(root, 'pegel.json'),
      '--policy',
      offer,
      '--access',
      'members',
      '--dir',
      dir('kusel'),
    ])
    await within("the dataset in Mayen-Koblenz's catalog", async () => {
      const hits = await allmendeJson<{ title: string }[]>(['catalog', '--q', 'pegel', '--dir', dir('myk')])
      return hits.some((hit) => hit.title === 'Pegel Altenglan')
    })
  })

  it('revocation drops the member, which is told and says so', async () => {
    await allmendeOk(['dataspace', 'revoke', did.myk!, '--dir', dir('kl')])
    await within('Kusel to drop Mayen-Koblenz', async () => !(await admittedBy('kusel', 'myk')))
    await within('Mayen-Koblenz to know it was revoked', async () => {
      const status = await api<Status>('myk', '/api/v1/status')
      return status.membership?.state === 'revoked'
    })
    const status = await api<Status>('myk', '/api/v1/status')
    assert.match(status.membership?.reason ?? '', new RegExp(`revoked by ${did.kl} at `))
    const refused = await runAllmende(['catalog', '--refresh', '--dir', dir('myk')])
    const negotiate = await runAllmende([
      'negotiate',
      '--provider',
      did.kusel!,
      '--dataset',
      'urn:uuid:00000000-0000-4000-8000-000000000000',
      '--dir',
      dir('myk'),
    ])
    assert.notEqual(negotiate.code, 0)
    assert.match(`${negotiate.stderr}${refused.stderr}`, /revoked by/)
  })

  it('re-endorsement admits it again, no restart', async () => {
    await allmendeOk(['dataspace', 'endorse', did.myk!, '--dir', dir('kl')])
    await within('Kusel to admit Mayen-Koblenz again', async () => admittedBy('kusel', 'myk'))
    assert.equal((await api<Status>('myk', '/api/v1/status')).membership?.state, 'member')
  })

  it('two anchors, one endorsement of two required, one anchor down', async () => {
    for (const name of ['a1', 'a2', 'm1', 'm2']) {
      const init = await allmendeJson<{ did: string; peerId: string }>([
        'init',
        '--dir',
        dir(name),
        '--name',
        name,
      ])
      did[name] = init.did
      peerId[name] = init.peerId
    }
    const a2Address = (
      JSON.parse(await readFile(join(dir('a2'), 'config.json'), 'utf8')) as { listen: string[] }
    ).listen[0]
    const draft = await allmendeJson<{ descriptor: string; state: string; missing: string[] }>([
      'dataspace',
      'create',
      '--title',
      'Zwei Anker',
      '--anchor',
      `${a2Address}/p2p/${peerId.a2}`,
      '--endorsements',
      '1',
      '--dir',
      dir('a1'),
    ])
    assert.equal(draft.state, 'draft')
    assert.deepEqual(draft.missing, [did.a2])
    const signed = await allmendeJson<{ state: string }>([
      'dataspace',
      'sign',
      draft.descriptor,
      '--dir',
      dir('a2'),
    ])
    assert.equal(signed.state, 'adopted')
    for (const name of ['a1', 'm1', 'm2']) {
      await allmendeOk(['dataspace', 'join', '--descriptor', draft.descriptor, '--dir', dir(name)])
    }
    // a1 stays down; a2 alone endorses and serves
    await start('a2')
    await Promise.all(['m1', 'm2'].map(start))
    await allmendeOk(['dataspace', 'endorse', did.m1!, '--dir', dir('a2')])
    await allmendeOk(['dataspace', 'endorse', did.m2!, '--dir', dir('a2')])
    await within('m1 and m2 to admit each other with a1 down', async () => {
      return (await admittedBy('m1', 'm2')) && (await admittedBy('m2', 'm1'))
    })
  })

  it('an anchor that never endorsed a member revokes it: a veto that drops it, until that anchor endorses it', async () => {
    await start('a1')
    await within('a1 to be admitted by m1', async () => admittedBy('m1', 'a1'))
    const revoked = await allmendeJson<{ revokedAt: string }>([
      'dataspace',
      'revoke',
      did.m2!,
      '--dir',
      dir('a1'),
    ])
    await within('m1 to drop m2', async () => !(await admittedBy('m1', 'm2')))
    await within('m2 to know who revoked it', async () => {
      const status = await api<Status>('m2', '/api/v1/status')
      return status.membership?.state === 'revoked'
    })
    const status = await api<Status>('m2', '/api/v1/status')
    assert.match(status.membership?.reason ?? '', new RegExp(`revoked by ${did.a1} at ${revoked.revokedAt}`))
    await allmendeOk(['dataspace', 'endorse', did.m2!, '--dir', dir('a1')])
    await within('m1 to admit m2 again', async () => admittedBy('m1', 'm2'))
    await within('m2 to be a member again', async () => {
      return (await api<Status>('m2', '/api/v1/status')).membership?.state === 'member'
    })
  })
})
