import assert from 'node:assert/strict'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { Outbox, type OutboxEntry, Store } from '../../../src/store/index.js'
import { tempDir } from '../../support/temp-dir.js'

/** A logger whose lines the test can read. */
function recordingLogger(lines: string[]) {
  return pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    }),
  )
}

describe('Outbox', () => {
  let dir: string
  let store: Store
  before(async () => {
    dir = await tempDir('allmende-outbox-')
    store = await Store.open(join(dir, 'db'))
  })
  after(async () => {
    await store.close()
  })

  it('delivers a process its messages in the order they were stored', async () => {
    const sent: string[] = []
    const outbox = new Outbox<never>(store.sublevel<OutboxEntry<never>>('ordered'), {
      log: recordingLogger([]),
      label: 'test',
      maxAttempts: 3,
      retryDelayMs: () => 1,
      // the first message is slow: the second must still wait for it
      send: async (entry) => {
        if (entry.message.n === 1) await new Promise((resolve) => setImmediate(resolve))
        sent.push(String(entry.message.n))
      },
      isRefusal: () => false,
      giveUp: async () => {},
    })
    const ops = [1, 2].map((n) => outbox.entryOp('p1', 'did:example:peer', { n }))
    await store.atomic(ops)
    outbox.deliverCommitted(ops)
    await waitFor(() => sent.length === 2)
    assert.deepEqual(sent, ['1', '2'])
  })

  it('re-delivers after a restart in the order the messages were stored, within one millisecond too', async () => {
    const entries = store.sublevel<OutboxEntry<never>>('resumed')
    const init = {
      log: recordingLogger([]),
      label: 'test',
      maxAttempts: 3,
      retryDelayMs: () => 1,
      isRefusal: () => false,
      giveUp: async () => {},
    }
    const first = new Outbox<never>(entries, { ...init, send: async () => {} })
    const ops = Array.from({ length: 50 }, (_, n) => first.entryOp('p3', 'did:example:peer', { n }))
    await store.atomic(ops) // stored, never delivered: the node "crashed"
    const sent: number[] = []
    const second = new Outbox<never>(entries, {
      ...init,
      send: async (entry) => void sent.push(Number(entry.message.n)),
    })
    await second.resume()
    await waitFor(() => sent.length === 50)
    assert.deepEqual(sent, [...Array(50).keys()])
  })

  it('logs a failure of the last step of a delivery instead of leaving an unhandled rejection', async () => {
    const lines: string[] = []
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const outbox = new Outbox<never>(store.sublevel<OutboxEntry<never>>('failing'), {
        log: recordingLogger(lines),
        label: 'test',
        maxAttempts: 2,
        retryDelayMs: () => 1,
        send: async () => {
          throw new Error('peer unreachable')
        },
        isRefusal: () => false,
        giveUp: async () => {
          throw new Error('the store is closed')
        },
      })
      const op = outbox.entryOp('p2', 'did:example:peer', {})
      await store.atomic([op])
      outbox.deliverCommitted([op])
      await waitFor(() => lines.some((l) => l.includes('message delivery failed')))
      // an unhandled rejection is reported after the microtask queue drains
      await new Promise((resolve) => setImmediate(resolve))
      assert.deepEqual(unhandled, [])
      assert.match(lines.find((l) => l.includes('message delivery failed')) ?? '', /the store is closed/)
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})

/** Waits for `condition`; a bound far above any real wait ends a test that would hang. */
async function waitFor(condition: () => boolean): Promise<void> {
  const giveUpAt = Date.now() + 30_000
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error('condition not reached')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
