import { AllmendeError } from '../protocol/errors.js'
import type { CliCommand, CliIo } from './command.js'
import { auditVerifyCommand } from './commands/audit-verify.js'
import { catalogCommand } from './commands/catalog.js'
import { contractProveCommand } from './commands/contract-prove.js'
import { contractVerifyCommand } from './commands/contract-verify.js'
import { datasetAddCommand, datasetListCommand, datasetRemoveCommand } from './commands/dataset.js'
import { dataspaceCreateCommand } from './commands/dataspace-create.js'
import { dataspaceEndorseCommand } from './commands/dataspace-endorse.js'
import { dataspaceJoinCommand } from './commands/dataspace-join.js'
import { dataspaceMembersCommand } from './commands/dataspace-members.js'
import { dataspaceRevokeCommand } from './commands/dataspace-revoke.js'
import { demoCommand } from './commands/demo.js'
import { identityDidWebCommand } from './commands/identity-did-web.js'
import { initCommand } from './commands/init.js'
import { negotiateCommand } from './commands/negotiate.js'
import { peersCommand } from './commands/peers.js'
import { policyEvaluateCommand } from './commands/policy-evaluate.js'
import { policyExplainCommand } from './commands/policy-explain.js'
import { policyNewCommand, policyTemplatesCommand } from './commands/policy-new.js'
import { policyValidateCommand } from './commands/policy-validate.js'
import { startCommand } from './commands/start.js'
import { statusCommand } from './commands/status.js'
import { transferCommand } from './commands/transfer.js'

/** Every command of `allmende`, in the order `allmende help` lists them. */
const COMMANDS: readonly CliCommand[] = [
  initCommand,
  startCommand,
  demoCommand,
  statusCommand,
  peersCommand,
  datasetAddCommand,
  datasetListCommand,
  datasetRemoveCommand,
  catalogCommand,
  negotiateCommand,
  transferCommand,
  contractProveCommand,
  contractVerifyCommand,
  auditVerifyCommand,
  policyEvaluateCommand,
  policyValidateCommand,
  policyExplainCommand,
  policyNewCommand,
  policyTemplatesCommand,
  identityDidWebCommand,
  dataspaceCreateCommand,
  dataspaceJoinCommand,
  dataspaceEndorseCommand,
  dataspaceMembersCommand,
  dataspaceRevokeCommand,
]

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    'usage: allmende <command> [flags]',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'allmende <command> --help' for a command's flags.",
  ].join('\n')
}

/** Finds the command for the arguments (two-word names first) and runs it; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help') {
    io.stdout(usage())
    return argv.length === 0 ? 2 : 0
  }
  const command =
    COMMANDS.find((c) => c.name === `${argv[0]} ${argv[1]}`) ?? COMMANDS.find((c) => c.name === argv[0])
  if (command === undefined) {
    io.stderr(`allmende: unknown command "${argv[0]}"\n\n${usage()}`)
    return 2
  }
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
