import { AllmendeError } from '../protocol/errors.js'
import type { CliCommand, CliIo } from './command.js'

/**
 * Every command of `allmende`, in the order `allmende help` lists them. Loaded on use: a command
 * pays only for its own imports (the credential and libp2p stacks take a second to load).
 */
const COMMANDS: readonly { readonly name: string; readonly load: () => Promise<CliCommand> }[] = [
  { name: 'init', load: async () => (await import('./commands/init.js')).initCommand },
  { name: 'start', load: async () => (await import('./commands/start.js')).startCommand },
  { name: 'config get', load: async () => (await import('./commands/config.js')).configGetCommand },
  { name: 'config set', load: async () => (await import('./commands/config.js')).configSetCommand },
  { name: 'demo', load: async () => (await import('./commands/demo.js')).demoCommand },
  { name: 'dashboard', load: async () => (await import('./commands/dashboard.js')).dashboardCommand },
  { name: 'status', load: async () => (await import('./commands/status.js')).statusCommand },
  { name: 'peers', load: async () => (await import('./commands/peers.js')).peersCommand },
  { name: 'dataset add', load: async () => (await import('./commands/dataset.js')).datasetAddCommand },
  { name: 'dataset list', load: async () => (await import('./commands/dataset.js')).datasetListCommand },
  { name: 'dataset remove', load: async () => (await import('./commands/dataset.js')).datasetRemoveCommand },
  { name: 'catalog', load: async () => (await import('./commands/catalog.js')).catalogCommand },
  { name: 'negotiate', load: async () => (await import('./commands/negotiate.js')).negotiateCommand },
  { name: 'transfer', load: async () => (await import('./commands/transfer.js')).transferCommand },
  {
    name: 'contract prove',
    load: async () => (await import('./commands/contract-prove.js')).contractProveCommand,
  },
  {
    name: 'contract verify',
    load: async () => (await import('./commands/contract-verify.js')).contractVerifyCommand,
  },
  { name: 'audit verify', load: async () => (await import('./commands/audit-verify.js')).auditVerifyCommand },
  {
    name: 'policy evaluate',
    load: async () => (await import('./commands/policy-evaluate.js')).policyEvaluateCommand,
  },
  {
    name: 'policy validate',
    load: async () => (await import('./commands/policy-validate.js')).policyValidateCommand,
  },
  {
    name: 'policy explain',
    load: async () => (await import('./commands/policy-explain.js')).policyExplainCommand,
  },
  { name: 'policy new', load: async () => (await import('./commands/policy-new.js')).policyNewCommand },
  {
    name: 'policy templates',
    load: async () => (await import('./commands/policy-new.js')).policyTemplatesCommand,
  },
  {
    name: 'identity did-web',
    load: async () => (await import('./commands/identity-did-web.js')).identityDidWebCommand,
  },
  {
    name: 'dataspace create',
    load: async () => (await import('./commands/dataspace-create.js')).dataspaceCreateCommand,
  },
  {
    name: 'dataspace join',
    load: async () => (await import('./commands/dataspace-join.js')).dataspaceJoinCommand,
  },
  {
    name: 'dataspace update',
    load: async () => (await import('./commands/dataspace-update.js')).dataspaceUpdateCommand,
  },
  {
    name: 'dataspace add-anchor',
    load: async () => (await import('./commands/dataspace-update.js')).dataspaceAddAnchorCommand,
  },
  {
    name: 'dataspace sign',
    load: async () => (await import('./commands/dataspace-sign.js')).dataspaceSignCommand,
  },
  {
    name: 'dataspace endorse',
    load: async () => (await import('./commands/dataspace-endorse.js')).dataspaceEndorseCommand,
  },
  {
    name: 'dataspace members',
    load: async () => (await import('./commands/dataspace-members.js')).dataspaceMembersCommand,
  },
  {
    name: 'dataspace revoke',
    load: async () => (await import('./commands/dataspace-revoke.js')).dataspaceRevokeCommand,
  },
]

async function usage(): Promise<string> {
  const commands = await Promise.all(COMMANDS.map((c) => c.load()))
  const width = Math.max(...commands.map((c) => c.name.length))
  return [
    'usage: allmende <command> [flags]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'allmende <command> --help' for a command's flags.",
  ].join('\n')
}

/** Finds the command for the arguments (two-word names first) and runs it; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help') {
    io.stdout(await usage())
    return argv.length === 0 ? 2 : 0
  }
  const entry =
    COMMANDS.find((c) => c.name === `${argv[0]} ${argv[1]}`) ?? COMMANDS.find((c) => c.name === argv[0])
  if (entry === undefined) {
    io.stderr(`allmende: unknown command "${argv[0]}"\n\n${await usage()}`)
    return 2
  }
  const command = await entry.load()
  const args = argv.slice(command.name.split(' ').length)
  if (args.includes('--help')) {
    io.stdout(`${command.summary}\n\nusage: ${command.usage}`)
    return 0
  }
  try {
    return await command.run(args, io)
  } catch (error) {
    if (error instanceof AllmendeError) {
      io.stderr(`allmende ${command.name}: ${error.message}`)
      return 2
    }
    io.stderr(`allmende ${command.name}: unexpected error: ${(error as Error).message ?? String(error)}`)
    if (process.env.ALLMENDE_DEBUG !== undefined) io.stderr(String((error as Error).stack))
    return 1
  }
}
