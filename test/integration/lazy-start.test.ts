import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { initNode } from '../../src/config/index.js'
import { ALLMENDE_CONTEXT_V1, CREDENTIALS_CONTEXT_V2 } from '../../src/credentials/index.js'
import { adoptDescriptor, createDescriptor } from '../../src/dataspace/index.js'
import { allmendeJson, allmendeOk, startAllmende } from '../support/cli-process.js'
import { coverageTo, modulesEvaluated } from '../support/evaluated-modules.js'
import { tempDir } from '../support/temp-dir.js'

/**
 * A node starts without the libraries an idle node does not use (src/util/load-once.ts): the credential
 * stack, jsonld.js and did-jwt are loaded by the first request that needs them. Seen through the modules a
 * node process evaluated until it stopped (test/support/evaluated-modules.ts), not through time.
 */
const HEAVY = {
  'credential stack': /\/node_modules\/@digitalbazaar\/vc\//,
  'jsonld-signatures': /\/node_modules\/jsonld-signatures\//,
  'jsonld.js': /\/node_modules\/jsonld\//,
  'did-jwt': /\/node_modules\/did-jwt\//,
}

/** Which of the {@link HEAVY} libraries `modules` hold. */
const heavyLibrariesIn = (modules: readonly string[]) =>
  Object.entries(HEAVY)
    .filter(([, pattern]) => modules.some((module) => pattern.test(module)))
    .map(([name]) => name)

/** The modules a node started in `dir` evaluated until it stopped, with `whileRunning` done while it ran. */
async function modulesOfOneStart(
  dir: string,
  whileRunning: (apiUrl: string) => Promise<void> = async () => {},
): Promise<string[]> {
  const coverage = await tempDir('allmende-coverage-')
  const node = await startAllmende(['--dir', dir], { env: coverageTo(coverage) })
  try {
    await whileRunning(node.apiUrl)
  } finally {
    await node.stop()
  }
  return modulesEvaluated(coverage)
}

describe('allmende start loads heavy libraries on first use', () => {
  it('is ready with libp2p and the API loaded, and none of the credential stack, jsonld.js or did-jwt', async () => {
    const dir = join(await tempDir(), 'node')
    await allmendeOk(['init', '--dir', dir, '--name', 'Lazy'])
    const modules = await modulesOfOneStart(dir)
    assert.ok(
      modules.some((module) => module.includes('/node_modules/libp2p/')),
      'the coverage shows the modules the node evaluated',
    )
    assert.deepEqual(heavyLibrariesIn(modules), [])
  })

  it('loads the credential stack with the first credential it issues', async () => {
    const dir = join(await tempDir(), 'node')
    await allmendeOk(['init', '--dir', dir, '--name', 'Lazy'])
    const did = await allmendeJson<string>(['config', 'get', 'did', '--dir', dir])
    const token = readFileSync(join(dir, 'api-token'), 'utf8').trim()
    const modules = await modulesOfOneStart(dir, async (apiUrl) => {
      const response = await fetch(`${apiUrl}/credentials/issue`, {
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
    })
    assert.deepEqual(heavyLibrariesIn(modules), ['credential stack', 'jsonld-signatures', 'jsonld.js'])
    // jsonld.js reads bundled contexts only (scripts/bundle.ts): its network loader and HTTP client stay out.
    assert.deepEqual(
      modules.filter((module) => /\/node_modules\/(undici|@digitalbazaar\/http-client)\//.test(module)),
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
    const modules = await modulesOfOneStart(member.directory.root)
    assert.ok(modules.some((module) => module.includes('/node_modules/libp2p/')))
    assert.deepEqual(heavyLibrariesIn(modules), [])
  })
})
