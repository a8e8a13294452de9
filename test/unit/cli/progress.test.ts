import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatBytes, TransferProgress } from '../../../src/cli/progress.js'

function recorder(mode: 'tty' | 'json' | 'quiet') {
  const lines: string[] = []
  const drawn: string[] = []
  let now = 0
  const progress = new TransferProgress(
    mode,
    { line: (t) => lines.push(t), redraw: (t) => drawn.push(t) },
    () => now,
  )
  return { progress, lines, drawn, tick: (ms: number) => (now += ms) }
}

describe('transfer progress', () => {
  it('with --json writes one event per sample with bytes and rate', () => {
    const r = recorder('json')
    r.tick(1000)
    r.progress.update({ transfer: 't1', state: 'STARTED', bytes: 500_000 })
    r.tick(500)
    r.progress.update({ transfer: 't1', state: 'STARTED', bytes: 1_000_000 })
    r.progress.end()
    assert.deepEqual(
      r.lines.map((l) => JSON.parse(l)),
      [
        { event: 'progress', transfer: 't1', state: 'STARTED', bytes: 500_000, bytesPerSecond: 500_000 },
        { event: 'progress', transfer: 't1', state: 'STARTED', bytes: 1_000_000, bytesPerSecond: 1_000_000 },
      ],
    )
    assert.deepEqual(r.drawn, [])
  })

  it('in a terminal redraws one line and clears it at the end', () => {
    const r = recorder('tty')
    r.tick(1000)
    r.progress.update({ transfer: 't1', state: 'STARTED', bytes: 1_200_000 })
    r.progress.end()
    assert.equal(r.drawn.length, 2)
    const ESC = '\u001b'
    assert.ok(r.drawn[0]!.startsWith('\r[') && r.drawn[0]!.endsWith(`STARTED${ESC}[K`), r.drawn[0])
    assert.match(r.drawn[0]!, /\[[= ]{20}\] +1\.2 MB {2}1\.2 MB\/s {2}STARTED/)
    assert.equal(r.drawn[1], '\r\u001b[K')
    assert.deepEqual(r.lines, [])
  })

  it('otherwise stays silent', () => {
    const r = recorder('quiet')
    r.progress.update({ transfer: 't1', state: 'STARTED', bytes: 1 })
    r.progress.end()
    assert.deepEqual([...r.lines, ...r.drawn], [])
  })

  it('formats bytes in decimal units', () => {
    assert.equal(formatBytes(999), '999 B')
    assert.equal(formatBytes(72_087), '72.1 kB')
    assert.equal(formatBytes(3_400_000_000), '3.4 GB')
  })
})
