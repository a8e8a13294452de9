import '../../src/polyfills.js'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  allmendeJson,
  allmendeOk,
  apiGet,
  eventually,
  initNodes,
  type RunningNode,
  runAllmende,
  startAllmende,
} from '../support/cli-process.js'
import { tempDir } from '../support/temp-dir.js'

interface Status {
  membership: { state: string; endorsedBy: { anchor: string }[] }
}
interface Peer {
  peerId: string
  connected: boolean
  admitted: boolean
}

describe('a membership credential handed over as a file', () => {
  let root: string
  const nodes: Record<string, RunningNode> = {}
  const did: Record<string, string> = {}
  const peerId: Record<string, string> = {}
  const dir = (name: string) => join(root, name)
  const credentialFile = (name: string) => join(root, `${name}-credential.json`)
  let descriptor: string

  const api = <T>(name: string, path: string) => apiGet<T>(nodes[name]!, dir(name), path)
  /** The anchor endorses a node and writes its credential to that node's file. */
  const endorse = (name: string) =>
    allmendeOk([
      'dataspace',
      'endorse',
      did[name]!,
      '--credential-out',
      credentialFile(name),
      '--dir',
      dir('anchor'),
    ])
  /** `dataspace join` with a credential file, on the node called `name`. */
  const joinArgs = (name: string, credential: string) => [
    'dataspace',
    'join',
    '--descriptor',
    descriptor,
    '--credential',
    credential,
    '--dir',
    dir(name),
  ]

  before(async () => {
    root = await tempDir('allmende-hand-over-')
    const init = await initNodes(root, ['anchor', 'kusel', 'myk', 'stranger'], { label: (name) => name })
    Object.assign(did, init.did)
    Object.assign(peerId, init.peerId)
    nodes.anchor = await startAllmende(['--dir', dir('anchor')])
    descriptor = (
      await allmendeJson<{ descriptor: string }>([
        'dataspace',
        'create',
        '--title',
        'Westpfalz',
        '--dir',
        dir('anchor'),
      ])
    ).descriptor
    await nodes.anchor.stop()
  })

  after(async () => {
    await Promise.all(Object.values(nodes).map((n) => n.stop()))
  })

  it('makes a node a member from its first start, while its anchor is stopped', async () => {
    // The anchor is stopped: endorse opens its database and writes the credential it issued.
    await endorse('kusel')
    const joined = await allmendeJson<{ endorsedBy: string[] }>(joinArgs('kusel', credentialFile('kusel')))
    assert.deepEqual(joined.endorsedBy, [did.anchor])
    nodes.kusel = await startAllmende(['--dir', dir('kusel')])
    const status = await api<Status>('kusel', '/api/v1/status')
    assert.equal(status.membership.state, 'member')
    assert.deepEqual(
      status.membership.endorsedBy.map((e) => e.anchor),
      [did.anchor],
    )
  })

  it('writes the credential through a running anchor too, and the members admit each other', async () => {
    nodes.anchor = await startAllmende(['--dir', dir('anchor')])
    await endorse('myk')
    await allmendeOk(joinArgs('myk', credentialFile('myk')))
    nodes.myk = await startAllmende(['--dir', dir('myk')])
    assert.equal((await api<Status>('myk', '/api/v1/status')).membership.state, 'member')
    await eventually(
      async () => {
        const peers = (await api<{ peers: Peer[] }>('myk', '/api/v1/peers')).peers
        return peers.some((p) => p.peerId === peerId.kusel && p.connected && p.admitted) ? true : undefined
      },
      { what: 'Mayen-Koblenz to admit Kusel' },
    )
  })

  it("refuses another node's credential, and one changed after signing, saying what to do", async () => {
    const foreign = await runAllmende(joinArgs('stranger', credentialFile('kusel')))
    assert.equal(foreign.code, 2)
    assert.match(foreign.stderr, new RegExp(`credential for ${did.kusel}`))
    assert.match(foreign.stderr, /allmende dataspace endorse DID --credential-out FILE/)

    const credential = JSON.parse(await readFile(credentialFile('kusel'), 'utf8'))
    credential.credentialSubject.id = did.stranger
    const forged = join(root, 'forged.json')
    await writeFile(forged, JSON.stringify(credential))
    const tampered = await runAllmende(joinArgs('stranger', forged))
    assert.equal(tampered.code, 2)
    assert.match(tampered.stderr, /does not verify/)
    assert.equal(tampered.stderr.trim().split('\n').length, 1)
    // a refused file leaves the node as it was: not joined
    const config = JSON.parse(await readFile(join(dir('stranger'), 'config.json'), 'utf8'))
    assert.equal(config.descriptor, undefined)
  })
})
