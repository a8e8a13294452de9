import '../../src/polyfills.js'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { initNode, type NodeFiles, openNode } from '../../src/config/index.js'
import { adoptDescriptor, createDescriptor, openOfflineRegistry } from '../../src/dataspace/index.js'
import { eventually, freePort, type RunningNode, startAllmende } from '../support/cli-process.js'
import { tempDir } from '../support/temp-dir.js'

interface Peer {
  peerId: string
  connected: boolean
  admitted: boolean
}

/**
 * A member dials one anchor at a time and the next only when that one fails: here the first anchor of the
 * descriptor never runs, and the members still get in through the second.
 */
describe('a data space of two anchors, one of them down', () => {
  const files: Record<string, NodeFiles> = {}
  const nodes: Record<string, RunningNode> = {}

  const api = async <T>(name: string, path: string): Promise<T> => {
    const response = await fetch(`${nodes[name]!.apiUrl}${path}`, {
      headers: { authorization: `Bearer ${files[name]!.apiToken}` },
    })
    assert.equal(response.status, 200, `GET ${path} on ${name}`)
    return (await response.json()) as T
  }
  const admits = async (name: string, other: string) =>
    (await api<{ peers: Peer[] }>(name, '/api/v1/peers')).peers.some(
      (p) => p.peerId === files[other]!.key.peerId.toString() && p.connected && p.admitted,
    )

  before(async () => {
    const root = await tempDir('allmende-two-anchors-')
    for (const name of ['anchor1', 'anchor2', 'member1', 'member2']) {
      const port = name.startsWith('anchor') ? await freePort() : 0
      files[name] = await initNode(join(root, name), {
        name,
        overrides: { listen: [`/ip4/127.0.0.1/tcp/${port}`] },
      })
    }
    const anchors = [files.anchor1!, files.anchor2!]
    const descriptor = await createDescriptor({
      title: 'Zwei Anker',
      anchors: anchors.map((a) => a.key),
      bootstrap: anchors.map((a) => `${a.config.listen[0]}/p2p/${a.key.peerId.toString()}`),
    })
    for (const node of Object.values(files)) await adoptDescriptor(node.directory, descriptor)
    for (const anchor of anchors) {
      const opened = await openNode(anchor.directory.root)
      const registry = await openOfflineRegistry(opened.directory, opened.config, opened.key)
      try {
        for (const member of [files.member1!, files.member2!]) await registry.registry.endorse(member.key.did)
      } finally {
        await registry.close()
      }
    }
    // anchor1 stays down: its address in the descriptor refuses every dial.
    for (const name of ['anchor2', 'member1', 'member2']) {
      nodes[name] = await startAllmende(['--dir', files[name]!.directory.root])
    }
  })

  after(async () => {
    await Promise.all(Object.values(nodes).map((node) => node.stop()))
  })

  it('admits each member through the anchor that runs, which gives it its credential', async () => {
    for (const member of ['member1', 'member2']) {
      await eventually(async () => ((await admits(member, 'anchor2')) ? true : undefined), {
        what: `${member} admitted by anchor2`,
        timeoutMs: 120_000,
      })
      const summary = await eventually(
        async () => {
          const s = await api<{ endorsedBy: string[] }>(member, '/api/v1/dataspace')
          return s.endorsedBy.length > 0 ? s : undefined
        },
        { what: `${member}'s credential`, timeoutMs: 120_000 },
      )
      assert.deepEqual(summary.endorsedBy, [files.anchor2!.key.did])
    }
  })

  it('lets the members, once in, admit each other', async () => {
    await eventually(
      async () =>
        (await admits('member1', 'member2')) && (await admits('member2', 'member1')) ? true : undefined,
      { what: 'member1 and member2 admitting each other', timeoutMs: 120_000 },
    )
  })
})
