import '../../../../src/polyfills.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Stream } from '@libp2p/interface'
import { multiaddrConnectionPair } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { grantWindowAtHalf } from '../../../../src/bindings/p2p/yamux-window-updates.js'
import { eventually } from '../../../support/cli-process.js'

/** Bytes a yamux frame header takes; a window update is a header alone. */
const HEADER_BYTES = 12

/** A client muxer with one stream to a server that only reads, and what the server wrote back (no pings: as in a node). */
async function oneWayStream() {
  grantWindowAtHalf()
  const [clientConnection, serverConnection] = multiaddrConnectionPair()
  let received = 0
  let answeredBytes = 0
  clientConnection.addEventListener('message', (event) => {
    answeredBytes += event.data.byteLength
  })
  const server = yamux({ enableKeepAlive: false })().createStreamMuxer(serverConnection)
  server.addEventListener('stream', (event) => {
    event.detail.addEventListener('message', (message) => {
      received += message.data.byteLength
    })
  })
  const client = yamux({ enableKeepAlive: false })().createStreamMuxer(clientConnection)
  const stream = await client.createStream()
  return {
    stream,
    received: () => received,
    answeredFrames: () => answeredBytes / HEADER_BYTES,
    close: async () => {
      await client.close()
      await server.close()
    },
  }
}

async function sendAll(stream: Stream, chunks: number, bytes: number): Promise<void> {
  for (let i = 0; i < chunks; i++) {
    if (!stream.send(new Uint8Array(bytes)))
      await new Promise((r) => stream.addEventListener('drain', r, { once: true }))
  }
}

describe('yamux receive windows', () => {
  it('answers many small messages with no window update until half the window is used', async () => {
    const pair = await oneWayStream()
    await sendAll(pair.stream, 500, 200)
    await eventually(async () => (pair.received() === 100_000 ? true : undefined), {
      what: '100 kB received',
    })
    // the stream's acknowledgement only: 500 frames of 200 bytes stay below half of the 256 KiB window
    assert.ok(pair.answeredFrames() <= 1, `${pair.answeredFrames()} frames answered`)
    await pair.close()
  })

  it('still grants the window a large transfer needs, so it arrives whole', async () => {
    const pair = await oneWayStream()
    await sendAll(pair.stream, 64, 64 * 1024)
    await eventually(async () => (pair.received() === 4 * 1024 * 1024 ? true : undefined), {
      what: '4 MiB received',
    })
    assert.ok(pair.answeredFrames() >= 2, `${pair.answeredFrames()} frames answered`)
    await pair.close()
  })
})
