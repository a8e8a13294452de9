import { parseArgs } from 'node:util'
import {
  DEFAULT_NODE_DIR,
  dialableAddresses,
  type NodeConfig,
  nodeDirectory,
  openNode,
  readNodeConfig,
  validateNodeConfig,
  writeNodeConfig,
} from '../../config/index.js'
import { type CliCommand, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
import { runningNodeClient } from './dataspace-members.js'

/** The settings an operator may change; identity and data space membership have their own commands. */
const SETTABLE = {
  name: 'text',
  listen: 'list',
  announce: 'list',
  bootstrap: 'list',
  apiPort: 'number',
  apiHost: 'text',
  mdns: 'boolean',
  membershipRefresh: 'number',
  dspPort: 'number',
  dspPublicUrl: 'text',
  dspTrustProxy: 'boolean',
  dataWorkers: 'number',
  dataPort: 'number',
  dataPublicUrl: 'text',
  downloadDir: 'text',
  maxConnections: 'number',
  landingPage: 'text',
  events: 'list',
} as const satisfies Partial<Record<keyof NodeConfig, string>>

type SettableKey = keyof typeof SETTABLE
const OPTIONAL: readonly SettableKey[] = [
  'membershipRefresh',
  'dspPort',
  'dspPublicUrl',
  'dspTrustProxy',
  'dataWorkers',
  'dataPort',
  'dataPublicUrl',
  'downloadDir',
  'maxConnections',
  'landingPage',
  'events',
]

function settableKey(key: string | undefined, command: string): SettableKey {
  if (key === undefined || !(key in SETTABLE)) {
    throw new UsageError(
      `${command}: give one of ${Object.keys(SETTABLE).join(', ')}${key === undefined ? '' : ` (not "${key}")`}`,
    )
  }
  return key as SettableKey
}

function parseValue(key: SettableKey, values: string[]): unknown {
  const kind = SETTABLE[key]
  if (kind === 'list') return values
  if (values.length !== 1) throw new UsageError(`config set: ${key} takes exactly one value`)
  const value = values[0] as string
  if (kind === 'number') {
    const number = Number(value)
    if (value.trim() === '' || !Number.isFinite(number))
      throw new UsageError(`config set: ${key} must be a number, got "${value}"`)
    return number
  }
  if (kind === 'boolean') {
    if (value !== 'true' && value !== 'false')
      throw new UsageError(`config set: ${key} must be true or false, got "${value}"`)
    return value === 'true'
  }
  return value
}

function show(value: unknown): string {
  return Array.isArray(value) ? value.join('\n') : String(value)
}

/** Read-only facts of the node that scripts need next to its settings (e.g. to endorse it, or bootstrap to it). */
async function identityValue(key: string, dir: string): Promise<string | string[] | undefined> {
  if (key !== 'did' && key !== 'peerId' && key !== 'addresses') return undefined
  const files = await openNode(dir)
  if (key === 'did') return files.key.did
  if (key === 'peerId') return files.key.peerId.toString()
  return dialableAddresses(files.config, files.key.peerId.toString())
}

export const configGetCommand: CliCommand = {
  name: 'config get',
  usage: 'allmende config get [KEY|did|peerId|addresses] [--dir DIR] [--json]',
  flags: NODE_FLAGS,
  examples: [
    'allmende config get --dir ./kusel',
    'allmende config get listen --dir ./kusel --json',
    'allmende config get addresses --dir ./kusel',
  ],
  async run(args, io) {
    const { values, positionals } = parseFlags('config get', () =>
      parseArgs({ args, options: NODE_FLAGS, allowPositionals: true }),
    )
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const key = positionals[0]
    const fact = key === undefined ? undefined : await identityValue(key, dir)
    if (fact !== undefined) {
      io.stdout(values.json === true ? JSON.stringify(fact) : show(fact))
      return 0
    }
    const config = await readNodeConfig(nodeDirectory(dir).configFile)
    if (key === undefined) {
      io.stdout(
        values.json === true
          ? JSON.stringify(config)
          : Object.entries(config)
              .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : String(v)}`)
              .join('\n'),
      )
      return 0
    }
    if (!(key in config) && !(key in SETTABLE)) {
      throw new UsageError(`config get: no setting "${key}"; known: ${Object.keys(config).join(', ')}`)
    }
    const value = (config as unknown as Record<string, unknown>)[key]
    io.stdout(values.json === true ? JSON.stringify(value ?? null) : show(value ?? ''))
    return 0
  },
}

export const configSetCommand: CliCommand = {
  name: 'config set',
  usage:
    'allmende config set KEY VALUE... [--dir DIR] [--json]   (lists take several values, none clears them)',
  flags: NODE_FLAGS,
  examples: [
    'allmende config set listen /ip4/0.0.0.0/tcp/4001 --dir ./kusel',
    'allmende config set announce /dns4/connector.kusel.de/tcp/4001 --dir ./kusel',
    'allmende config set dataWorkers 2 --dir ./kusel',
  ],
  async run(args, io) {
    const { values, positionals } = parseFlags('config set', () =>
      parseArgs({ args, options: NODE_FLAGS, allowPositionals: true }),
    )
    const [rawKey, ...rest] = positionals
    const key = settableKey(rawKey, 'config set')
    if (rest.length === 0 && SETTABLE[key] !== 'list' && !OPTIONAL.includes(key)) {
      throw new UsageError(`config set: give a value for ${key}`)
    }
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const directory = nodeDirectory(dir)
    const config = await readNodeConfig(directory.configFile)
    const changed: Record<string, unknown> = { ...config }
    if (rest.length === 0 && SETTABLE[key] !== 'list') delete changed[key]
    else changed[key] = parseValue(key, rest)
    const checked = validateNodeConfig(changed, `config set ${key}`)
    await writeNodeConfig(directory.configFile, checked)
    const running = (await runningNodeClient(dir)) !== undefined
    if (values.json === true) {
      io.stdout(JSON.stringify({ [key]: checked[key] ?? null, restartNeeded: running }))
      return 0
    }
    io.stdout(
      `${key} = ${show(checked[key] ?? '(unset)').replaceAll('\n', ' ')}` +
        (running ? `\nThe node is running: restart it to apply (allmende start --dir ${dir}).` : ''),
    )
    return 0
  },
}
