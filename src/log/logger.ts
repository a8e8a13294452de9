import { pino } from 'pino'

/** Structured logger of one folder, named `allmende:<folder>`. */
export type Logger = pino.Logger

/**
 * The process's root logger: JSON lines on stderr (stdout is kept for command output such as the
 * `ready <url>` line), human-readable when stderr is a terminal. `ALLMENDE_LOG_LEVEL` sets the level.
 */
export function createRootLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const level = options.level ?? process.env.ALLMENDE_LOG_LEVEL ?? 'info'
  const pretty = options.pretty ?? process.stderr.isTTY === true
  if (pretty) {
    return pino({
      level,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: true, ignore: 'pid,hostname' },
      },
    })
  }
  return pino({ level, base: undefined }, pino.destination(2))
}

/** A logger that drops everything: for library use and tests that do not care. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' })
}
