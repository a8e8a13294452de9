import { resolve } from 'node:path'
import { type ConfigOverrides, DEFAULT_MAX_CONNECTIONS } from '../config/node-config.js'
import { type FlagDocs, UsageError } from './command.js'

/** `--dir`: the node directory every node command works on. */
export const DIR_FLAG = {
  dir: {
    type: 'string',
    value: 'DIR',
    fallback: './.allmende',
    help: 'node directory (key, config, database)',
  },
} as const satisfies FlagDocs

/** `--json`: machine-readable output. */
export const JSON_FLAG = {
  json: { type: 'boolean', help: 'print one JSON document instead of text' },
} as const satisfies FlagDocs

/** `--lang`: the language of messages (see `cliLang`). */
export const LANG_FLAG = {
  lang: {
    type: 'string',
    value: 'de|en',
    fallback: 'the locale (LC_ALL, LC_MESSAGES, LANG): English if it is English, else German',
    help: 'language of messages and findings',
  },
} as const satisfies FlagDocs

/** Flags shared by the commands that talk to or start a node. */
export const NODE_FLAGS = { ...DIR_FLAG, ...JSON_FLAG } as const satisfies FlagDocs

/** `--membership-refresh`, written by `init`, `dataspace create` and `dataspace join`. */
export const MEMBERSHIP_REFRESH_FLAG = {
  'membership-refresh': {
    type: 'string',
    value: 'SECONDS',
    fallback: '60',
    help: 'how often membership and revocation lists are re-checked (0.5 to 3600)',
  },
} as const satisfies FlagDocs

/** Flags that override config fields (init writes them, start applies them for one run). */
export const CONFIG_FLAGS = {
  listen: {
    type: 'string',
    multiple: true,
    value: 'MULTIADDR',
    fallback: '/ip4/127.0.0.1/tcp/0; init fixes a free port',
    help: 'libp2p listen address (repeatable); /ip4/0.0.0.0/tcp/4001 to accept other hosts',
  },
  announce: {
    type: 'string',
    multiple: true,
    value: 'MULTIADDR',
    fallback: 'the listen addresses',
    help: 'address others must dial instead (NAT, containers, DNS names; repeatable)',
  },
  'api-port': { type: 'string', value: 'N', fallback: '0 (any free port)', help: 'management API port' },
  'api-host': {
    type: 'string',
    value: 'HOST',
    fallback: '127.0.0.1',
    help: 'management API and DSP listener host; open it only behind a proxy',
  },
  bootstrap: {
    type: 'string',
    multiple: true,
    value: 'MULTIADDR',
    fallback: 'none',
    help: 'full address of a member, ending in /p2p/<peerId> (repeatable)',
  },
  dataspace: {
    type: 'string',
    value: 'ID',
    fallback: 'local',
    help: 'data space id: private DHT protocol and gossip topic',
  },
  mdns: { type: 'boolean', help: 'find peers on the local network by multicast DNS' },
  'dsp-port': {
    type: 'string',
    value: 'N',
    fallback: 'none (no DSP listener)',
    help: 'port of the Dataspace Protocol HTTP listener; 0 = any free port',
  },
  'dsp-public-url': {
    type: 'string',
    value: 'URL',
    fallback: "the listener's own address",
    help: 'DSP base URL as other connectors reach it (through your TLS proxy)',
  },
  'dsp-trust-proxy': {
    type: 'boolean',
    help: 'the DSP listener sits behind your TLS proxy: per-caller limits count the address it appends to X-Forwarded-For',
  },
  'download-dir': {
    type: 'string',
    value: 'DIR',
    fallback: 'downloads beside the node directory',
    help: 'the only folder received data is written to (never the node directory)',
  },
  'landing-page': {
    type: 'string',
    value: 'URL',
    fallback: 'none (the open data export then refuses)',
    help: 'public page where people ask for the data: access URL and homepage of the DCAT-AP.de export',
  },
  ...MEMBERSHIP_REFRESH_FLAG,
  'max-connections': {
    type: 'string',
    value: 'N',
    fallback: String(DEFAULT_MAX_CONNECTIONS),
    help: 'libp2p connections kept; the node dials peers itself up to half of them, others on demand',
  },
} as const satisfies FlagDocs

/** Parses `--membership-refresh SECONDS` (create and join write it to the config). */
export function membershipRefreshFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const seconds = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value) || seconds < 0.5 || seconds > 3600) {
    throw new UsageError(`--membership-refresh must be a number of seconds from 0.5 to 3600, got "${value}"`)
  }
  return seconds
}

/** Parses a flag that takes a whole number (`--limit 20`); `fallback` when it is not given. */
export function wholeNumberFlag(
  command: string,
  flag: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value)) throw new UsageError(`${command}: --${flag} takes a whole number, got "${value}"`)
  return Number(value)
}

/** Parses `--max-connections N`; the config validator checks the range. */
function maxConnectionsFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new UsageError(`--max-connections must be a whole number, got "${value}"`)
  return Number(value)
}

/** Runs a `parseArgs` call and turns its errors into a {@link UsageError} naming the command. */
export function parseFlags<T>(command: string, parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`)
  }
}

/** Config overrides from parsed {@link CONFIG_FLAGS}; the config validator checks the values. */
export function configOverrides(values: {
  listen?: string[]
  announce?: string[]
  'api-port'?: string
  'api-host'?: string
  bootstrap?: string[]
  dataspace?: string
  mdns?: boolean
  'dsp-port'?: string
  'dsp-public-url'?: string
  'dsp-trust-proxy'?: boolean
  'download-dir'?: string
  'landing-page'?: string
  'membership-refresh'?: string
  'max-connections'?: string
}): ConfigOverrides {
  const port = values['api-port']
  if (port !== undefined && !/^\d+$/.test(port))
    throw new UsageError(`--api-port must be a port number, got "${port}"`)
  const dspPort = values['dsp-port']
  if (dspPort !== undefined && !/^\d+$/.test(dspPort))
    throw new UsageError(`--dsp-port must be a port number, got "${dspPort}"`)
  return {
    listen: values.listen,
    announce: values.announce,
    apiPort: port === undefined ? undefined : Number(port),
    apiHost: values['api-host'],
    bootstrap: values.bootstrap,
    dataspace: values.dataspace,
    mdns: values.mdns,
    dspPort: dspPort === undefined ? undefined : Number(dspPort),
    dspPublicUrl: values['dsp-public-url'],
    dspTrustProxy: values['dsp-trust-proxy'],
    // A folder named on the command line is where the operator stands, not where the node runs.
    downloadDir: values['download-dir'] === undefined ? undefined : resolve(values['download-dir']),
    landingPage: values['landing-page'],
    membershipRefresh: membershipRefreshFlag(values['membership-refresh']),
    maxConnections: maxConnectionsFlag(values['max-connections']),
  }
}

/** Parses `--endorsements N`. */
export function endorsementsFlag(
  value: string | undefined,
  flag: 'endorsements' | 'revocations' = 'endorsements',
): number | undefined {
  if (value === undefined) return undefined
  const count = Number(value)
  if (!Number.isInteger(count) || count < 1) {
    throw new UsageError(`--${flag} must be a whole number of at least 1, got "${value}"`)
  }
  return count
}

/** `--revocations R`: how many anchors' revocations drop a member (the data space's revocation rule). */
export const REVOCATIONS_FLAG = {
  revocations: {
    type: 'string',
    value: 'R',
    fallback: '1 (any anchor revokes alone)',
    help: "anchors' revocations that drop a member, whether they endorsed it or not",
  },
} as const satisfies FlagDocs
