// Issue 10 item 7: a transfer writes only into the operator's download folder, never into the node
// directory; `contract prove` bundles the current status list, and `contract verify` fails for a
// revoked agreement or one whose revocation cannot be checked, unless the verifier accepts that.
// Two real nodes on 127.0.0.1: anchor A (provider) and member B (consumer).
import assert from 'node:assert/strict'
import { lstat, readFile, symlink, writeFile } from 'node:fs/promises'
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
import { offer } from './provider-fixture.js'

describe('security: files and proofs', () => {
  let root = ''
  const nodes: Record<string, RunningNode> = {}
  const did: Record<string, string> = {}
  const dir = (name: string) => join(root, name)
  let agreement = ''

  const ok = async (args: string[]) => {
    const result = await runAllmende(args, { timeoutMs: 60_000 })
    assert.equal(result.code, 0, `allmende ${args.join(' ')}: ${result.stdout} ${result.stderr}`)
    return result.stdout
  }

  before(async () => {
    root = await tempDir('allmende-files-')
    for (const name of ['a', 'b']) {
      did[name] = (
        await allmendeJson<{ did: string }>(['init', '--dir', dir(name), '--name', `Node ${name}`])
      ).did
    }
    const created = await allmendeJson<{ descriptor: string }>([
      'dataspace',
      'create',
      '--title',
      'S',
      '--dir',
      dir('a'),
    ])
    await ok(['dataspace', 'join', '--descriptor', created.descriptor, '--dir', dir('b')])
    await ok(['dataspace', 'endorse', did.b!, '--dir', dir('a')])
    nodes.a = await startAllmende(['--dir', dir('a')])
    nodes.b = await startAllmende(['--dir', dir('b')])
    await writeFile(join(root, 'pegel.json'), JSON.stringify([{ result: 64 }]))
    await writeFile(join(root, 'offer.json'), JSON.stringify(offer('urn:allmende:offer:files')))
    const added = await allmendeJson<{ dataset: { id: string } }>([
      'dataset',
      'add',
      '--dir',
      dir('a'),
      '--title',
      'Pegel',
      '--source',
      join(root, 'pegel.json'),
      '--policy',
      join(root, 'offer.json'),
      '--access',
      'members',
    ])
    const negotiated = await eventually(
      async () => {
        const run = await runAllmende(
          [
            'negotiate',
            '--dir',
            dir('b'),
            '--provider',
            did.a!,
            '--dataset',
            added.dataset.id,
            '--wait',
            '--json',
          ],
          { timeoutMs: 60_000 },
        )
        const result = JSON.parse(run.stdout || '{}') as { state?: string; agreement?: string }
        return result.state === 'FINALIZED' ? result : undefined
      },
      { what: 'a finalized agreement', timeoutMs: 120_000 },
    )
    agreement = negotiated.agreement!
  })

  after(async () => {
    await Promise.all(Object.values(nodes).map((n) => n.stop()))
  })

  it('a transfer never writes into the node directory, by the CLI, by the API, or through a link', async () => {
    const key = await readFile(join(dir('b'), 'node.key'), 'utf8')
    for (const out of [join(dir('b'), 'node.key'), '../b/node.key', join(root, 'elsewhere.bin')]) {
      const run = await runAllmende([
        'transfer',
        '--dir',
        dir('b'),
        '--agreement',
        agreement,
        '--out',
        out,
        '--json',
      ])
      assert.notEqual(run.code, 0, `--out ${out} was accepted: ${run.stdout}`)
      assert.match(run.stderr + run.stdout, /download folder/)
    }
    const token = (await readFile(join(dir('b'), 'api-token'), 'utf8')).trim()
    const post = (out: string) =>
      fetch(`${nodes.b!.apiUrl}/api/v1/transfers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ agreement, out }),
      })
    for (const out of [
      join(dir('b'), 'node.key'),
      join(dir('b'), 'db', 'CURRENT'),
      '/tmp/allmende-anywhere.bin',
    ]) {
      const answer = await post(out)
      assert.equal(answer.status, 400, `API out ${out}: ${answer.status}`)
    }
    // a link in the download folder that leads into the node directory
    await ok(['transfer', '--dir', dir('b'), '--agreement', agreement, '--out', 'first.json', '--json'])
    await symlink(dir('b'), join(root, 'downloads', 'node-link'))
    const linked = await post('node-link/node.key')
    assert.equal(linked.status, 400, `through a link: ${linked.status}`)
    assert.equal(await readFile(join(dir('b'), 'node.key'), 'utf8'), key, 'the node key is untouched')
    assert.ok(
      (await lstat(join(root, 'downloads', 'first.json'))).isFile(),
      'a relative --out lands in the folder',
    )
  })

  it('prove bundles the current status list; verify fails once the agreement is revoked or when revocation is unknown', async () => {
    const prove = async (file: string, extra: string[] = []) =>
      ok([
        'contract',
        'prove',
        agreement,
        '--challenge',
        'c-1',
        '--out',
        join(root, file),
        '--dir',
        dir('b'),
        ...extra,
      ])
    const verify = (file: string, extra: string[] = []) =>
      runAllmende(['contract', 'verify', join(root, file), '--challenge', 'c-1', ...extra])
    await prove('before.json')
    assert.equal((await verify('before.json')).code, 0, 'a valid agreement verifies')
    const token = (await readFile(join(dir('a'), 'api-token'), 'utf8')).trim()
    const revocation = await fetch(
      `${nodes.a!.apiUrl}/api/v1/agreements/${encodeURIComponent(agreement)}/revoke`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'test' }),
      },
    )
    assert.equal(revocation.status, 200)
    await prove('after.json')
    const after = await verify('after.json')
    assert.equal(after.code, 1, `a revoked agreement verified: ${after.stdout}`)
    assert.match(after.stdout, /revoked/)
    await prove('unbundled.json', ['--without-status-list'])
    const unknown = await verify('unbundled.json')
    assert.equal(unknown.code, 1, `revocation unknown verified: ${unknown.stdout}`)
    assert.match(unknown.stdout, /status-unavailable|cannot be checked/)
    assert.equal((await verify('unbundled.json', ['--accept-unknown-status'])).code, 0)
  })
})
