// bench/vc-suite: runs the public W3C VC 2.0 data-model test suite against this node's VC-API
// (`/credentials/issue`, `/credentials/verify`, `/presentations/verify`) and reports how many of its
// cases pass. The suite is not part of this repository: point VC_SUITE_DIR at a checkout of it whose
// dependencies are installed (`npm install` in it), then `VC_SUITE_DIR=… node dist/bench/vc-suite.js`.
// Opt-in (named only): `npm run bench -- vc-suite`. The suite speaks HTTPS only, so the API is reached
// through a TLS front with a throw-away self-signed certificate (`openssl`); both listen on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ApiServer, vcApiRoutes } from '../src/api/index.js'
import { generateNodeKey } from '../src/identity/index.js'
import { createSilentLogger } from '../src/log/index.js'
import { benchDir } from './support/temp-dir.js'

interface MochaTest {
  readonly fullTitle: string
  readonly err?: { readonly message?: string }
}
interface MochaReport {
  readonly stats: {
    readonly tests: number
    readonly passes: number
    readonly failures: number
    readonly pending: number
  }
  readonly failures: readonly MochaTest[]
}

const suite = process.env.VC_SUITE_DIR
if (suite === undefined || !existsSync(join(suite, 'node_modules', 'mocha'))) {
  console.log(
    'VC_SUITE_DIR is not set to a checkout of the W3C VC 2.0 data-model suite with its dependencies: skipped',
  )
  process.exit(0)
}

const key = await generateNodeKey()
const token = 'vc-suite-bench-token'
const api = new ApiServer(createSilentLogger(), {
  host: '127.0.0.1',
  port: 0,
  token,
  routes: [(router) => vcApiRoutes(router, { key })],
  // The suite sends a few hundred requests from one address within seconds.
  openRate: { perSecond: 1000, burst: 1000 },
})
const apiUrl = new URL(await api.start())
const url = await tlsFront(apiUrl)
// The suite reads the implementation under test from localConfig.cjs in its root.
const config = join(suite, 'localConfig.cjs')
const endpoint = (path: string) => ({
  id: key.did,
  endpoint: `${url}${path}`,
  headers: { authorization: `Bearer ${token}` },
  tags: ['vc2.0'],
})
writeFileSync(
  config,
  `module.exports = ${JSON.stringify({
    settings: { enableInteropTests: false, testAllImplementations: false },
    implementations: [
      {
        name: 'Allmende',
        implementation: 'Allmende VC-API',
        issuers: [endpoint('/credentials/issue')],
        verifiers: [endpoint('/credentials/verify')],
        vpVerifiers: [endpoint('/presentations/verify')],
      },
    ],
  })}\n`,
)
const output = join(tmpdir(), `allmende-vc-suite-${process.pid}.json`)
try {
  // Asynchronous: the server under test answers from this process while the suite runs.
  const suiteRun = spawn(
    process.execPath,
    [
      join(suite, 'node_modules', 'mocha', 'bin', 'mocha.js'),
      'tests/',
      '--reporter',
      'json',
      '--reporter-option',
      `output=${output}`,
      '--timeout',
      '15000',
      '--preserve-symlinks',
      '--exit',
    ],
    { cwd: suite, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  suiteRun.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  const status = await new Promise<number | null>((resolve) => suiteRun.on('close', resolve))
  if (!existsSync(output)) {
    console.log(`the suite did not run (exit ${status}):\n${stderr}`)
    process.exitCode = 1
  } else {
    const report = JSON.parse(readFileSync(output, 'utf8')) as MochaReport
    const { tests, passes, failures, pending } = report.stats
    console.log(
      `W3C VC 2.0 data-model suite: ${passes} of ${tests} passed, ${failures} failed, ${pending} pending`,
    )
    for (const failed of report.failures) {
      console.log(`  failed: ${failed.fullTitle}: ${(failed.err?.message ?? '').split('\n')[0]}`)
    }
  }
} finally {
  rmSync(config, { force: true })
  rmSync(output, { force: true })
  await api.stop()
  process.exit()
}

/** An HTTPS server on 127.0.0.1 that passes every request on to `target`; returns its base URL. */
async function tlsFront(target: URL): Promise<string> {
  const dir = benchDir('allmende-vc-suite-tls-')
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ])
  if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr}`)
  const server = createHttpsServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (req, res) => {
      const forward = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        },
      )
      forward.on('error', () => res.destroy())
      req.pipe(forward)
    },
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  server.unref()
  return `https://127.0.0.1:${(server.address() as { port: number }).port}`
}
