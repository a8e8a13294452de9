import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { freeFixedPort } from '../../src/config/index.js'
import { cliPath } from './repo.js'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs `allmende ARGS` as a process and collects its output. `isolated` runs it in a network
 * namespace of its own (fixed ports, such as the demo's, then never meet another test's). The
 * default bound is generous: under load (two cores shared by many test runs) a command that opens a
 * database and loads the credential stack can take tens of seconds.
 */
export function runAllmende(
  args: string[],
  options: { timeoutMs?: number; isolated?: boolean } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const command =
      options.isolated === true
        ? spawn(
            'unshare',
            ['-rn', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, cliPath(), ...args],
            {
              stdio: ['ignore', 'pipe', 'pipe'],
              env: { ...process.env, ALLMENDE_LOG_LEVEL: 'warn' },
            },
          )
        : spawn(process.execPath, [cliPath(), ...args], {
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...process.env, ALLMENDE_LOG_LEVEL: 'warn' },
          })
    const child = command
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`allmende ${args.join(' ')} timed out\n${stderr}`))
    }, options.timeoutMs ?? 120_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Runs a command that must succeed and returns its standard output. */
export async function allmendeOk(args: string[]): Promise<string> {
  const result = await runAllmende(args)
  assert.equal(result.code, 0, `allmende ${args.join(' ')}: ${result.stderr}`)
  return result.stdout
}

/** A TCP port free on 127.0.0.1, below the ephemeral range: the one `allmende init` picks for port 0. */
export const freePort = (): Promise<number> => freeFixedPort('127.0.0.1')

/** Runs a command that must succeed and parses its JSON output. */
export async function allmendeJson<T>(args: string[]): Promise<T> {
  const result = await runAllmende([...args, '--json'])
  if (result.code !== 0) throw new Error(`allmende ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
  return JSON.parse(result.stdout) as T
}

/** The DIDs and PeerIds of nodes set up with {@link initNodes}, by name. */
export interface InitializedNodes {
  readonly did: Record<string, string>
  readonly peerId: Record<string, string>
}

/**
 * `allmende init` of one node per name in `root/<name>`, named `Node <name>` unless `label` says otherwise,
 * each with `extra` arguments; the first listens on a fixed free port, so the address others bootstrap to
 * (or a descriptor created while it runs names) stays its address across restarts.
 */
export async function initNodes(
  root: string,
  names: readonly string[],
  options: { readonly extra?: readonly string[]; readonly label?: (name: string) => string } = {},
): Promise<InitializedNodes> {
  const port = await freePort()
  const nodes: InitializedNodes = { did: {}, peerId: {} }
  for (const [index, name] of names.entries()) {
    const listen = index === 0 ? ['--listen', `/ip4/127.0.0.1/tcp/${port}`] : []
    const label = options.label?.(name) ?? `Node ${name}`
    const init = await allmendeJson<{ did: string; peerId: string }>([
      'init',
      '--dir',
      join(root, name),
      '--name',
      label,
      ...(options.extra ?? []),
      ...listen,
    ])
    nodes.did[name] = init.did
    nodes.peerId[name] = init.peerId
  }
  return nodes
}

/** A node started with `allmende start`, running until {@link RunningNode.stop}. */
export interface RunningNode {
  readonly process: ChildProcess
  readonly apiUrl: string
  readonly output: () => string
  /** Settles when the process ends, by itself or killed: its exit code (null after a signal). */
  readonly exited: Promise<number | null>
  /** SIGTERM and the exit code. */
  stop(): Promise<number | null>
  /** SIGKILL, as a crash. */
  kill(): Promise<void>
}

/**
 * Starts a node and resolves once it prints `ready <url>` (generous: under load a start takes tens
 * of seconds); `env` adds to the test's environment; `logFile`, if given, gets its log appended.
 */
export function startAllmende(
  args: string[],
  options: { timeoutMs?: number; env?: Record<string, string>; logFile?: string } = {},
): Promise<RunningNode> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath(), 'start', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ALLMENDE_LOG_LEVEL: process.env.ALLMENDE_LOG_LEVEL ?? 'info', ...options.env },
    })
    let stdout = ''
    let stderr = ''
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`node did not get ready:\n${stderr}`))
    }, options.timeoutMs ?? 180_000)
    child.stderr.on('data', (d) => (stderr += d))
    if (options.logFile !== undefined) child.stderr.pipe(createWriteStream(options.logFile, { flags: 'a' }))
    child.stdout.on('data', (d) => {
      stdout += d
      const match = /^ready (\S+)$/m.exec(stdout)
      if (match === null) return
      clearTimeout(timer)
      resolve({
        process: child,
        apiUrl: match[1]!,
        output: () => stderr,
        exited,
        stop: async () => {
          child.kill('SIGTERM')
          return exited
        },
        kill: async () => {
          child.kill('SIGKILL')
          await exited
        },
      })
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`node exited with ${code} before ready:\n${stderr}`))
    })
  })
}

/**
 * Polls `check` until it returns a value (not undefined) or the time is up. The bound is generous on
 * purpose: it only decides how long a failing test takes, while a loaded CI machine needs the room.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000)
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200))
  }
  throw new Error(`timed out waiting for ${options.what}${last === undefined ? '' : `: ${String(last)}`}`)
}

/** GET `path` from a running node's management API with the token in its directory; asserts a 200. */
export async function apiGet<T>(node: RunningNode, dir: string, path: string): Promise<T> {
  const token = (await readFile(join(dir, 'api-token'), 'utf8')).trim()
  const response = await fetch(`${node.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(response.status, 200, `GET ${path} on ${dir}`)
  return (await response.json()) as T
}
