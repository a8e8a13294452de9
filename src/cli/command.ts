import { AllmendeError } from '../protocol/errors.js'

/** Where a command writes; tests and the main entry pass their own. */
export interface CliIo {
  stdout(text: string): void
  stderr(text: string): void
  /** Reads all of standard input (for `-` file arguments). */
  readStdin(): Promise<string>
}

/**
 * One `allmende` command. `name` may have two words (`policy evaluate`); `run` gets the arguments
 * after the name and returns the exit code. Throw {@link UsageError} (or any `AllmendeError`) for
 * bad input: the entry point prints its message on one line and exits 2.
 */
export interface CliCommand {
  readonly name: string
  readonly summary: string
  readonly usage: string
  run(args: string[], io: CliIo): Promise<number>
}

/** The command line itself is wrong: unknown flag, missing argument, bad value. */
export class UsageError extends AllmendeError {
  static override name = 'UsageError'
  constructor(message: string) {
    super('ALLMENDE_USAGE', message)
  }
}

/** The standard streams of this process. */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  readStdin: async () => {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  },
}
