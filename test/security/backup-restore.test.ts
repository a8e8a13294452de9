import assert from 'node:assert/strict'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { allmendeJson, type RunningNode, runAllmende, startAllmende } from '../support/cli-process.js'
import { tempDir } from '../support/temp-dir.js'

/** Flips one byte in the middle of the largest log or table file of a database. */
async function damage(dbDir: string): Promise<string> {
  let largest = { name: '', size: -1 }
  for (const name of await readdir(dbDir)) {
    if (!/\.(log|ldb)$/.test(name)) continue
    const { size } = await stat(join(dbDir, name))
    if (size > largest.size) largest = { name, size }
  }
  const bytes = await readFile(join(dbDir, largest.name))
  const at = Math.floor(bytes.length / 2)
  bytes[at] = bytes[at]! ^ 0x01
  await writeFile(join(dbDir, largest.name), bytes)
  return largest.name
}

describe('backup while running, a damaged store refused, restore', () => {
  let root: string
  let node: RunningNode | undefined
  let datasetPath: string
  const dir = () => join(root, 'kusel')
  const backup = () => join(root, 'backup-1')
  const api = async (method: string, path: string, body?: unknown) => {
    const token = (await readFile(join(dir(), 'api-token'), 'utf8')).trim()
    const response = await fetch(`${node!.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  before(async () => {
    root = await tempDir('allmende-backup-')
    const { did } = await allmendeJson<{ did: string }>(['init', '--dir', dir(), '--name', 'Landkreis Kusel'])
    node = await startAllmende(['--dir', dir()])
    await writeFile(join(root, 'pegel.json'), '[{"result":64}]')
    const added = await api('POST', '/api/v1/datasets', {
      title: 'Pegel Altenglan',
      description: 'Wasserstand',
      publisher: { name: 'Landkreis Kusel' },
      distributions: [{ format: 'JSON', mediaType: 'application/json' }],
      source: { kind: 'file', path: join(root, 'pegel.json') },
      offers: [
        {
          offer: {
            '@context': 'http://www.w3.org/ns/odrl.jsonld',
            '@type': 'Offer',
            uid: 'urn:uuid:0d8c6a52-1111-4a8e-9b61-0d3b6f2e8c11',
            assigner: did,
            permission: [{ action: 'use' }],
          },
          access: { kind: 'members' },
        },
      ],
    })
    assert.equal(added.status, 201, JSON.stringify(added.body))
    datasetPath = `/api/v1/datasets/${encodeURIComponent((added.body.dataset as { id: string }).id)}`
  })
  after(async () => {
    await node?.stop()
  })

  it('backs up the running node from one snapshot, and refuses to restore over it while it runs', async () => {
    const made = await allmendeJson<{ via: string; files: string[] }>([
      'backup',
      '--out',
      backup(),
      '--dir',
      dir(),
    ])
    assert.equal(made.via, 'api')
    assert.ok(made.files.includes('node.key'))
    assert.equal((await stat(backup())).mode & 0o777, 0o700)
    const refused = await runAllmende(['restore', '--from', backup(), '--dir', dir()])
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /is running; stop it before restoring/)
  })

  it('a flipped byte stops the node from starting with a message naming the file; restore brings it back', async () => {
    // One more entry after the backup: the restore goes back to the backup, and says so.
    assert.equal((await api('DELETE', datasetPath)).status, 200)
    await node!.stop()
    node = undefined
    const file = await damage(join(dir(), 'db'))
    const start = await runAllmende(['start', '--dir', dir()], { timeoutMs: 60_000 })
    assert.equal(start.code, 2)
    assert.match(
      start.stderr,
      new RegExp(`${file.replace('.', '\\.')} .*fails its checksum|${file.replace('.', '\\.')} .*incomplete`),
    )
    assert.match(start.stderr, /allmende restore --from/)

    const restored = await allmendeJson<{ records: number; kept: string; audit: string }>([
      'restore',
      '--from',
      backup(),
      '--dir',
      dir(),
    ])
    assert.ok(restored.records > 0)
    assert.match(restored.kept, /db\.damaged-/)
    assert.match(restored.audit, /entries verify/)
    node = await startAllmende(['--dir', dir()])
    const dataset = await api('GET', datasetPath)
    assert.equal(dataset.status, 200, 'the dataset of the backup is back')
    const verified = await runAllmende(['audit', 'verify', '--dir', dir()])
    assert.equal(verified.code, 0, verified.stdout + verified.stderr)
  })
})
