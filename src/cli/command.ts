import { AllmendeError } from '../protocol/errors.js'

/** Where a command writes; tests and the main entry pass their own. */
export interface CliIo {
  stdout(text: string): void
  stderr(text: string): void
  /** Reads all of standard input (for `-` file arguments). */
  readStdin(): Promise<string>
}

/**
 * One flag of a command: its `parseArgs` option (`type`, `multiple`, `short`) and what `--help` says
 * about it. Extra keys are ignored by `parseArgs`, so a command parses with the same object it
 * documents, and help cannot list a flag the command does not take or miss one it does.
 */
export interface FlagDoc {
  readonly type: 'string' | 'boolean'
  readonly multiple?: boolean
  readonly short?: string
  /** Placeholder for the value in help, e.g. `DIR`. */
  readonly value?: string
  /** What applies when the flag is absent, in words; booleans default to off. */
  readonly fallback?: string
  /** The command refuses to run without it. */
  readonly required?: boolean
  readonly help: string
}

/** The flags of one command, by long name without the dashes. */
export type FlagDocs = Readonly<Record<string, FlagDoc>>

/**
 * One `allmende` command. `name` may have two words (`policy evaluate`); `run` gets the arguments
 * after the name and returns the exit code. `flags` are both what it parses and what `--help`
 * prints, with at least one example. Throw {@link UsageError} (or any `AllmendeError`) for bad
 * input: the entry point prints its message on one line and exits 2.
 */
export interface CliCommand {
  readonly name: string
  /** The synopsis after `usage:`: positional arguments and the most important flags. */
  readonly usage: string
  readonly flags: FlagDocs
  /** Complete command lines a user can copy. */
  readonly examples: readonly string[]
  run(args: string[], io: CliIo): Promise<number>
}

/** The command line itself is wrong: unknown flag, missing argument, bad value. */
export class UsageError extends AllmendeError {
  static override name = 'UsageError'
  constructor(message: string) {
    super('ALLMENDE_USAGE', message)
  }
}

/** The standard streams of this process (`main.ts` waits until both drained before it exits). */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  readStdin: async () => {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  },
}
