import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { repoRoot } from '../support/repo.js'
import { tempDir } from '../support/temp-dir.js'

/** Runs a command and collects its output; rejects with the output when it fails. */
function run(command: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${out}\n${err}`))
    })
  })
}

describe('the npm package', () => {
  it('installs from its tarball into an empty project and runs there', { timeout: 600_000 }, async () => {
    const packDir = await tempDir('allmende-pack-')
    // The build is current (npm test builds first), so packing skips `prepare`.
    const [packed] = JSON.parse(
      await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], repoRoot()),
    ) as { filename: string; files: { path: string }[] }[]
    const files = packed!.files.map((f) => f.path)
    for (const needed of [
      'dist/bundle/allmende.js',
      'dist/bundle/allmende.cjs',
      'dist/bundle/hash-worker.js',
      'dist/ui/main.js',
      'dist/ui/app.css',
      'spec/dsp-2025-1/negotiation/contract-schema.json',
      'spec/contexts/allmende-v1.jsonld',
      'spec/openapi.json',
      'policies/flood-warning-only.jsonld',
      'examples/data/glan-pegel-observations.json',
      'LICENSE',
      'README.md',
    ]) {
      assert.ok(files.includes(needed), `${needed} is in the package`)
    }
    assert.deepEqual(
      files.filter((f) => /^(src|test|bench|node_modules)\/|node\.key$|api-token$/.test(f)),
      [],
      'no sources, tests or keys in the package',
    )

    const project = await tempDir('allmende-install-')
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'kommune', private: true }))
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', join(packDir, packed!.filename)],
      project,
    )
    const help = await run('npx', ['allmende', '--help'], project)
    assert.match(help, /usage: allmende <command>/)
    assert.match(help, /negotiations approve/)
    const { version } = JSON.parse(
      await run('node', ['-p', 'JSON.stringify(require("./package.json"))'], repoRoot()),
    )
    assert.equal((await run('npx', ['allmende', '--version'], project)).trim(), `allmende ${version}`)
    // The installed package finds its own data files: templates, schemas and contexts.
    assert.match(await run('npx', ['allmende', 'policy', 'templates'], project), /flood-warning-only/)
    const init = JSON.parse(
      await run('npx', ['allmende', 'init', '--dir', 'node', '--name', 'Kommune', '--json'], project),
    )
    assert.match(init.did, /^did:key:z6Mk/)
  })
})
