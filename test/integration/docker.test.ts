import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { repoRoot } from '../support/repo.js'
import { tempDir } from '../support/temp-dir.js'

/**
 * What can be checked of the container setup without a Docker engine: the Dockerfile against the
 * usual lint rules, the build context against .dockerignore (no keys, no node_modules), the compose
 * file's structure (and `docker compose config` where the plugin is installed), and the image's
 * layout assembled from the Dockerfile's COPY lines, run through its entrypoint, setup script and
 * health check as the compose file runs them: an anchor, a member that joins and waits, the
 * one-shot setup that endorses it, and the member admitted by the anchor.
 */
const root = repoRoot()
const dockerfile = readFileSync(join(root, 'docker', 'Dockerfile'), 'utf8')

interface Instruction {
  readonly op: string
  readonly args: string
  readonly stage: number
}

/** Dockerfile instructions with continuation lines joined, each tagged with its build stage. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = []
  let stage = -1
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
  for (const line of logical) {
    const [op, ...rest] = line.split(/\s+/)
    if (op!.toUpperCase() === 'FROM') stage++
    out.push({ op: op!.toUpperCase(), args: rest.join(' '), stage })
  }
  return out
}

/** A .dockerignore pattern as a regular expression over context-relative paths (Go filepath.Match plus **). */
function ignoreMatcher(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((p) => {
      const body = p
        .replace(/^\//, '')
        .split('/')
        .map((part) =>
          part === '**'
            ? '(?:.*)'
            : part
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?')
      // A directory pattern excludes everything below it.
      return new RegExp(`^${body}(?:/.*)?$`)
    })
  return (path) => patterns.some((p) => p.test(path))
}

function contextFiles(ignored: (path: string) => boolean, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    const rel = relative(root, path)
    if (ignored(rel)) return []
    return entry.isDirectory() ? contextFiles(ignored, path) : [rel]
  })
}

describe('Dockerfile', () => {
  const all = instructions(dockerfile)
  const stages = all.filter((i) => i.op === 'FROM')
  const final = all.filter((i) => i.stage === stages.length - 1)

  it('builds in stages on a supported Node LTS, never an unpinned or end-of-life base', () => {
    assert.ok(stages.length >= 2, 'multi-stage')
    for (const from of stages) {
      const image = from.args.split(/\s+/)[0]!
      assert.match(image, /^node:(22|24)(\.\d+)*-[a-z-]+$/, `${image}: pin node 22 or 24 with a variant tag`)
      assert.match(from.args, /\sAS\s+[a-z][a-z0-9-]*$/i, 'every stage is named')
    }
  })

  it('runs as a fixed non-root user and has a health check and an exec-form entrypoint', () => {
    const user = final.filter((i) => i.op === 'USER').at(-1)
    assert.ok(user !== undefined, 'USER in the final stage')
    assert.doesNotMatch(user.args, /^(root|0)(:|$)/)
    const health = final.filter((i) => i.op === 'HEALTHCHECK')
    assert.equal(health.length, 1)
    assert.match(health[0]!.args, /--interval=\d+s .*--timeout=\d+s .*CMD \[/)
    const entry = final.find((i) => i.op === 'ENTRYPOINT')
    assert.ok(entry !== undefined)
    assert.doesNotThrow(() => JSON.parse(entry.args), 'exec form (JSON array)')
    assert.deepEqual(
      final.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/)),
      ['4001', '8080', '8443'],
    )
  })

  it('follows the lint rules: COPY not ADD, absolute WORKDIR, clean apt and npm layers, known stages', () => {
    assert.equal(all.filter((i) => i.op === 'ADD').length, 0)
    for (const w of all.filter((i) => i.op === 'WORKDIR')) assert.match(w.args, /^\//)
    for (const run of all.filter((i) => i.op === 'RUN')) {
      if (run.args.includes('apt-get install')) {
        assert.match(run.args, /--no-install-recommends/)
        assert.match(run.args, /rm -rf \/var\/lib\/apt\/lists/)
      }
      assert.doesNotMatch(run.args, /\bsudo\b|curl [^|]*\| *(ba)?sh/)
      assert.doesNotMatch(run.args, /npm install\b/, 'npm ci keeps the lock file')
    }
    const names = stages.map((s) => s.args.split(/\s+AS\s+/i)[1]!)
    for (const copy of all.filter((i) => i.op === 'COPY' && i.args.startsWith('--from='))) {
      assert.ok(names.includes(copy.args.slice('--from='.length).split(/\s/)[0]!), copy.args)
    }
    assert.ok(all.some((i) => i.op === 'RUN' && i.args.includes('npm prune --omit=dev')))
  })

  it('copies only what the build context holds', () => {
    const ignored = ignoreMatcher(readFileSync(join(root, '.dockerignore'), 'utf8'))
    for (const copy of all.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from='))) {
      const sources = copy.args
        .split(/\s+/)
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1)
      for (const source of sources) {
        assert.ok(existsSync(join(root, source)), `${source} exists`)
        assert.ok(!ignored(source), `${source} is not excluded by .dockerignore`)
      }
    }
  })
})

describe('.dockerignore', () => {
  const ignored = ignoreMatcher(readFileSync(join(root, '.dockerignore'), 'utf8'))

  it('keeps node directories, keys, tokens and installed packages out of the build context', () => {
    for (const path of [
      'node_modules/level/package.json',
      'dist/src/cli/main.js',
      '.git/HEAD',
      '.allmende/node.key',
      '.allmende-demo/kusel/api-token',
      'kusel/node.key',
      'somewhere/deep/node.key',
      'somewhere/deep/api-token',
      'somewhere/db/000001.log',
      'examples/node_modules/x.js',
    ]) {
      assert.ok(ignored(path), `${path} must be excluded`)
    }
    for (const path of [
      'package.json',
      'src/cli/main.ts',
      'docker/entrypoint.sh',
      'spec/openapi.json',
      'policies/members-only.jsonld',
    ]) {
      assert.ok(!ignored(path), `${path} must be in the context`)
    }
  })

  it('leaves no key or token file in the context of this checkout', () => {
    const files = contextFiles(ignored)
    assert.ok(files.includes('docker/Dockerfile'))
    assert.deepEqual(
      files.filter((f) => /(^|\/)(node\.key|api-token|api\.json)$|(^|\/)node_modules\//.test(f)),
      [],
    )
  })
})

describe('docker/compose.yaml', () => {
  const text = readFileSync(join(root, 'docker', 'compose.yaml'), 'utf8')
  const compose = parse(text, { merge: true }) as {
    services: Record<
      string,
      {
        environment?: Record<string, string>
        volumes?: string[]
        ports?: string[]
        depends_on?: Record<string, { condition: string }>
        entrypoint?: string[]
        build?: unknown
        image?: string
        restart?: string
      }
    >
    volumes: Record<string, unknown>
  }
  const services = Object.entries(compose.services)
  const nodes = services.filter(([, s]) => s.environment?.ALLMENDE_ROLE !== undefined)
  const anchors = nodes.filter(([, s]) => s.environment!.ALLMENDE_ROLE === 'anchor')
  const members = nodes.filter(([, s]) => s.environment!.ALLMENDE_ROLE === 'member')

  it('has six Südwest-Cluster nodes: one anchor and five members', () => {
    assert.equal(nodes.length, 6)
    assert.equal(anchors.length, 1)
    assert.equal(members.length, 5)
    for (const [name, service] of nodes) {
      assert.equal(service.environment!.ALLMENDE_HOST, name, 'others reach a node by its service name')
      assert.ok(service.environment!.ALLMENDE_NAME, name)
      assert.equal(service.environment!.ALLMENDE_DATASPACE_TITLE, 'Südwest-Cluster')
      assert.ok(service.volumes!.includes(`${name}:/data`), `${name} keeps its directory in its own volume`)
      assert.ok(service.volumes!.includes('descriptor:/descriptor'), `${name} sees the descriptor volume`)
      assert.ok(name in compose.volumes)
      for (const port of (service.ports ?? []).filter((p) => p.endsWith(':8080'))) {
        assert.match(port, /^127\.0\.0\.1:/, `${name}: the management API stays on the host's loopback`)
      }
    }
  })

  it('starts members after the anchor is healthy and has a one-shot setup endorse exactly them', () => {
    const [anchor] = anchors[0]!
    for (const [name, service] of members) {
      assert.equal(service.depends_on?.[anchor]?.condition, 'service_healthy', name)
    }
    const setup = compose.services.setup!
    assert.deepEqual(setup.entrypoint, ['./setup.sh'])
    assert.equal(setup.restart, 'no')
    assert.equal(setup.depends_on?.[anchor]?.condition, 'service_healthy')
    assert.ok(setup.volumes!.includes(`${anchor}:/anchor:ro`), 'reads the anchor token, read-only')
    assert.ok(setup.volumes!.includes('descriptor:/descriptor'))
    assert.equal(setup.environment!.ALLMENDE_ANCHOR_API, `http://${anchor}:8080`)
    assert.deepEqual(setup.environment!.ALLMENDE_MEMBERS!.split(' ').sort(), members.map(([n]) => n).sort())
  })

  it('needs no variable set by hand', () => {
    assert.doesNotMatch(text, /\$\{[A-Z_]+:\?/)
  })

  it('passes `docker compose config` where the compose plugin is installed', (t) => {
    if (spawnSync('docker', ['compose', 'version']).status !== 0) {
      t.diagnostic('docker compose is not installed here: only the structural checks above ran')
      return
    }
    const result = spawnSync('docker', [
      'compose',
      '-f',
      join(root, 'docker', 'compose.yaml'),
      'config',
      '--quiet',
    ])
    assert.equal(result.status, 0, String(result.stderr))
  })
})

describe('the image layout run as compose runs it', () => {
  it('anchor, member, setup and health check make a member the anchor admits', {
    timeout: 300_000,
  }, async () => {
    const work = await tempDir('allmende-image-')
    const app = join(work, 'app')
    mkdirSync(app)
    // The runtime stage's COPY lines; what it takes from the build stage comes from this checkout's build.
    const all = instructions(dockerfile)
    const runtime = all.filter((i) => i.stage === all.filter((x) => x.op === 'FROM').length - 1)
    for (const copy of runtime.filter((i) => i.op === 'COPY')) {
      const words = copy.args.split(/\s+/).filter((w) => !w.startsWith('--'))
      const target = join(app, words.at(-1)!)
      for (const source of words.slice(0, -1)) {
        const from = join(root, source.replace(/^\/app\//, ''))
        const to = words.at(-1)!.endsWith('/') ? join(target, source.split('/').at(-1)!) : target
        mkdirSync(join(to, '..'), { recursive: true })
        if (source.endsWith('node_modules')) symlinkSync(from, to)
        else cpSync(from, to, { recursive: true })
      }
    }
    assert.ok(existsSync(join(app, 'dist', 'bundle', 'allmende.js')))
    assert.ok(existsSync(join(app, 'entrypoint.sh')) && existsSync(join(app, 'setup.sh')))
    const health = JSON.parse(
      /HEALTHCHECK .*CMD (\[.*\])/.exec(dockerfile.replace(/\\\n/g, ' '))![1]!,
    ) as string[]
    // Exit 0 once the peers (stdin) show the member connected and admitted.
    writeFileSync(
      join(work, 'admitted.cjs'),
      `let s = ''
      process.stdin.on('data', (d) => (s += d)).on('end', () => {
        const did = JSON.parse(require('fs').readFileSync(${JSON.stringify(join(work, 'kusel', 'identity.json'))}, 'utf8')).did
        process.exit(JSON.parse(s).some((p) => p.did === did && p.admitted && p.connected) ? 0 : 1)
      })`,
    )
    // Every wait is bounded: a step that never comes ends the script with the logs instead of hanging.
    const script = `
      set -eu
      ip link set lo up
      within() { n=0; until sh -c "$2" > /dev/null 2>&1; do n=$((n + 1)); [ $n -lt $1 ] || { echo "gave up: $2"; exit 1; }; sleep 1; done; }
      export ALLMENDE_DESCRIPTOR_DIR=${work}/descriptor ALLMENDE_DATASPACE_TITLE=Südwest-Cluster ALLMENDE_HOST=localhost ALLMENDE_LOG_LEVEL=warn
      mkdir -p "$ALLMENDE_DESCRIPTOR_DIR"
      ALLMENDE_ROLE=anchor ALLMENDE_NAME="Stadt Kaiserslautern" ALLMENDE_DATA=${work}/kl ${app}/entrypoint.sh > ${work}/anchor.log 2>&1 &
      within 120 ${JSON.stringify(health.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' '))}
      echo anchor healthy
      ALLMENDE_ROLE=member ALLMENDE_NAME="Landkreis Kusel" ALLMENDE_DATA=${work}/kusel ALLMENDE_HOST=kusel-host \\
        ALLMENDE_P2P_PORT=4002 ALLMENDE_API_PORT=8082 ALLMENDE_DSP_PORT=8444 ${app}/entrypoint.sh > ${work}/member.log 2>&1 &
      ALLMENDE_MEMBERS=kusel-host ALLMENDE_ANCHOR_API=http://127.0.0.1:8080 ALLMENDE_ANCHOR_DIR=${work}/kl ${app}/setup.sh
      within 120 'node ${app}/dist/bundle/allmende.js status --dir ${work}/kusel'
      echo member running
      # The anchor admits the member: it shows up as a connected, admitted peer.
      within 120 'node ${app}/dist/bundle/allmende.js peers --json --dir ${work}/kl | node ${work}/admitted.cjs'
      echo member admitted
      node ${app}/dist/bundle/allmende.js status --json --dir ${work}/kl
      node ${app}/dist/bundle/allmende.js stop --dir ${work}/kusel
      node ${app}/dist/bundle/allmende.js stop --dir ${work}/kl
    `
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      // Every step of the script polls with its own bound; the spawn bound only ends a script that hangs.
      // A PID namespace of its own: the nodes the script started in the background end with it, failed or not.
      const child = spawn('unshare', ['-rnp', '--kill-child', 'sh', '-c', script], {
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 280_000,
        killSignal: 'SIGKILL',
      })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (out += d))
      child.on('exit', (code) => resolve({ code, out }))
    })
    const logs = ['anchor.log', 'member.log']
      .map((f) => (existsSync(join(work, f)) ? readFileSync(join(work, f), 'utf8') : ''))
      .join('\n')
    assert.equal(result.code, 0, `${result.out}\n${logs}`.slice(-5000))
    assert.match(
      result.out,
      /anchor healthy[\s\S]*endorsed kusel-host[\s\S]*member running[\s\S]*member admitted/,
    )
    // The DSP listener is configured from the image's defaults.
    const status = JSON.parse(result.out.split('\n').find((l) => l.startsWith('{"name"'))!) as {
      dsp?: string
    }
    assert.equal(status.dsp, 'http://localhost:8443/dsp/2025-1')
    assert.ok(existsSync(join(work, 'descriptor', 'dataspace.json')), 'the anchor serves the descriptor')
  })
})
