// A node with a small connection limit keeps few connections, and its refreshed search still reaches every
// provider's catalog: providers it holds no connection to are dialled for the search.
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { allmendeJson, eventually, type RunningNode, startAllmende, tempDir } from '../support/cli-process.js'

interface Identity {
  did: string
  multiaddrs: string[]
}
interface SearchAnswer {
  datasets: { provider: string; title: string; local: boolean }[]
  refresh?: { providers: number; answered: number; pending: string[] }
}
interface PeerView {
  did: string | null
  connected: boolean
  admitted: boolean
}

const PROVIDERS = ['b', 'c', 'd', 'e']
/** The limited node's connection limit: it keeps a quarter of it by its own dials (one peer). */
const LIMIT = 2

describe('a node with a connection limit', () => {
  let root: string
  const nodes: Record<string, RunningNode> = {}
  const ids: Record<string, Identity> = {}
  const dir = (name: string) => join(root, name)

  const api = async <T>(name: string, path: string, body?: unknown): Promise<T> => {
    const token = (await readFile(join(dir(name), 'api-token'), 'utf8')).trim()
    const response = await fetch(`${nodes[name]!.apiUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    assert.ok(response.ok, `${path} on ${name}: ${response.status} ${await response.clone().text()}`)
    return (await response.json()) as T
  }
  const connectedPeers = async (name: string) =>
    (await api<{ peers: PeerView[] }>(name, '/api/v1/peers')).peers.filter((p) => p.connected)

  before(async () => {
    root = await tempDir('allmende-connection-limit-')
    await writeFile(join(root, 'data.json'), '[]')
    for (const name of ['a', ...PROVIDERS]) {
      ids[name] = await allmendeJson<Identity>([
        'init',
        '--dir',
        dir(name),
        '--name',
        `Node ${name}`,
        '--dataspace',
        'kreis',
      ])
    }
    nodes.b = await startAllmende(['--dir', dir('b')])
    const bootstrap = (await allmendeJson<Identity>(['status', '--dir', dir('b')])).multiaddrs[0]!
    const others = await Promise.all(
      ['c', 'd', 'e'].map((name) => startAllmende(['--dir', dir(name), '--bootstrap', bootstrap])),
    )
    ;[nodes.c, nodes.d, nodes.e] = others
    nodes.a = await startAllmende([
      '--dir',
      dir('a'),
      '--bootstrap',
      bootstrap,
      '--max-connections',
      String(LIMIT),
    ])
    for (const name of PROVIDERS) {
      await api(name, '/api/v1/datasets', {
        title: `Haushaltsplan ${name}`,
        description: `Haushaltsplan der Gemeinde ${name}`,
        publisher: { name: `Node ${name}`, id: ids[name]!.did },
        distributions: [{ format: 'JSON' }],
        source: { kind: 'file', path: join(root, 'data.json') },
        offers: [
          {
            offer: {
              '@context': 'http://www.w3.org/ns/odrl.jsonld',
              '@type': 'Offer',
              uid: `urn:allmende:offer:${name}:haushalt`,
              assigner: ids[name]!.did,
              permission: [{ action: 'use' }],
            },
          },
        ],
      })
    }
  })

  after(async () => {
    await Promise.all(Object.values(nodes).map((n) => n.stop()))
  })

  it('reaches every provider’s catalog with a refreshed search', async () => {
    const found = await eventually(
      async () => {
        const answer = await api<SearchAnswer>('a', '/api/v1/catalog?q=Haushaltsplan&refresh=true&wait=30000')
        const providers = new Set(answer.datasets.filter((d) => !d.local).map((d) => d.provider))
        return PROVIDERS.every((name) => providers.has(ids[name]!.did)) ? providers : undefined
      },
      { what: "every provider's dataset in A's refreshed search", timeoutMs: 120_000 },
    )
    assert.equal(found.size, PROVIDERS.length)
  })

  it('keeps no more connections than its limit once the search is over', async () => {
    const peers = await eventually(
      async () => {
        const connected = await connectedPeers('a')
        return connected.length <= LIMIT ? connected : undefined
      },
      { what: `A back within its limit of ${LIMIT} connections`, timeoutMs: 120_000 },
    )
    assert.ok(peers.length <= LIMIT)
  })
})
