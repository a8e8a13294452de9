import assert from 'node:assert/strict'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  allmendeJson,
  eventually,
  type RunningNode,
  runAllmende,
  startAllmende,
} from '../support/cli-process.js'
import { tempDir } from '../support/temp-dir.js'

interface Identity {
  name: string
  did: string
  peerId: string
  multiaddrs: string[]
  dataspace: string
  api: string
}
interface Peer {
  peerId: string
  did: string | null
  connected: boolean
  admitted: boolean
  addresses: string[]
  latencyMs: number | null
}

describe('three nodes on 127.0.0.1', () => {
  let root: string
  const nodes: Record<string, RunningNode> = {}
  const ids: Record<string, Identity> = {}

  before(async () => {
    root = await tempDir()
    for (const name of ['a', 'b', 'c', 'other']) {
      const dataspace = name === 'other' ? 'elsewhere' : 'suedwest'
      const init = await runAllmende([
        'init',
        '--dir',
        join(root, name),
        '--name',
        `Node ${name}`,
        '--dataspace',
        dataspace,
      ])
      assert.equal(init.code, 0, init.stderr)
    }
    nodes.b = await startAllmende(['--dir', join(root, 'b')])
    ids.b = await allmendeJson<Identity>(['status', '--dir', join(root, 'b')])
    const bootstrap = ids.b.multiaddrs[0]!
    ;[nodes.a, nodes.c] = await Promise.all([
      startAllmende(['--dir', join(root, 'a'), '--bootstrap', bootstrap]),
      startAllmende(['--dir', join(root, 'c'), '--bootstrap', bootstrap]),
    ])
    ids.a = await allmendeJson<Identity>(['status', '--dir', join(root, 'a')])
    ids.c = await allmendeJson<Identity>(['status', '--dir', join(root, 'c')])
  })

  after(async () => {
    await Promise.all(Object.values(nodes).map((n) => n.stop()))
  })

  it('A finds C through the DHT and each lists the other two with their DIDs', async () => {
    for (const [self, others] of [
      ['a', ['b', 'c']],
      ['b', ['a', 'c']],
      ['c', ['a', 'b']],
    ] as const) {
      await eventually(
        async () => {
          const peers = await allmendeJson<Peer[]>(['peers', '--dir', join(root, self)])
          const admitted = peers.filter((p) => p.connected && p.admitted)
          return others.every((o) =>
            admitted.some((p) => p.did === ids[o]!.did && p.peerId === ids[o]!.peerId),
          )
            ? true
            : undefined
        },
        { what: `node ${self} to list ${others.join(' and ')}` },
      )
    }
  })

  it('status --json prints identity and API URL', () => {
    assert.equal(ids.a!.name, 'Node a')
    assert.match(ids.a!.did, /^did:key:z6Mk/)
    assert.match(ids.a!.peerId, /^12D3KooW/)
    assert.equal(ids.a!.dataspace, 'suedwest')
    assert.equal(ids.a!.api, nodes.a!.apiUrl)
  })

  it('refuses a node of another data space, also on redial', async () => {
    nodes.other = await startAllmende(['--dir', join(root, 'other'), '--bootstrap', ids.b!.multiaddrs[0]!])
    const other = await allmendeJson<Identity>(['status', '--dir', join(root, 'other')])
    // give the handshake time to run and fail, then check neither side holds the connection
    await eventually(
      async () => {
        const peersOfOther = await allmendeJson<Peer[]>(['peers', '--dir', join(root, 'other')])
        return peersOfOther.some((p) => p.connected) ? undefined : true
      },
      { what: 'the foreign node to be disconnected' },
    )
    const peersOfB = await allmendeJson<Peer[]>(['peers', '--dir', join(root, 'b')])
    assert.ok(!peersOfB.some((p) => p.peerId === other.peerId && p.connected && p.admitted))
    assert.match(nodes.other.output(), /it refused us|admission not completed/)
    // Redial: a restarted foreign node dials its bootstrap peer again and is refused again.
    await nodes.other.stop()
    nodes.other = await startAllmende(['--dir', join(root, 'other'), '--bootstrap', ids.b!.multiaddrs[0]!])
    const restarted = nodes.other
    await eventually(
      async () => (/it refused us|admission not completed/.test(restarted.output()) ? true : undefined),
      {
        what: 'the redial to be refused',
      },
    )
    await eventually(
      async () => {
        const later = await allmendeJson<Peer[]>(['peers', '--dir', join(root, 'other')])
        return later.some((p) => p.connected) ? undefined : true
      },
      { what: 'the redialled foreign node to be disconnected' },
    )
    const peersOfBLater = await allmendeJson<Peer[]>(['peers', '--dir', join(root, 'b')])
    assert.ok(
      !peersOfBLater.some((p) => p.peerId === other.peerId && p.admitted),
      'the foreign node got admitted',
    )
  })

  describe('management API', () => {
    it('serves health without a token', async () => {
      const response = await fetch(`${nodes.a!.apiUrl}/api/v1/health`)
      assert.equal(response.status, 200)
      assert.deepEqual(await response.json(), { status: 'ok' })
    })

    it('answers 401 with a JSON error without a token or with a wrong one', async () => {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'Basic abc' }] as Record<
        string,
        string
      >[]) {
        const response = await fetch(`${nodes.a!.apiUrl}/api/v1/identity`, { headers })
        assert.equal(response.status, 401)
        const body = (await response.json()) as { error: { code: string; message: string } }
        assert.equal(body.error.code, 'ALLMENDE_UNAUTHORIZED')
        assert.ok(body.error.message.length > 0)
      }
    })

    it('gives data with the right token', async () => {
      const token = (await readFile(join(root, 'a', 'api-token'), 'utf8')).trim()
      const headers = { authorization: `Bearer ${token}` }
      const identity = (await (
        await fetch(`${nodes.a!.apiUrl}/api/v1/identity`, { headers })
      ).json()) as Identity
      assert.equal(identity.did, ids.a!.did)
      const peers = await fetch(`${nodes.a!.apiUrl}/api/v1/peers`, { headers })
      assert.equal(peers.status, 200)
      const missing = await fetch(`${nodes.a!.apiUrl}/api/v1/nothing`, { headers })
      assert.equal(missing.status, 404)
      assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'ALLMENDE_NOT_FOUND')
    })

    it('streams the changes that follow a listener connecting, and none from before', async () => {
      const token = (await readFile(join(root, 'a', 'api-token'), 'utf8')).trim()
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
      const publish = async (title: string) => {
        await writeFile(join(root, `${title}.json`), '[]')
        const response = await fetch(`${nodes.a!.apiUrl}/api/v1/datasets`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            title,
            description: `${title}, for the event stream`,
            publisher: { name: 'Node a', id: ids.a!.did },
            distributions: [{ format: 'JSON' }],
            source: { kind: 'file', path: join(root, `${title}.json`) },
            offers: [
              {
                offer: {
                  '@context': 'http://www.w3.org/ns/odrl.jsonld',
                  '@type': 'Offer',
                  uid: `urn:allmende:offer:events:${title}`,
                  assigner: ids.a!.did,
                  permission: [{ action: 'use' }],
                },
              },
            ],
          }),
        })
        const body = await response.text()
        assert.equal(response.status, 201, body)
        return (JSON.parse(body) as { dataset: { id: string } }).dataset.id
      }
      const before = await publish('before-listening')
      // Its audit entry is written after the answer: a listener that connects once it is there never hears of it.
      await eventually(
        async () => {
          const response = await fetch(`${nodes.a!.apiUrl}/api/v1/audit?limit=100000`, { headers })
          const { entries } = (await response.json()) as { entries: { type: string; subject: string }[] }
          return entries.some((entry) => entry.type === 'catalog.published' && entry.subject === before)
            ? true
            : undefined
        },
        { what: 'the audit entry of the dataset published before listening' },
      )
      const listening = new AbortController()
      const response = await fetch(`${nodes.a!.apiUrl}/api/v1/events`, { headers, signal: listening.signal })
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
      let text = ''
      const readUntil = async (done: () => boolean) => {
        while (!done()) {
          const chunk = await reader.read()
          if (chunk.done) assert.fail(`the event stream ended; it carried: ${text}`)
          text += chunk.value
        }
      }
      await readUntil(() => text.includes('retry:'))
      const id = await publish('after-listening')
      const audits = () => [...text.matchAll(/event: audit\ndata: (.*)\n/g)].map((m) => JSON.parse(m[1]!))
      await readUntil(() => audits().some((entry) => entry.type === 'catalog.published'))
      listening.abort()
      const published = audits().filter((entry) => entry.type === 'catalog.published')
      assert.deepEqual(
        published.map((entry) => entry.subject),
        [id],
        'only the dataset published after connecting',
      )
    })
  })
})

describe('node lifecycle', () => {
  it('keeps DID and PeerId across a restart and exits 0 on SIGTERM', async (t) => {
    const dir = join(await tempDir(), 'kusel')
    const init = await allmendeJson<{ did: string; peerId: string }>([
      'init',
      '--dir',
      dir,
      '--name',
      'Landkreis Kusel',
    ])
    const mode = (await import('node:fs')).statSync(join(dir, 'node.key')).mode & 0o777
    assert.equal(mode, 0o600)
    for (let run = 0; run < 2; run++) {
      const node = await startAllmende(['--dir', dir])
      t.after(() => node.kill()) // a failed assertion leaves no node running
      const status = await allmendeJson<Identity>(['status', '--dir', dir])
      assert.equal(status.did, init.did)
      assert.equal(status.peerId, init.peerId)
      assert.equal(await node.stop(), 0)
    }
  })

  it('refuses init on an existing directory unless --force', async () => {
    const dir = join(await tempDir(), 'n')
    const first = await allmendeJson<{ did: string }>(['init', '--dir', dir, '--name', 'X'])
    const again = await runAllmende(['init', '--dir', dir, '--name', 'X'])
    assert.equal(again.code, 2)
    assert.match(again.stderr, /--force/)
    const forced = await allmendeJson<{ did: string }>(['init', '--dir', dir, '--name', 'X', '--force'])
    assert.notEqual(forced.did, first.did)
  })
})

describe('bad input: one clear line, exit code 2', () => {
  async function expectExit2(args: string[], message: RegExp) {
    const result = await runAllmende(args)
    assert.equal(result.code, 2, `exit code of ${args.join(' ')}: ${result.stderr}`)
    assert.match(result.stderr, message)
    assert.equal(result.stderr.trim().split('\n').length, 1, `more than one line: ${result.stderr}`)
    assert.doesNotMatch(result.stderr, /\n\s+at /)
  }

  it('a broken config file names the file', async () => {
    const dir = join(await tempDir(), 'n')
    await allmendeJson(['init', '--dir', dir, '--name', 'X'])
    await writeFile(join(dir, 'config.json'), '{"name": "X",')
    await expectExit2(['start', '--dir', dir], /config\.json is not valid JSON/)
    await writeFile(join(dir, 'config.json'), '{"name": "X", "apiPort": "eighty"}')
    await expectExit2(['start', '--dir', dir], /config\.json: field "apiPort"/)
  })

  it('a port in use names the port', async () => {
    const dir = join(await tempDir(), 'n')
    await allmendeJson(['init', '--dir', dir, '--name', 'X'])
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()))
    const port = (blocker.address() as { port: number }).port
    try {
      await expectExit2(
        ['start', '--dir', dir, '--api-port', String(port)],
        new RegExp(`port ${port}.*in use`),
      )
    } finally {
      blocker.close()
    }
  })

  it('an unreadable key names the key file', async () => {
    const dir = join(await tempDir(), 'n')
    await allmendeJson(['init', '--dir', dir, '--name', 'X'])
    await writeFile(join(dir, 'node.key'), 'not a key')
    await expectExit2(['start', '--dir', dir], /node\.key is not a PEM private key/)
    await chmod(join(dir, 'node.key'), 0o000)
    if (process.getuid?.() !== 0) await expectExit2(['start', '--dir', dir], /cannot read key file/)
  })

  it('a malformed bootstrap address names the field', async () => {
    const dir = join(await tempDir(), 'n')
    await expectExit2(
      ['init', '--dir', dir, '--name', 'X', '--bootstrap', 'not-a-multiaddr'],
      /bootstrap\[0\]/,
    )
    await allmendeJson(['init', '--dir', dir, '--name', 'X'])
    await expectExit2(
      ['start', '--dir', dir, '--bootstrap', '/ip4/127.0.0.1/tcp/4001'],
      /lacks \/p2p\/<peerId>/,
    )
  })

  it('a missing directory says how to create it', async () => {
    const dir = join(await tempDir(), 'absent')
    await expectExit2(['start', '--dir', dir], /no node directory .* allmende init/)
    await expectExit2(['status', '--dir', dir], /is not running/)
  })
})
