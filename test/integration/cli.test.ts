import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { allmendeJson, type RunningNode, runAllmende, startAllmende } from '../support/cli-process.js'
import { cliPath, repoRoot } from '../support/repo.js'
import { tempDir } from '../support/temp-dir.js'

const FLOOD_WARNING = 'https://w3id.org/allmende/odrl#FloodWarning'
const SUITE = join(repoRoot(), 'test', 'conformance', 'odrl-test-suite')

/** A user's mistake ends in exactly one line on stderr and exit 2. */
function assertOneLineError(result: { code: number | null; stderr: string }, pattern: RegExp) {
  assert.equal(result.code, 2, result.stderr)
  const lines = result.stderr.trim().split('\n')
  assert.equal(lines.length, 1, result.stderr)
  assert.match(lines[0]!, pattern)
}

/** A port something else listens on, and the function that frees it. */
async function busyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** Runs a shell pipeline and returns its stdout. */
function shell(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}`))))
  })
}

describe('allmende output through a pipe', () => {
  it('writes a report larger than a pipe buffer completely', async () => {
    const root = await tempDir('allmende-pipe-')
    const args = [
      'policy evaluate',
      `--policy ${join(SUITE, 'policies', 'policy-20.ttl')}`,
      `--request ${join(SUITE, 'requests', 'request-1.ttl')}`,
      `--state ${join(SUITE, 'sotw', 'all-2024.ttl')}`,
    ].join(' ')
    // A file takes every byte synchronously; the pipe is where an early exit cut the output.
    await shell(`node ${cliPath()} ${args} > ${join(root, 'report.ttl')}`)
    const expected = statSync(join(root, 'report.ttl')).size
    assert.ok(expected > 3 * 65_536, `the report (${expected} bytes) must exceed a pipe buffer`)
    const piped = Number((await shell(`node ${cliPath()} ${args} | wc -c`)).trim())
    assert.equal(piped, expected)
  })
})

describe('allmende errors the README promises', () => {
  let root: string
  before(async () => {
    root = await tempDir('allmende-errors-')
  })

  it('a placeholder bootstrap address', async () => {
    const result = await runAllmende([
      'init',
      '--dir',
      join(root, 'placeholder'),
      '--name',
      'Landkreis Mayen-Koblenz',
      '--bootstrap',
      '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...',
    ])
    assertOneLineError(result, /"12D3KooW\.\.\." .* is not a PeerId/)
  })

  it('a data space created before init', async () => {
    const result = await runAllmende([
      'dataspace',
      'create',
      '--title',
      'Südwest-Cluster',
      '--dir',
      join(root, 'none'),
    ])
    assertOneLineError(result, /no node directory at .*none; create one with: allmende init --dir/)
  })

  it('a policy template without its required parameters', async () => {
    const result = await runAllmende(['policy', 'new', 'flood-warning-only', '--set', 'until=2027-12-31'])
    assertOneLineError(result, /needs .*target.*assignee/)
  })

  it('a p2p port in use', async () => {
    const busy = await busyPort()
    try {
      await allmendeJson(['init', '--dir', join(root, 'port'), '--name', 'Port'])
      const result = await runAllmende([
        'start',
        '--dir',
        join(root, 'port'),
        '--listen',
        `/ip4/127.0.0.1/tcp/${busy.port}`,
      ])
      assertOneLineError(result, /cannot listen on .*: the port is in use/)
    } finally {
      await busy.close()
    }
  })

  it('status of a node killed with -9 says it is not running', async (t) => {
    await allmendeJson(['init', '--dir', join(root, 'killed'), '--name', 'Killed'])
    const node = await startAllmende(['--dir', join(root, 'killed')])
    t.after(() => node.kill()) // a failed assertion leaves no node running
    assert.equal((await runAllmende(['status', '--dir', join(root, 'killed')])).code, 0)
    await node.kill()
    assertOneLineError(await runAllmende(['status', '--dir', join(root, 'killed')]), /is not running/)
  })
})

describe('allmende negotiate --wait on an offer that needs approval', () => {
  let root: string
  const nodes: Record<string, RunningNode> = {}
  let provider: string
  let datasetId: string
  const dir = (name: string) => join(root, name)

  before(async () => {
    root = await tempDir('allmende-wait-')
    const a = await allmendeJson<{ did: string; peerId: string }>([
      'init',
      '--dir',
      dir('a'),
      '--name',
      'Anbieter',
      '--dataspace',
      'wait-test',
    ])
    provider = a.did
    nodes.a = await startAllmende(['--dir', dir('a')])
    const { multiaddrs } = await allmendeJson<{ multiaddrs: string[] }>(['status', '--dir', dir('a')])
    await allmendeJson([
      'init',
      '--dir',
      dir('b'),
      '--name',
      'Nutzer',
      '--dataspace',
      'wait-test',
      '--bootstrap',
      multiaddrs[0]!,
    ])
    nodes.b = await startAllmende(['--dir', dir('b')])
    await writeFile(join(root, 'data.json'), JSON.stringify([{ result: 64 }]))
    await writeFile(
      join(root, 'offer.json'),
      JSON.stringify({
        '@context': 'http://www.w3.org/ns/odrl.jsonld',
        '@type': 'Offer',
        uid: 'urn:allmende:offer:wait',
        permission: [
          {
            action: 'use',
            constraint: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': FLOOD_WARNING } }],
          },
        ],
      }),
    )
    const added = await allmendeJson<{ dataset: { id: string } }>([
      'dataset',
      'add',
      '--dir',
      dir('a'),
      '--title',
      'Pegel',
      '--source',
      join(root, 'data.json'),
      '--policy',
      join(root, 'offer.json'),
      '--approval',
      'manual',
    ])
    datasetId = added.dataset.id
  })

  after(async () => {
    await Promise.all(Object.values(nodes).map((n) => n.stop()))
  })

  const negotiate = (extra: string[]) =>
    spawn(
      process.execPath,
      [
        cliPath(),
        'negotiate',
        '--provider',
        provider,
        '--dataset',
        datasetId,
        '--purpose',
        FLOOD_WARNING,
        '--wait',
        ...extra,
        '--dir',
        dir('b'),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )

  it('says that it waits, and after --timeout that the request stays open', async () => {
    const child = negotiate(['--timeout', '6'])
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    assert.equal(code, 1, stderr)
    assert.match(
      stderr,
      /Waiting for the provider's answer \(up to 6 s\)\. If its offer needs a data officer's approval/,
    )
    assert.match(
      stdout,
      /No answer within 6 s; negotiation urn:uuid:\S+ stays REQUESTED .*allmende negotiations show/,
    )
  })

  it('stops waiting on Ctrl-C and says that the negotiation continues', async () => {
    const child = negotiate([])
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    // Synchronise on what the user sees: the waiting notice, then press Ctrl-C.
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (d) => {
        stderr += d
        if (stderr.includes('Waiting for')) resolve()
      }),
    )
    child.kill('SIGINT')
    assert.equal(await exited, 130)
    assert.match(stdout, /Stopped waiting; negotiation \S+ continues on the node \(REQUESTED\)/)
  })

  it('finishes once the data officer approves', async () => {
    const child = negotiate(['--json'])
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (d) => {
        stderr += d
        if (stderr.includes('"event":"waiting"')) resolve()
      }),
    )
    const waiting = await allmendeJson<{ id: string; state: string; datasetId: string }[]>([
      'negotiations',
      'list',
      '--dir',
      dir('a'),
    ])
    for (const n of waiting.filter((x) => x.state === 'REQUESTED')) {
      await allmendeJson(['negotiations', 'approve', n.id, '--dir', dir('a')])
    }
    assert.equal(await exited, 0, stderr)
    const summary = JSON.parse(stdout) as { state: string; agreement: string }
    assert.equal(summary.state, 'FINALIZED')
    const agreements = await allmendeJson<{ id: string }[]>(['agreements', 'list', '--dir', dir('b')])
    assert.ok(agreements.some((a) => a.id === summary.agreement))
  })

  it('transfer: --json progress events on stderr, Ctrl-C suspends and names the command that continues', async () => {
    // A source that sends its first half and then holds the response open until released.
    const body = Buffer.alloc(4 * 1024 * 1024, 'x')
    let release: () => void = () => {}
    let requests = 0
    const server: Server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length })
      if (requests++ > 0) {
        res.end(body)
        return
      }
      res.write(body.subarray(0, body.length / 2))
      release = () => res.end(body.subarray(body.length / 2))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    try {
      const port = (server.address() as { port: number }).port
      await writeFile(
        join(root, 'open-offer.json'),
        JSON.stringify({
          '@context': 'http://www.w3.org/ns/odrl.jsonld',
          '@type': 'Offer',
          uid: 'urn:allmende:offer:slow',
          permission: [{ action: 'use' }],
        }),
      )
      const added = await allmendeJson<{ dataset: { id: string } }>([
        'dataset',
        'add',
        '--dir',
        dir('a'),
        '--title',
        'Langsame Quelle',
        '--source',
        `http://127.0.0.1:${port}/data`,
        '--policy',
        join(root, 'open-offer.json'),
      ])
      const contract = await allmendeJson<{ agreement: string }>([
        'negotiate',
        '--provider',
        provider,
        '--dataset',
        added.dataset.id,
        '--wait',
        '--dir',
        dir('b'),
      ])
      // A relative --out names a file in the node's download folder (`downloads` beside the node directory).
      const out = join(root, 'downloads', 'slow.bin')
      const child = spawn(
        process.execPath,
        [
          cliPath(),
          'transfer',
          '--agreement',
          contract.agreement,
          '--out',
          'slow.bin',
          '--json',
          '--dir',
          dir('b'),
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
      // Synchronise on the progress the user sees: an event with bytes received, then Ctrl-C.
      await new Promise<void>((resolve, reject) => {
        child.on('exit', (code) =>
          reject(new Error(`transfer ended (exit ${code}) before any progress: ${stderr}`)),
        )
        child.stderr.on('data', (d) => {
          stderr += d
          const events = stderr
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as { event: string; bytes: number })
          if (events.some((e) => e.event === 'progress' && e.bytes > 0)) resolve()
        })
      })
      child.kill('SIGINT')
      assert.equal(await exited, 130, stderr)
      const interrupted = JSON.parse(stdout) as { state: string; interrupted: boolean; bytes: number }
      assert.equal(interrupted.state, 'SUSPENDED')
      assert.equal(interrupted.interrupted, true)
      const transfers = await allmendeJson<{ id: string; state: string }[]>([
        'transfers',
        'list',
        '--dir',
        dir('b'),
      ])
      assert.ok(transfers.some((t) => t.state === 'SUSPENDED'))
      release()
      const resumed = await allmendeJson<{ state: string; bytes: number }>([
        'transfer',
        '--agreement',
        contract.agreement,
        '--out',
        'slow.bin',
        '--resume',
        '--dir',
        dir('b'),
      ])
      assert.equal(resumed.state, 'COMPLETED')
      assert.equal(statSync(out).size, body.length)
      assert.ok(readFileSync(out).equals(body))
    } finally {
      release()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
