// CPU of one libp2p connection set-up between two processes, per side: TCP, Noise (XX handshake, Ed25519
// identities) and yamux, then the close. Each side is a process of its own (bench/support/connection-side.ts).
// Cases: both sides on Allmende's Noise crypto (noise-crypto.ts) and both on @chainsafe/libp2p-noise's own
// Node crypto, the yardstick: the library's default, which every build before it used. Rounds alternate the
// two, so a busy machine weighs on both alike; the figures are the medians of the rounds.
// BENCH_CONNECTIONS sets the connections per round (default 200), BENCH_ROUNDS the rounds (default 6).
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ConnectionSideRequest } from './support/connection-side.js'

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 200)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6)
const WARMUP = 20
const SIDE = fileURLToPath(new URL('./support/connection-side.js', import.meta.url))

/** A side process and its answers (with the CPU it spent on each). */
class Side {
  private next = 0
  private readonly waiting = new Map<number, (answer: { result?: unknown; cpuMs: number }) => void>()
  private readonly child: ChildProcess
  readonly ready: Promise<void>

  constructor(crypto: 'ours' | 'library') {
    this.child = fork(SIDE, [crypto], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.ready = new Promise((resolve) => this.waiting.set(-1, () => resolve()))
    this.child.on('message', (message: { id: number; result?: unknown; cpuMs: number }) => {
      const answer = this.waiting.get(message.id)!
      this.waiting.delete(message.id)
      answer(message)
    })
  }

  ask(request: ConnectionSideRequest): Promise<{ result?: unknown; cpuMs: number }> {
    const id = this.next++
    return new Promise((resolve) => {
      this.waiting.set(id, resolve)
      this.child.send({ ...request, id })
    })
  }

  stop(): void {
    this.child.kill()
  }
}

/** A dialling and a listening side on the same crypto. */
async function pair(crypto: 'ours' | 'library') {
  const dialler = new Side(crypto)
  const listener = new Side(crypto)
  await Promise.all([dialler.ready, listener.ready])
  const address = (await listener.ask({ op: 'address' })).result as string
  await dialler.ask({ op: 'dial', address, count: WARMUP })
  return { dialler, listener, address }
}

/** CPU ms per connection of each side over one round. */
async function round(sides: Awaited<ReturnType<typeof pair>>) {
  await sides.listener.ask({ op: 'cpu' })
  const dialled = await sides.dialler.ask({ op: 'dial', address: sides.address, count: CONNECTIONS })
  const listened = await sides.listener.ask({ op: 'cpu' })
  return { dialler: dialled.cpuMs / CONNECTIONS, listener: listened.cpuMs / CONNECTIONS }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const cases = { ours: await pair('ours'), library: await pair('library') }
const figures = {
  ours: { dialler: [] as number[], listener: [] as number[] },
  library: { dialler: [] as number[], listener: [] as number[] },
}
for (let r = 0; r < ROUNDS; r++) {
  for (const name of r % 2 === 0 ? (['ours', 'library'] as const) : (['library', 'ours'] as const)) {
    const measured = await round(cases[name])
    figures[name].dialler.push(measured.dialler)
    figures[name].listener.push(measured.listener)
  }
}
for (const side of Object.values(cases)) {
  side.dialler.stop()
  side.listener.stop()
}

console.log(
  `connection set-up (TCP + Noise + yamux + close), CPU ms per connection, median of ${ROUNDS} rounds of ${CONNECTIONS}`,
)
for (const role of ['dialler', 'listener'] as const) {
  const ours = median(figures.ours[role])
  const library = median(figures.library[role])
  console.log(
    `  ${role.padEnd(8)}  noise-crypto ${ours.toFixed(3)}  library crypto (yardstick) ${library.toFixed(3)}  ratio ${(ours / library).toFixed(3)}`,
  )
}
