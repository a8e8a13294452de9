import '../../../../src/polyfills.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Stream } from '@libp2p/interface'
import {
  type AllmendeLibp2p,
  buildLibp2p,
  DATA_RECEIVE_WINDOW_BYTES,
  PeerAdmission,
  widenReceiveWindow,
} from '../../../../src/bindings/p2p/index.js'
import { sameDataspacePolicy } from '../../../../src/dataspace/index.js'
import { generateNodeKey } from '../../../../src/identity/index.js'
import { createSilentLogger } from '../../../../src/log/index.js'
import { eventually } from '../../../support/cli-process.js'

const DATASPACE = 'window-test'
const PROTOCOL = '/allmende/test/window/1.0.0'
const KiB = 1024
const MiB = 1024 * KiB
/** What the sender offers once told to go: more than yamux's window, less than a stream's read buffer. */
const OFFERED = 2 * MiB

async function startNode(): Promise<AllmendeLibp2p> {
  const key = await generateNodeKey()
  const admission = new PeerAdmission(createSilentLogger(), sameDataspacePolicy(DATASPACE))
  const libp2p = await buildLibp2p({
    privateKey: key.privateKey,
    dataspace: DATASPACE,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    admission,
  })
  await admission.start(libp2p)
  await libp2p.start()
  return libp2p
}

describe('widenReceiveWindow', () => {
  let sender: AllmendeLibp2p
  let receiver: AllmendeLibp2p

  before(async () => {
    sender = await startNode()
    receiver = await startNode()
    // Sends OFFERED bytes once the receiver says go, and keeps the stream open.
    await sender.handle(PROTOCOL, (stream: Stream) => {
      stream.addEventListener('message', () => stream.send(new Uint8Array(OFFERED)), { once: true })
    })
  })

  after(async () => {
    await receiver.stop()
    await sender.stop()
  })

  /** A stream whose reader takes nothing and grants no more window: what arrives is what the window let through. */
  async function unreadStream(widen: boolean): Promise<Stream> {
    const stream = await receiver.dialProtocol(sender.getMultiaddrs()[0]!, PROTOCOL)
    if (widen) assert.equal(widenReceiveWindow(stream, DATA_RECEIVE_WINDOW_BYTES), true)
    stream.pause()
    stream.send(new Uint8Array([1]))
    return stream
  }

  it('lets the peer send beyond yamux’s 256 KiB before anything is read', async () => {
    const narrow = await unreadStream(false)
    const wide = await unreadStream(true)
    await eventually(async () => (wide.readBufferLength === OFFERED ? true : undefined), {
      what: `the widened stream to hold all ${OFFERED} bytes unread`,
    })
    // yamux's own window: a bound that holds however long one waits.
    assert.ok(narrow.readBufferLength <= 256 * KiB, `narrow stream holds ${narrow.readBufferLength} bytes`)
    narrow.abort(new Error('done'))
    wide.abort(new Error('done'))
  })
})
