import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ConfigError } from './errors.js'

/** Default node directory when `--dir` is not given. */
export const DEFAULT_NODE_DIR = './.allmende'

/** The files of one node directory; every command finds a node through these. */
export interface NodeDirectory {
  readonly root: string
  /** Ed25519 private key, PKCS#8 PEM, mode 0600. */
  readonly keyFile: string
  readonly configFile: string
  /** Bearer token of the management API, mode 0600. */
  readonly tokenFile: string
  /** The level database. */
  readonly dbDir: string
  /** Written by a running node: `{url, pid}` of its management API; removed on stop. */
  readonly runtimeFile: string
}

export function nodeDirectory(dir: string = DEFAULT_NODE_DIR): NodeDirectory {
  const root = resolve(dir)
  return {
    root,
    keyFile: join(root, 'node.key'),
    configFile: join(root, 'config.json'),
    tokenFile: join(root, 'api-token'),
    dbDir: join(root, 'db'),
    runtimeFile: join(root, 'api.json'),
  }
}

/** The management API token of a node directory. */
export async function readApiToken(directory: NodeDirectory): Promise<string> {
  try {
    const token = (await readFile(directory.tokenFile, 'utf8')).trim()
    if (token === '') throw new ConfigError(`${directory.tokenFile} is empty`)
    return token
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause
    throw new ConfigError(`cannot read API token ${directory.tokenFile}: ${(cause as Error).message}`, {
      cause,
    })
  }
}
