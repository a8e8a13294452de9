import { UsageError } from './command.js'

/**
 * Waiting on a running node from the command line: polls with a growing interval (quick answers
 * come quickly, long waits cost the node little) and stops early on Ctrl-C, so a command can say
 * what continues on the node without it.
 */

/** The first poll comes after this; each next one waits 1.5 times longer, up to {@link MAX_POLL_MS}. */
const FIRST_POLL_MS = 50
const MAX_POLL_MS = 2000

export type WaitOutcome<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'timeout'; readonly value: T }
  | { readonly kind: 'interrupted'; readonly value: T }

/**
 * Calls `poll` until `done` holds, the deadline passes or SIGINT arrives; `onPoll` sees every
 * answer (progress). The handler is removed again, so Ctrl-C after the wait behaves as usual.
 */
export async function pollUntil<T>(
  first: T,
  poll: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs: number; maxPollMs?: number; onPoll?: (value: T, elapsedMs: number) => void },
): Promise<WaitOutcome<T>> {
  const started = Date.now()
  let interrupted = false
  let wake: () => void = () => {}
  const onSigint = () => {
    interrupted = true
    wake()
  }
  process.on('SIGINT', onSigint)
  try {
    let value = first
    let interval = FIRST_POLL_MS
    while (!done(value)) {
      const left = started + options.timeoutMs - Date.now()
      if (left <= 0) return { kind: 'timeout', value }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(interval, left))
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      if (interrupted) return { kind: 'interrupted', value }
      interval = Math.min(options.maxPollMs ?? MAX_POLL_MS, interval * 1.5)
      value = await poll()
      options.onPoll?.(value, Date.now() - started)
    }
    return { kind: 'done', value }
  } finally {
    process.off('SIGINT', onSigint)
  }
}

/** `--timeout SECONDS` as milliseconds, or the default. */
export function timeoutMs(command: string, value: string | undefined, defaultSeconds: number): number {
  if (value === undefined) return defaultSeconds * 1000
  const seconds = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value) || seconds <= 0) {
    throw new UsageError(`${command}: --timeout takes a positive number of seconds, got "${value}"`)
  }
  return seconds * 1000
}
