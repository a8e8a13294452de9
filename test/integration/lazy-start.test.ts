import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { initNode } from '../../src/config/index.js'
import { ALLMENDE_CONTEXT_V1, CREDENTIALS_CONTEXT_V2 } from '../../src/credentials/index.js'
import { adoptDescriptor, createDescriptor } from '../../src/dataspace/index.js'
import { allmendeJson, allmendeOk, type RunningNode, startAllmende } from '../support/cli-process.js'
import { repoRoot } from '../support/repo.js'
import { tempDir } from '../support/temp-dir.js'

/**
 * A node starts without the libraries an idle node does not use (src/util/load-once.ts): the credential
 * stack, jsonld.js and did-jwt are loaded by the first request that needs them. Seen through a trace of the
 * modules the node process loads (test/support/module-trace.ts), not through time: each file of the bundle
 * stands for the modules the build put in it (dist/bundle.meta.json, written by scripts/bundle.ts).
 */
const HEAVY = {
  'credential stack': /\/node_modules\/@digitalbazaar\/vc\//,
  'jsonld-signatures': /\/node_modules\/jsonld-signatures\//,
  'jsonld.js': /\/node_modules\/jsonld\//,
  'did-jwt': /\/node_modules\/did-jwt\//,
}

const bundleMeta = JSON.parse(readFileSync(join(repoRoot(), 'dist', 'bundle.meta.json'), 'utf8')) as {
  outputs: Record<string, { inputs: Record<string, unknown> }>
}
/** The modules a loaded file holds: the bundle file's inputs (as /-rooted paths), or the module itself. */
function modulesIn(url: string): string[] {
  const path = url.startsWith('file:') ? fileURLToPath(url) : url
  const output = bundleMeta.outputs[relative(repoRoot(), path).split(sep).join('/')]
  return output === undefined ? [url] : Object.keys(output.inputs).map((input) => `/${input}`)
}

/** The modules a node loaded so far, from its trace file. */
const modulesLoaded = (trace: string) => readFileSync(trace, 'utf8').split('\n').flatMap(modulesIn)
/** Which of the {@link HEAVY} libraries a node loaded so far. */
const heavyLibrariesLoaded = (trace: string) =>
  Object.entries(HEAVY)
    .filter(([, pattern]) => modulesLoaded(trace).some((url) => pattern.test(url)))
    .map(([name]) => name)
/** `NODE_OPTIONS` and environment that make a node write the modules it loads into `trace`. */
const tracedTo = (trace: string) => ({
  NODE_OPTIONS: `--import ${pathToFileURL(join(import.meta.dirname, '..', 'support', 'module-trace.js')).href}`,
  ALLMENDE_MODULE_TRACE: trace,
})

describe('allmende start loads heavy libraries on first use', () => {
  let dir: string
  let trace: string
  let node: RunningNode
  const loaded = () => modulesLoaded(trace)
  const loadedLibraries = () => heavyLibrariesLoaded(trace)

  before(async () => {
    const root = await tempDir()
    dir = join(root, 'node')
    trace = join(root, 'modules.txt')
    await allmendeOk(['init', '--dir', dir, '--name', 'Lazy'])
    node = await startAllmende(['--dir', dir], { env: tracedTo(trace) })
  })
  after(() => node?.stop())

  it('is ready with libp2p and the API loaded, and none of the credential stack, jsonld.js or did-jwt', () => {
    assert.ok(
      loaded().some((module) => module.includes('/node_modules/libp2p/')),
      'the trace records the modules the node loaded',
    )
    assert.deepEqual(loadedLibraries(), [])
  })

  it('loads the credential stack with the first credential it issues', async () => {
    const did = await allmendeJson<string>(['config', 'get', 'did', '--dir', dir])
    const token = readFileSync(join(dir, 'api-token'), 'utf8').trim()
    const response = await fetch(`${node.apiUrl}/credentials/issue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        credential: {
          '@context': [CREDENTIALS_CONTEXT_V2, ALLMENDE_CONTEXT_V1],
          type: ['VerifiableCredential', 'DataSpaceMembershipCredential'],
          issuer: did,
          validFrom: new Date().toISOString(),
          credentialSubject: { id: 'did:example:kusel', memberRole: 'member' },
        },
      }),
    })
    assert.equal(response.status, 201, await response.clone().text())
    assert.deepEqual(loadedLibraries(), ['credential stack', 'jsonld-signatures', 'jsonld.js'])
    // jsonld.js reads bundled contexts only (scripts/bundle.ts): its network loader and HTTP client stay out.
    assert.deepEqual(
      loaded().filter((module) => /\/node_modules\/(undici|@digitalbazaar\/http-client)\//.test(module)),
      [],
    )
  })
})

describe('a member restarted with the descriptor it verified before', () => {
  it('is ready without the credential stack: the same bytes are not verified again', async () => {
    const root = await tempDir()
    const anchor = await initNode(join(root, 'anchor'), { name: 'Anker' })
    const member = await initNode(join(root, 'member'), { name: 'Mitglied' })
    const descriptor = await createDescriptor({ title: 'Neustart', anchors: [anchor.key] })
    await adoptDescriptor(member.directory, descriptor)
    const first = await startAllmende(['--dir', member.directory.root])
    await first.stop()
    const trace = join(root, 'modules.txt')
    const again = await startAllmende(['--dir', member.directory.root], { env: tracedTo(trace) })
    try {
      assert.ok(modulesLoaded(trace).some((module) => module.includes('/node_modules/libp2p/')))
      assert.deepEqual(heavyLibrariesLoaded(trace), [])
    } finally {
      await again.stop()
    }
  })
})
