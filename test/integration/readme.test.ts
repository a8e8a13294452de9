import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { cliPath, repoRoot } from '../support/repo.js'
import { tempDir } from '../support/temp-dir.js'

/**
 * The README's shell blocks, run as one script exactly as written, in order. Only `npx allmende`
 * is pointed at this checkout's build (what npx does in the repository), and the script runs in a
 * network namespace of its own, so the fixed port 4001 of the walkthrough is free whatever else
 * runs on this machine. The first block (`npm ci && npm start`, `npm ci && npm test`) is what runs
 * this test and is left out.
 */
const root = repoRoot()

export function readmeShellBlocks(readme: string): string[] {
  return [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!)
}

/** Runs a script under `bash` in its own user and network namespace; resolves with its outcome. */
function runIsolated(cwd: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('unshare', ['-rn', 'bash', '-c', `ip link set lo up && bash ./walkthrough.sh`], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ALLMENDE_LOG_LEVEL: 'warn' },
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

describe('README commands', () => {
  let work: string | undefined

  after(async () => {
    if (work === undefined) return
    // A failed run may leave detached nodes behind: end them by the pids they wrote.
    for (const node of ['kl', 'kusel', 'myk']) {
      const runtime = join(work, node, 'api.json')
      if (!existsSync(runtime)) continue
      const { pid } = JSON.parse(await readFile(runtime, 'utf8')) as { pid?: number }
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
    }
  })

  it('has the newcomer commands first', () => {
    const [first] = readmeShellBlocks(readFileSync(join(root, 'README.md'), 'utf8'))
    assert.match(first!, /^npm ci && npm start/m)
    assert.match(first!, /^npm ci && npm test/m)
  })

  it('runs every other shell block as written, in order, each command succeeding', {
    timeout: 600_000,
  }, async () => {
    const blocks = readmeShellBlocks(readFileSync(join(root, 'README.md'), 'utf8')).slice(1)
    assert.ok(blocks.length >= 8, `only ${blocks.length} shell blocks`)
    work = await tempDir('allmende-readme-')
    // The walkthrough reads example data from the repository, as it does when run there.
    await symlink(join(root, 'examples'), join(work, 'examples'))
    await symlink(join(root, 'test'), join(work, 'test'))
    const script = [
      'set -euo pipefail',
      `npx() { if [ "$1" = allmende ]; then shift; node ${JSON.stringify(cliPath())} "$@"; else command npx "$@"; fi; }`,
      // Each command is echoed with the time before it runs, so a failure names the README line.
      "PS4='+ $(date +%T) '",
      'set -x',
      ...blocks,
    ].join('\n')
    await writeFile(join(work, 'walkthrough.sh'), script)
    const { code, output } = await runIsolated(work, 540_000)
    if (process.env.ALLMENDE_README_LOG !== undefined)
      await writeFile(process.env.ALLMENDE_README_LOG, output)
    assert.equal(code, 0, output.slice(-4000))
    // The walkthrough did what it says: data arrived, the proof verified, the nodes stopped.
    assert.ok(
      existsSync(join(work, 'downloads', 'pegel.json')),
      'the transfer wrote into the download folder',
    )
    assert.match(output, /Received \d+ bytes/)
    for (const node of ['kl', 'kusel', 'myk']) assert.ok(!existsSync(join(work, node, 'api.json')), node)
  })
})
