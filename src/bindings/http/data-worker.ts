// A data-plane worker process (forked by DataWorkers): serves HttpData-PULL on the connections the
// control plane hands it, with the gate's decisions and records left to the control plane over IPC.
import '../../polyfills.js'
import { createServer } from 'node:http'
import type { Socket } from 'node:net'
import { Router } from '@koa/router'
import Koa from 'koa'
import { createRootLogger } from '../../log/index.js'
import { type HostMessage, WorkerGate } from '../../transfer/index.js'
import { serveHttpData } from './data-endpoint.js'
import type { WorkerControl } from './data-workers.js'
import { DSP_BASE_PATH } from './dsp-paths.js'

const send = process.send?.bind(process)
if (send === undefined) throw new Error('a data-plane worker runs only as a forked child of a node')
const log = createRootLogger().child({ name: 'allmende:data-worker', pid: process.pid })

let gate: WorkerGate | undefined
const app = new Koa()
app.silent = true
const router = new Router()
router.get(`${DSP_BASE_PATH}/data/:pid`, (ctx) => {
  if (gate === undefined) throw new Error('the worker was not initialised')
  return serveHttpData(ctx, gate, log)
})
app.use(router.routes()).use(router.allowedMethods())
const server = createServer(app.callback())
server.headersTimeout = 10_000
server.requestTimeout = 30_000

process.on('message', (message: WorkerControl | HostMessage, handle?: Socket) => {
  if (!('worker' in message)) {
    gate?.receive(message)
    return
  }
  if (message.worker === 'init') {
    gate = new WorkerGate({ provider: message.provider, clock: () => new Date(), send: (m) => send(m) })
    send({ worker: 'ready' })
    return
  }
  if (handle !== undefined) {
    server.emit('connection', handle)
    handle.resume()
  }
})
// Without its control plane a worker can admit nothing: it ends with it.
process.on('disconnect', () => {
  gate?.stop('the control plane is gone')
  server.closeAllConnections()
  process.exit(0)
})
process.on('SIGTERM', () => {
  gate?.stop('the node stops')
  server.closeAllConnections()
  process.exit(0)
})
