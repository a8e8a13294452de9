import { createRequire } from 'node:module'
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
    findTransportWorker()
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

/**
 * pino runs a transport (pino-pretty) in a worker thread started from thread-stream's own file, which it finds
 * by its module's folder; in the bundle (scripts/bundle.ts) that folder is the bundle's, so pino is told where
 * the file is in node_modules (its documented override for bundlers).
 */
function findTransportWorker(): void {
  const global = globalThis as { __bundlerPathsOverrides?: Record<string, string> }
  // thread-stream as pino's own dependency: where pino finds it, wherever npm put it.
  const pinoRequire = createRequire(createRequire(import.meta.url).resolve('pino'))
  global.__bundlerPathsOverrides = {
    'thread-stream-worker': pinoRequire.resolve('thread-stream/lib/worker.js'),
    ...global.__bundlerPathsOverrides,
  }
}

/** A logger that drops everything: for library use and tests that do not care. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' })
}
