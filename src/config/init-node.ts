import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { generateNodeKey, loadNodeKey, type NodeKey, writeNodeKey } from '../identity/index.js'
import { fixListenPorts } from './addresses.js'
import { ConfigError } from './errors.js'
import {
  applyOverrides,
  type ConfigOverrides,
  DEFAULT_CONFIG,
  type NodeConfig,
  readNodeConfig,
  writeNodeConfig,
} from './node-config.js'
import { type NodeDirectory, nodeDirectory, readApiToken } from './node-directory.js'

/** Everything a node needs from its directory to start. */
export interface NodeFiles {
  readonly directory: NodeDirectory
  readonly config: NodeConfig
  readonly key: NodeKey
  readonly apiToken: string
}

/**
 * Creates a node directory: a fresh Ed25519 key (0600), `config.json` and an API token (0600).
 * Refuses a directory that already holds a node unless `force` is set (then the old identity is gone).
 */
export async function initNode(
  dir: string,
  init: { name: string; force?: boolean; overrides?: ConfigOverrides },
): Promise<NodeFiles> {
  const directory = nodeDirectory(dir)
  const existing = await readdir(directory.root).catch(() => [] as string[])
  if (existing.length > 0 && init.force !== true) {
    throw new ConfigError(`${directory.root} is not empty; use --force to replace the node in it`)
  }
  if (init.force === true) {
    await Promise.all(
      [
        directory.keyFile,
        directory.configFile,
        directory.tokenFile,
        directory.runtimeFile,
        directory.dbDir,
      ].map((path) => rm(path, { recursive: true, force: true })),
    )
  }
  const chosen = applyOverrides({ ...DEFAULT_CONFIG, name: init.name }, init.overrides ?? {}, 'init flags')
  const config: NodeConfig = { ...chosen, listen: await fixListenPorts(chosen.listen) }
  await mkdir(directory.root, { recursive: true, mode: 0o700 })
  const key = await generateNodeKey()
  await writeNodeKey(directory.keyFile, key)
  const apiToken = randomBytes(32).toString('base64url')
  await writeFile(directory.tokenFile, `${apiToken}\n`, { mode: 0o600 })
  await writeNodeConfig(directory.configFile, config)
  return { directory, config, key, apiToken }
}

/** Loads an initialised node directory, with errors that say what to run. */
export async function openNode(dir: string, overrides: ConfigOverrides = {}): Promise<NodeFiles> {
  const directory = nodeDirectory(dir)
  const info = await stat(directory.root).catch(() => undefined)
  if (info === undefined || !info.isDirectory()) {
    throw new ConfigError(
      `no node directory at ${directory.root}; create one with: allmende init --dir ${dir}`,
    )
  }
  const config = applyOverrides(await readNodeConfig(directory.configFile), overrides, 'start flags')
  const key = await loadNodeKey(directory.keyFile)
  const apiToken = await readApiToken(directory)
  return { directory, config, key, apiToken }
}
