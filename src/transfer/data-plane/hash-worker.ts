// The hashing thread of ThreadDigest (hash-thread.ts): SHA-256 over rings of shared memory that the
// main thread fills. It never returns to its event loop while it runs: new rings come in with
// receiveMessageOnPort, new bytes and stops with the shared doorbell.
import { createHash, type Hash } from 'node:crypto'
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import { CONTROL, type HashResult, RING, type RingOpened, STATE } from './hash-ring.js'

if (parentPort === null) throw new Error('the hashing thread runs only as a worker thread')
const port = parentPort

interface Ring {
  readonly id: number
  readonly header: Int32Array
  readonly bytes: Uint8Array
  readonly hash: Hash
}

const control = new Int32Array(workerData as SharedArrayBuffer)
const rings = new Map<number, Ring>()

for (;;) {
  const rung = Atomics.load(control, CONTROL.doorbell)
  if (Atomics.load(control, CONTROL.stop) === 1) break
  for (
    let message = receiveMessageOnPort(port);
    message !== undefined;
    message = receiveMessageOnPort(port)
  ) {
    const opened = message.message as RingOpened
    rings.set(opened.id, {
      id: opened.id,
      header: new Int32Array(opened.header),
      bytes: new Uint8Array(opened.bytes),
      hash: createHash('sha256'),
    })
  }
  let progress = false
  for (const ring of rings.values()) {
    if (drain(ring)) progress = true
    if (Atomics.load(ring.header, RING.state) === STATE.abandoned) {
      rings.delete(ring.id)
    } else if (
      Atomics.load(ring.header, RING.state) === STATE.final &&
      Atomics.load(ring.header, RING.written) === Atomics.load(ring.header, RING.read)
    ) {
      rings.delete(ring.id)
      port.postMessage({ id: ring.id, hex: ring.hash.digest('hex') } satisfies HashResult)
    }
  }
  // Sleeps until the main thread rings again; a ring seen meanwhile is looked at first.
  if (!progress) Atomics.wait(control, CONTROL.doorbell, rung)
}

/** Hashes what the ring holds and hands the space back; whether there was anything. */
function drain(ring: Ring): boolean {
  const capacity = ring.bytes.byteLength
  const written = Atomics.load(ring.header, RING.written)
  let read = Atomics.load(ring.header, RING.read)
  if (written === read) return false
  // Positions run free modulo 2^32; their difference is what is held.
  let held = (written - read) >>> 0
  while (held > 0) {
    const at = (read >>> 0) % capacity
    const take = Math.min(held, capacity - at)
    ring.hash.update(ring.bytes.subarray(at, at + take))
    read = (read + take) | 0
    held -= take
  }
  Atomics.store(ring.header, RING.read, read)
  Atomics.notify(ring.header, RING.read)
  return true
}
