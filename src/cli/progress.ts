import type { CliIo } from './command.js'

/** One look at a running transfer. */
export interface ProgressSample {
  readonly transfer: string
  readonly state: string
  readonly bytes: number
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB']

/** 1234567 -> "1.2 MB" (decimal units, as file managers show them). */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`
}

/**
 * Shows how a transfer goes: in a terminal one line redrawn in place (bytes, rate, state, a moving
 * bar since the total is unknown until the end); with `--json` one JSON line per sample on stderr,
 * so stdout keeps its single result document; otherwise nothing.
 */
export class TransferProgress {
  private lastBytes = 0
  private lastAt: number
  private frame = 0
  private drawn = false

  /**
   * `line` writes one line (JSON events); `redraw` writes raw text to the terminal (no newline added).
   */
  constructor(
    private readonly mode: 'tty' | 'json' | 'quiet',
    private readonly out: { line: (text: string) => void; redraw: (text: string) => void },
    private readonly now: () => number = Date.now,
  ) {
    this.lastAt = now()
  }

  /** JSON events with `--json`, a redrawn line when stderr is a terminal, else nothing. */
  static for(io: CliIo, json: boolean): TransferProgress {
    const mode = json ? 'json' : process.stderr.isTTY === true ? 'tty' : 'quiet'
    return new TransferProgress(mode, { line: io.stderr, redraw: (text) => process.stderr.write(text) })
  }

  update(sample: ProgressSample): void {
    const at = this.now()
    const rate = at > this.lastAt ? ((sample.bytes - this.lastBytes) * 1000) / (at - this.lastAt) : 0
    this.lastBytes = sample.bytes
    this.lastAt = at
    if (this.mode === 'json') {
      this.out.line(
        JSON.stringify({ event: 'progress', ...sample, bytesPerSecond: Math.max(0, Math.round(rate)) }),
      )
    } else if (this.mode === 'tty') {
      const width = 20
      const head = this.frame++ % width
      const bar = Array.from({ length: width }, (_, i) => (Math.abs(i - head) < 3 ? '=' : ' ')).join('')
      this.out.redraw(
        `\r[${bar}] ${formatBytes(sample.bytes).padStart(9)}  ${formatBytes(Math.max(0, rate))}/s  ${sample.state}\u001b[K`,
      )
      this.drawn = true
    }
  }

  /** Clears the terminal line before the result is printed. */
  end(): void {
    if (this.mode === 'tty' && this.drawn) this.out.redraw('\r\u001b[K')
  }
}
