// Worker thread entry: the SHA-256 of transferred content, off the event loop that moves the bytes.
// Each digest is a running hash here; pieces arrive in order and go back (moved, not copied) for reuse.
import { createHash, type Hash } from 'node:crypto'
import { parentPort } from 'node:worker_threads'
import type { HashReply, HashTask } from './hash-thread.js'

const port = parentPort
if (port === null) throw new Error('the hash worker runs only inside a worker thread')
const hashes = new Map<number, Hash>()

port.on('message', (task: HashTask) => {
  if (task.op === 'drop') {
    hashes.delete(task.id)
    return
  }
  let hash = hashes.get(task.id)
  if (hash === undefined) {
    hash = createHash('sha256')
    hashes.set(task.id, hash)
  }
  if (task.op === 'piece') {
    hash.update(new Uint8Array(task.buffer, 0, task.length))
    port.postMessage({ op: 'hashed', id: task.id, buffer: task.buffer } satisfies HashReply, [task.buffer])
    return
  }
  hashes.delete(task.id)
  port.postMessage({ op: 'sealed', id: task.id, hex: hash.digest('hex') } satisfies HashReply)
})
