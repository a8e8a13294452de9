import type { CliCommand, FlagDoc } from './command.js'

/** One entry of the command list: enough to list it without loading its module. */
export interface CommandEntry {
  readonly name: string
  readonly summary: string
  readonly load: () => Promise<CliCommand>
}

const HELP_FLAG: FlagDoc = { type: 'boolean', short: 'h', help: 'print this help and exit' }

function flagLabel(name: string, flag: FlagDoc): string {
  const short = flag.short === undefined ? '    ' : `-${flag.short}, `
  const value = flag.type === 'string' ? ` ${flag.value ?? 'VALUE'}` : ''
  return `${short}--${name}${value}${flag.multiple === true ? ' …' : ''}`
}

function flagDefault(flag: FlagDoc): string {
  if (flag.required === true) return 'required'
  if (flag.fallback !== undefined) return `default: ${flag.fallback}`
  return flag.type === 'boolean' ? 'default: off' : 'default: none'
}

/**
 * `allmende <command> --help`: summary, usage, every flag with its default, examples, and the
 * commands under it when the name is also a group (`catalog` and `catalog export`).
 */
export function commandHelp(
  entry: CommandEntry,
  command: CliCommand,
  subcommands: readonly CommandEntry[] = [],
): string {
  const subWidth = Math.max(0, ...subcommands.map((c) => c.name.length))
  const flags = Object.entries({ ...command.flags, help: HELP_FLAG })
  const labels = flags.map(([name, flag]) => flagLabel(name, flag))
  const width = Math.max(...labels.map((l) => l.length))
  return [
    `allmende ${entry.name}: ${entry.summary}`,
    '',
    `usage: ${command.usage}`,
    '',
    'flags:',
    ...flags.map(([, flag], i) => `  ${labels[i]!.padEnd(width)}  ${flag.help} (${flagDefault(flag)})`),
    '',
    command.examples.length === 1 ? 'example:' : 'examples:',
    ...command.examples.map((e) => `  ${e}`),
    ...(subcommands.length === 0
      ? []
      : ['', 'commands:', ...subcommands.map((c) => `  ${c.name.padEnd(subWidth)}  ${c.summary}`)]),
  ].join('\n')
}

/** The list of commands, all of them or those of one group (`allmende dataset --help`). */
export function listHelp(entries: readonly CommandEntry[], group?: string): string {
  const width = Math.max(...entries.map((c) => c.name.length))
  return [
    group === undefined ? 'usage: allmende <command> [flags]' : `usage: allmende ${group} <command> [flags]`,
    '',
    ...entries.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    ...(group === undefined
      ? ['  --version         print the version', '  -h, --help        this list', '']
      : []),
    "Run 'allmende <command> --help' for its flags, their defaults and examples.",
  ].join('\n')
}
