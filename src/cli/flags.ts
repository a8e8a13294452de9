import type { ParseArgsConfig } from 'node:util'
import type { ConfigOverrides } from '../config/index.js'
import { UsageError } from './command.js'

type OptionSpec = NonNullable<ParseArgsConfig['options']>

/** Flags shared by the commands that talk to or start a node. */
export const NODE_FLAGS = {
  dir: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies OptionSpec

/** Flags that override config fields (init writes them, start applies them for one run). */
export const CONFIG_FLAGS = {
  listen: { type: 'string', multiple: true },
  announce: { type: 'string', multiple: true },
  'api-port': { type: 'string' },
  'api-host': { type: 'string' },
  bootstrap: { type: 'string', multiple: true },
  dataspace: { type: 'string' },
  mdns: { type: 'boolean' },
  'dsp-port': { type: 'string' },
  'dsp-public-url': { type: 'string' },
  'membership-refresh': { type: 'string' },
} as const satisfies OptionSpec

/** Parses `--membership-refresh SECONDS` (create and join write it to the config). */
export function membershipRefreshFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const seconds = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value) || seconds < 0.5 || seconds > 3600) {
    throw new UsageError(`--membership-refresh must be a number of seconds from 0.5 to 3600, got "${value}"`)
  }
  return seconds
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
  'membership-refresh'?: string
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
    membershipRefresh: membershipRefreshFlag(values['membership-refresh']),
  }
}
