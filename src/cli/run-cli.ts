import { AllmendeError } from '../protocol/errors.js'
import type { CliCommand, CliIo } from './command.js'
import { demoCommand } from './commands/demo.js'
import { initCommand } from './commands/init.js'
import { peersCommand } from './commands/peers.js'
import { startCommand } from './commands/start.js'
import { statusCommand } from './commands/status.js'

/** Every command of `allmende`, in the order `allmende help` lists them. */
const COMMANDS: readonly CliCommand[] = [initCommand, startCommand, demoCommand, statusCommand, peersCommand]

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
