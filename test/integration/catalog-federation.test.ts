import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  allmendeJson,
  allmendeOk,
  eventually,
  type RunningNode,
  startAllmende,
} from '../support/cli-process.js'
import { tempDir } from '../support/temp-dir.js'

interface Identity {
  did: string
  peerId: string
  multiaddrs: string[]
}
interface Hit {
  provider: string
  datasetId: string
  title: string
  local: boolean
}
interface SearchAnswer {
  datasets: Hit[]
  total: number
  offset: number
  limit: number
  refresh?: { providers: number; answered: number; failed: number; pending: string[] }
}

/**
 * The nodes of one suite in a folder of their own, all in one open data space: their identities,
 * calls to their APIs with each node's own token, and a file dataset with an open offer.
 */
class SuiteNodes {
  root = ''
  readonly nodes: Record<string, RunningNode> = {}
  readonly ids: Record<string, Identity> = {}

  constructor(private readonly dataspace: string) {}

  readonly dir = (name: string): string => join(this.root, name)

  async init(names: readonly string[]): Promise<void> {
    this.root = await tempDir(`allmende-catalog-${this.dataspace}-`)
    await writeFile(join(this.root, 'data.json'), '[]')
    for (const name of names) {
      this.ids[name] = await allmendeJson<Identity>([
        'init',
        '--dir',
        this.dir(name),
        '--name',
        `Node ${name}`,
        '--dataspace',
        this.dataspace,
      ])
    }
  }

  readonly call = async <T>(name: string, path: string, body?: unknown): Promise<T> =>
    (await this.request(name, path, body)).json() as Promise<T>

  /** The status and error code of a GET the node refuses. */
  readonly refusal = async (name: string, path: string): Promise<{ status: number; code: string }> => {
    const response = await this.send(name, path)
    const { error } = (await response.json()) as { error: { code: string } }
    return { status: response.status, code: error.code }
  }

  private async request(name: string, path: string, body?: unknown): Promise<Response> {
    const response = await this.send(name, path, body)
    assert.ok(response.ok, `${path} on ${name}: ${response.status} ${await response.clone().text()}`)
    return response
  }

  private async send(name: string, path: string, body?: unknown): Promise<Response> {
    const token = (await readFile(join(this.dir(name), 'api-token'), 'utf8')).trim()
    return fetch(`${this.nodes[name]!.apiUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  }

  /** How a node's cache received other providers' datasets so far (its `/metrics`), by way. */
  readonly received = async (name: string): Promise<Record<string, number>> => {
    const text = await (await this.request(name, '/metrics')).text()
    return Object.fromEntries(
      [...text.matchAll(/^allmende_catalog_received_total\{via="(\w+)"\} (\d+)$/gm)].map((m) => [
        m[1]!,
        Number(m[2]),
      ]),
    )
  }

  readonly publish = (
    name: string,
    title: string,
    description = `${title} für die Nachbarn`,
  ): Promise<{ dataset: { id: string } }> =>
    this.call(name, '/api/v1/datasets', {
      title,
      description,
      publisher: { name: `Node ${name}`, id: this.ids[name]!.did },
      distributions: [{ format: 'CSV' }],
      source: { kind: 'file', path: join(this.root, 'data.json') },
      offers: [
        {
          offer: {
            '@context': 'http://www.w3.org/ns/odrl.jsonld',
            '@type': 'Offer',
            uid: `urn:allmende:offer:${name}:${title.replaceAll(' ', '-')}`,
            assigner: this.ids[name]!.did,
            permission: [{ action: 'use' }],
          },
        },
      ],
    })

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.nodes).map((n) => n.stop()))
  }
}

describe('federated catalog: announced changes, refreshed search with a provider that hangs', () => {
  const space = new SuiteNodes('kreis')
  const { nodes, ids, dir, call, publish, received, refusal } = space
  /** Whether A's cache (no refresh) holds a dataset of B's. */
  const inCacheOfA = async (datasetId: string) => {
    const { datasets } = await call<SearchAnswer>('a', '/api/v1/catalog')
    return datasets.some((d) => d.datasetId === datasetId && d.provider === ids.b!.did) ? true : undefined
  }

  before(async () => {
    await space.init(['a', 'b', 'c'])
    nodes.b = await startAllmende(['--dir', dir('b')])
    const bootstrap = (await allmendeJson<Identity>(['status', '--dir', dir('b')])).multiaddrs[0]!
    ;[nodes.a, nodes.c] = await Promise.all([
      startAllmende(['--dir', dir('a'), '--bootstrap', bootstrap]),
      startAllmende(['--dir', dir('c'), '--bootstrap', bootstrap]),
    ])
    await eventually(
      async () => {
        const { peers } = await call<{
          peers: { did: string | null; connected: boolean; admitted: boolean }[]
        }>('a', '/api/v1/peers')
        const admitted = new Set(peers.filter((p) => p.connected && p.admitted).map((p) => p.did))
        return admitted.has(ids.b!.did) && admitted.has(ids.c!.did) ? true : undefined
      },
      { what: 'A admitted B and C', timeoutMs: 60_000 },
    )
  })

  after(async () => {
    nodes.c?.process.kill('SIGCONT')
    await space.stop()
  })

  it('brings an announced dataset into the other nodes’ caches', async () => {
    const { dataset } = await publish('b', 'Pegelstände Glan')
    await eventually(
      async () => {
        const { datasets } = await call<SearchAnswer>('a', '/api/v1/catalog?q=Glan')
        return datasets.some((d) => d.datasetId === dataset.id && d.provider === ids.b!.did)
          ? true
          : undefined
      },
      { what: "B's new dataset in A's cache", timeoutMs: 60_000 },
    )
  })

  it('takes a change from its announcement, asking the provider nothing', async () => {
    // A change announced while the gossip mesh is still forming reaches A by a later summary and a request:
    // B publishes again until one arrives by its announcement alone.
    const arrival = await eventually(
      async () => {
        const before = await received('a')
        const { dataset } = await publish('b', `Niederschlag Kusel ${Date.now()}`)
        await eventually(() => inCacheOfA(dataset.id), {
          what: "B's dataset in A's cache",
          timeoutMs: 60_000,
        })
        const after = await received('a')
        const delta = (via: string) => (after[via] ?? 0) - (before[via] ?? 0)
        return delta('announcement') === 1 && delta('dataset_request') === 0 && delta('catalog_request') === 0
          ? after
          : undefined
      },
      { what: 'a dataset of B taken from its announcement', timeoutMs: 120_000 },
    )
    assert.ok(arrival.announcement! >= 1)
  })

  it('still brings a change too large to carry, asked for by the receivers', async () => {
    const before = await received('a')
    const long = `Messreihe ${'Wasserstand in Zentimetern, alle 15 Minuten. '.repeat(2_000)}`
    const { dataset } = await publish('b', 'Pegelstände Lauter lang', long)
    await eventually(() => inCacheOfA(dataset.id), {
      what: "B's large dataset in A's cache",
      timeoutMs: 60_000,
    })
    const after = await received('a')
    assert.equal(after.announcement, before.announcement, 'a large dataset is not carried')
    assert.ok(after.dataset_request! > before.dataset_request!, 'A asked B for it')
  })

  it('answers a search page by page, with the number of all hits, and leaves out its own datasets on request', async () => {
    await publish('a', 'Haushaltsplan Kusel')
    await publish('a', 'Haushaltsplan Altenglan')
    const key = (d: Hit) => `${d.provider} ${d.datasetId}`
    const all = await call<SearchAnswer>('a', '/api/v1/catalog?limit=1000')
    assert.equal(all.total, all.datasets.length)
    assert.ok(all.datasets.filter((d) => d.local).length >= 2 && all.datasets.some((d) => !d.local))
    const paged: Hit[] = []
    for (let offset = 0; offset < all.total; offset += 2) {
      const page = await call<SearchAnswer>('a', `/api/v1/catalog?limit=2&offset=${offset}`)
      assert.deepEqual([page.total, page.offset, page.limit], [all.total, offset, 2])
      paged.push(...page.datasets)
    }
    assert.deepEqual(paged.map(key), all.datasets.map(key))
    const beyond = await call<SearchAnswer>('a', `/api/v1/catalog?offset=${all.total}`)
    assert.deepEqual([beyond.datasets.length, beyond.total, beyond.limit], [0, all.total, 100])

    const others = await call<SearchAnswer>('a', '/api/v1/catalog?local=false&limit=1000')
    assert.deepEqual(others.datasets.map(key), all.datasets.filter((d) => !d.local).map(key))
    assert.equal(others.total, others.datasets.length)

    // The CLI shows a page and names the next; its JSON is the page's hits.
    const text = await allmendeOk(['catalog', '--limit', '2', '--dir', dir('a')])
    assert.match(text, new RegExp(`hits 1–2 of ${all.total}; the next ones: --offset 2`))
    const second = await allmendeJson<Hit[]>([
      'catalog',
      '--limit',
      '2',
      '--offset',
      '2',
      '--json',
      '--dir',
      dir('a'),
    ])
    assert.deepEqual(second.map(key), all.datasets.slice(2, 4).map(key))

    for (const query of ['limit=0', 'limit=1001', 'offset=-1', 'limit=ten', 'local=maybe', 'wait=60001']) {
      assert.deepEqual(await refusal('a', `/api/v1/catalog?${query}`), {
        status: 400,
        code: 'ALLMENDE_INVALID_INPUT',
      })
    }
  })

  it('answers a refreshed search with what arrived, naming a provider that hangs as pending', async () => {
    await publish('c', 'Verkehrszählung Kusel')
    const complete = await call<SearchAnswer>('a', '/api/v1/catalog?refresh=true&wait=60000')
    assert.ok(complete.refresh !== undefined)
    assert.deepEqual(complete.refresh.pending, [])
    assert.ok(complete.datasets.some((d) => d.provider === ids.c!.did))

    nodes.c!.process.kill('SIGSTOP')
    try {
      const partial = await call<SearchAnswer>('a', '/api/v1/catalog?refresh=true&wait=1000')
      assert.ok(partial.refresh !== undefined)
      assert.ok(
        partial.refresh.pending.includes(ids.c!.did),
        `C should still be pending: ${JSON.stringify(partial.refresh)}`,
      )
      assert.ok(partial.datasets.some((d) => d.provider === ids.b!.did && d.title === 'Pegelstände Glan'))
    } finally {
      nodes.c!.process.kill('SIGCONT')
    }
  })
})

describe('federated catalog under a connection limit', () => {
  const space = new SuiteNodes('landkreis')
  const { nodes, ids, dir, call, publish } = space
  const providers = ['b', 'c', 'd', 'e']

  before(async () => {
    await space.init(['a', ...providers])
    nodes.b = await startAllmende(['--dir', dir('b')])
    const bootstrap = (await allmendeJson<Identity>(['status', '--dir', dir('b')])).multiaddrs[0]!
    const started = await Promise.all(
      ['c', 'd', 'e'].map((name) => startAllmende(['--dir', dir(name), '--bootstrap', bootstrap])),
    )
    ;[nodes.c, nodes.d, nodes.e] = started
    // A keeps at most two connections (and dials one peer on its own).
    nodes.a = await startAllmende(['--dir', dir('a'), '--bootstrap', bootstrap, '--max-connections', '2'])
  })

  after(() => space.stop())

  it('still reaches every provider’s catalog with a refreshed search', async () => {
    for (const name of providers) await publish(name, `Haushaltsplan ${name}`)
    const reached = await eventually(
      async () => {
        const { datasets } = await call<SearchAnswer>(
          'a',
          '/api/v1/catalog?q=Haushaltsplan&refresh=true&wait=60000',
        )
        const found = new Set(datasets.map((d) => d.provider))
        return providers.every((name) => found.has(ids[name]!.did)) ? found : undefined
      },
      { what: "every provider's dataset in A's refreshed search", timeoutMs: 180_000 },
    )
    assert.equal(reached.size, providers.length)
  })

  it('is answered "unchanged" by providers whose catalogs are as A took them in, and still finds all', async () => {
    const refresh = () => call<SearchAnswer>('a', '/api/v1/catalog?q=Haushaltsplan&refresh=true&wait=60000')
    await refresh()
    const before = await space.received('a')
    const { datasets } = await refresh()
    const after = await space.received('a')
    assert.equal((after.catalog_unchanged ?? 0) - (before.catalog_unchanged ?? 0), providers.length)
    assert.equal(after.catalog_request, before.catalog_request, 'no catalog taken in again')
    assert.deepEqual(
      new Set(datasets.map((d) => d.provider)),
      new Set(providers.map((name) => ids[name]!.did)),
    )
  })

  it('keeps no more connections than its limit once the search is over', async () => {
    const limit = 2
    const peers = await eventually(
      async () => {
        const { peers } = await call<{ peers: { connected: boolean }[] }>('a', '/api/v1/peers')
        const connected = peers.filter((p) => p.connected)
        return connected.length <= limit ? connected : undefined
      },
      { what: `A back within its limit of ${limit} connections`, timeoutMs: 120_000 },
    )
    assert.ok(peers.length <= limit)
  })
})

describe('negotiation and transfer with a provider at its connection limit', () => {
  const space = new SuiteNodes('landkreis-limit')
  const { nodes, ids, dir, call, publish } = space
  const limit = 2

  before(async () => {
    await space.init(['a', 'b', 'c', 'd', 'e'])
    // B keeps two connections; C, D and E all dial it, so it stands at its limit when A comes.
    nodes.b = await startAllmende(['--dir', dir('b'), '--max-connections', String(limit)])
    const bootstrap = (await allmendeJson<Identity>(['status', '--dir', dir('b')])).multiaddrs[0]!
    ;[nodes.c, nodes.d, nodes.e] = await Promise.all(
      ['c', 'd', 'e'].map((name) => startAllmende(['--dir', dir(name), '--bootstrap', bootstrap])),
    )
    const viaC = (await allmendeJson<Identity>(['status', '--dir', dir('c')])).multiaddrs[0]!
    // A is bootstrapped to C only: its connection to B is the one it opens for the request.
    nodes.a = await startAllmende([
      '--dir',
      dir('a'),
      '--bootstrap',
      viaC,
      '--max-connections',
      String(limit),
    ])
  })

  after(() => space.stop())

  it('agrees on a contract and transfers the data over a fresh connection', async () => {
    const { dataset } = await publish('b', 'Baumkataster Kusel')
    await eventually(
      async () => {
        const { peers } = await call<{ peers: { connected: boolean }[] }>('b', '/api/v1/peers')
        return peers.filter((p) => p.connected).length >= limit ? true : undefined
      },
      { what: `B at its limit of ${limit} connections`, timeoutMs: 120_000 },
    )
    // A finds B through the peers that admitted it: a request before any did fails at once (once in a full run)
    await eventually(
      async () => {
        const { connectivity } = await call<{ connectivity: { admittedPeers: number } }>(
          'a',
          '/api/v1/status',
        )
        return connectivity.admittedPeers > 0 ? true : undefined
      },
      { what: 'A admitted by a peer', timeoutMs: 120_000 },
    )
    const negotiation = await call<{ id: string }>('a', '/api/v1/negotiations', {
      provider: ids.b!.did,
      dataset: dataset.id,
    })
    const agreed = await eventually(
      async () => {
        const current = await call<{ state: string; agreementId?: string }>(
          'a',
          `/api/v1/negotiations/${encodeURIComponent(negotiation.id)}`,
        )
        return current.state === 'FINALIZED' || current.state === 'TERMINATED' ? current : undefined
      },
      { what: 'the negotiation with B to end', timeoutMs: 120_000 },
    )
    assert.equal(agreed.state, 'FINALIZED', JSON.stringify(agreed))
    const out = join(space.root, 'downloads', 'received.json')
    const transfer = await call<{ id: string }>('a', '/api/v1/transfers', {
      agreement: agreed.agreementId,
      out,
    })
    const done = await eventually(
      async () => {
        const current = await call<{ state: string }>(
          'a',
          `/api/v1/transfers/${encodeURIComponent(transfer.id)}`,
        )
        return current.state === 'COMPLETED' || current.state === 'TERMINATED' ? current : undefined
      },
      { what: 'the transfer from B to end', timeoutMs: 120_000 },
    )
    assert.equal(done.state, 'COMPLETED', JSON.stringify(done))
    assert.equal(await readFile(out, 'utf8'), await readFile(join(space.root, 'data.json'), 'utf8'))
  })
})

describe('federated catalog for nodes that join late', () => {
  const space = new SuiteNodes('verbandsgemeinde')
  const { nodes, ids, dir, call, publish } = space
  let bootstrap: string

  /** Whether a node's cache (no refresh: nothing is fetched for the question) holds a provider's dataset. */
  const cached = async (name: string, q: string, provider: string) => {
    const { datasets } = await call<SearchAnswer>(name, `/api/v1/catalog?q=${encodeURIComponent(q)}`)
    return datasets.some((d) => d.provider === ids[provider]!.did) ? true : undefined
  }

  before(async () => {
    await space.init(['a', 'b', 'c', 'p'])
    nodes.b = await startAllmende(['--dir', dir('b')])
    bootstrap = (await allmendeJson<Identity>(['status', '--dir', dir('b')])).multiaddrs[0]!
    // A dials one peer of its own (half of two connections): B, and nobody else.
    nodes.a = await startAllmende(['--dir', dir('a'), '--bootstrap', bootstrap, '--max-connections', '2'])
    await eventually(
      async () => {
        const { peers } = await call<{ peers: { did: string | null; admitted: boolean }[] }>(
          'a',
          '/api/v1/peers',
        )
        return peers.some((p) => p.admitted && p.did === ids.b!.did) ? true : undefined
      },
      { what: 'A admitted B', timeoutMs: 60_000 },
    )
  })

  after(() => space.stop())

  it('brings a dataset announced before a node joined into that node’s cache', async () => {
    await publish('b', 'Pegelstände Lauter')
    await eventually(() => cached('a', 'Lauter', 'b'), {
      what: "B's dataset in A's cache",
      timeoutMs: 60_000,
    })
    // C was not there for the announcement and never asks for a refresh.
    nodes.c = await startAllmende(['--dir', dir('c'), '--bootstrap', bootstrap])
    await eventually(() => cached('c', 'Lauter', 'b'), {
      what: "B's dataset in the cache of C, which joined after the announcement",
      timeoutMs: 180_000,
    })
  })

  it('reaches, in a refreshed search, a member that joined after the node had all the peers it dials', async () => {
    // P publishes alone, then joins: nothing is announced while A could hear it.
    const alone = await startAllmende(['--dir', dir('p')])
    nodes.p = alone
    await publish('p', 'Haushaltsplan Otterbach')
    await alone.stop()
    // P too dials one peer only: B. A learns of P from nobody it is connected to.
    nodes.p = await startAllmende(['--dir', dir('p'), '--bootstrap', bootstrap, '--max-connections', '2'])
    await eventually(
      async () => {
        const { datasets } = await call<SearchAnswer>(
          'a',
          '/api/v1/catalog?q=Otterbach&refresh=true&wait=30000',
        )
        return datasets.some((d) => d.provider === ids.p!.did) ? true : undefined
      },
      { what: "P's dataset in A's refreshed search", timeoutMs: 180_000 },
    )
  })
})
