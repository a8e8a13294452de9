import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { type ContentPermit, openContent } from '../../../../src/transfer/data-plane/content-stream.js'
import { DataAccessDeniedError } from '../../../../src/transfer/index.js'

describe('openContent', () => {
  it('a transfer suspended while its source opens is no failed source: the use stays, the consumer asks again', async () => {
    // A source that answers only once the transfer was suspended.
    let requested: () => void = () => undefined
    const asked = new Promise<void>((resolve) => {
      requested = resolve
    })
    const server = createServer((_req, res) => {
      res.on('error', () => undefined)
      requested()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data.json`
    const suspension = new AbortController()
    const failures: unknown[] = []
    const permit: ContentPermit = {
      source: { kind: 'http', url },
      signal: suspension.signal,
      delivered: async () => undefined,
      failed: async (error) => {
        failures.push(error)
        return error as Error
      },
    }
    try {
      const opening = openContent(permit, { offset: 0 })
      await asked
      suspension.abort(new Error('the transfer was suspended here'))
      const refused = await opening.then(
        () => assert.fail('the source opened after the suspension'),
        (error: unknown) => error,
      )
      assert.ok(refused instanceof DataAccessDeniedError, String(refused))
      assert.equal(refused.reasonCode, 'TRANSFER_NOT_STARTED')
      assert.match(refused.message, /suspended here/)
      assert.deepEqual(failures, [], 'no transfer.failed for a source that did not fail')
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
