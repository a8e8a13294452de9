// CPU of one admission handshake (/allmende/trust/2.0.0), per side: each side signs a presentation of its
// membership for the other's fresh nonce and checks the other's, with the real policy objects of a node
// (descriptor of two anchors, every member endorsed by both, status lists, member register). Each side is a
// process of its own (bench/support/admission-side.ts), so nothing one node remembers helps another; the
// frames go over IPC instead of a libp2p stream (Noise and yamux are not measured).
// Cases: a member's first handshake with an anchor (the anchor's hundredfold cost at start-up), two members
// meeting for the first time (both already admitted by the anchor), and the same two again.
// Yardstick in the same run: raw Ed25519 sign/verify with node:crypto.
// BENCH_OTHER_SIDE=<other build>/dist/bench/support/admission-side.js plays every case alternately with that
// build too (same keys and credentials); BENCH_CPU_PROF=DIR writes the sides' CPU profiles.
import '../src/polyfills.js'
import { type ChildProcess, fork } from 'node:child_process'
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto'
import { cpSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type JsonLdObject, parseStatusListUrl, StatusListIssuer } from '../src/credentials/index.js'
import { createDescriptor, MemberRegistry } from '../src/dataspace/index.js'
import { nodeKeyFromSeed } from '../src/identity/index.js'
import { Store } from '../src/store/index.js'
import type { SideInit, SideRequest } from './support/admission-side.js'
import { benchDir } from './support/temp-dir.js'

const PAIRS = Number(process.env.BENCH_PAIRS ?? 40)
const WARMUP = 5
const ANCHORS = 2

/** A side process and the nodes it plays (by DID). */
class Side {
  private next = 0
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private readonly child: ChildProcess
  dids: string[] = []
  /** CPU ms of the side's last answer. */
  lastCpuMs = 0

  constructor(script: string, profileDir: string | undefined) {
    this.child = fork(script, [], {
      execArgv: profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    this.child.on('message', (message: { id: number; result?: unknown; error?: string; cpuMs?: number }) => {
      const waiting = this.waiting.get(message.id)!
      this.waiting.delete(message.id)
      if (message.error !== undefined) return waiting.reject(new Error(message.error))
      this.lastCpuMs = message.cpuMs!
      waiting.resolve(message.result)
    })
  }

  ask<T>(request: SideRequest): Promise<T> {
    const id = this.next++
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.child.send({ ...request, id })
    })
  }

  async init(init: SideInit): Promise<void> {
    this.dids = (await this.ask<{ dids: string[] }>({ op: 'init', init })).dids
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve())
      this.child.disconnect()
    })
  }
}

interface Party {
  readonly side: Side
  readonly node: number
}

/** A party's proof for the other's nonce, and the CPU ms it took. */
async function prove(party: Party, nonce: string): Promise<{ proof: unknown; cpuMs: number }> {
  const { proof } = await party.side.ask<{ proof: unknown }>({ op: 'proof', node: party.node, nonce })
  return { proof, cpuMs: party.side.lastCpuMs }
}

/** CPU ms of a party's check of what `holder` showed for the party's nonce; throws if it refused. */
async function check(party: Party, holder: Party, proof: unknown, nonce: string): Promise<number> {
  const verdict = await party.side.ask<{ admitted: boolean; reason?: string }>({
    op: 'check',
    node: party.node,
    holder: holder.side.dids[holder.node]!,
    proof,
    nonce,
  })
  if (!verdict.admitted) throw new Error(`refused: ${verdict.reason}`)
  return party.side.lastCpuMs
}

/** The handshake's credential work in its order: dialer proves, listener checks and proves, dialer checks. */
async function handshake(dialer: Party, listener: Party): Promise<{ dialerMs: number; listenerMs: number }> {
  const dialerNonce = randomBytes(16).toString('base64url')
  const listenerNonce = randomBytes(16).toString('base64url')
  const dialerProof = await prove(dialer, listenerNonce)
  const listenerCheckMs = await check(listener, dialer, dialerProof.proof, listenerNonce)
  const listenerProof = await prove(listener, dialerNonce)
  const dialerCheckMs = await check(dialer, listener, listenerProof.proof, dialerNonce)
  return {
    dialerMs: dialerProof.cpuMs + dialerCheckMs,
    listenerMs: listenerCheckMs + listenerProof.cpuMs,
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** Median µs of a raw Ed25519 operation with a ready node:crypto key. */
function rawEd25519(): { signUs: number; verifyUs: number } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const message = Buffer.alloc(256, 7)
  const signature = sign(null, message, privateKey)
  const time = (op: () => unknown) => {
    const times: number[] = []
    for (let i = 0; i < 3300; i++) {
      const t0 = performance.now()
      op()
      if (i >= 300) times.push(performance.now() - t0)
    }
    return median(times) * 1000
  }
  return {
    signUs: time(() => sign(null, message, privateKey)),
    verifyUs: time(() => verify(null, message, publicKey, signature)),
  }
}

/** Keys, a descriptor signed by both anchors, every member endorsed by both: what the scale bench sets up. */
async function setUp(dir: string): Promise<{ anchor: SideInit; left: SideInit; right: SideInit }> {
  const seedOf = () => randomBytes(32).toString('base64')
  const anchorSeeds = Array.from({ length: ANCHORS }, seedOf)
  const anchorKeys = await Promise.all(anchorSeeds.map((s) => nodeKeyFromSeed(Buffer.from(s, 'base64'))))
  const memberSeeds = Array.from({ length: 2 * PAIRS }, seedOf)
  const memberKeys = await Promise.all(memberSeeds.map((s) => nodeKeyFromSeed(Buffer.from(s, 'base64'))))
  const descriptor = await createDescriptor({
    title: 'Handschlag',
    anchors: anchorKeys,
    endorsementsRequired: 1,
    bootstrap: anchorKeys.map((k, i) => `/ip4/127.0.0.1/tcp/${4001 + i}/p2p/${k.peerId.toString()}`),
  })
  const credentials = new Map<string, JsonLdObject[]>(memberKeys.map((k) => [k.did, []]))
  const statusLists: Record<string, JsonLdObject> = {}
  for (const [i, key] of anchorKeys.entries()) {
    const store = await Store.open(join(dir, `anchor-${i}`, 'db'))
    try {
      const lists = await StatusListIssuer.open({ store, key })
      const registry = new MemberRegistry({ store, key, descriptor, statusLists: lists })
      for (const member of memberKeys) {
        const { credential, status } = await registry.endorse(member.did)
        credentials.get(member.did)!.push(credential)
        const url = status.statusListCredential
        statusLists[url] ??= await lists.getStatusListCredential(parseStatusListUrl(url).listId)
      }
    } finally {
      await store.close()
    }
  }
  const members = (from: number) =>
    memberKeys.slice(from, from + PAIRS).map((key, i) => ({
      dir: join(dir, `member-${from + i}`),
      seed: memberSeeds[from + i]!,
      credentials: credentials.get(key.did)!,
    }))
  return {
    anchor: {
      descriptor,
      statusLists,
      nodes: [{ dir: join(dir, 'anchor-0'), seed: anchorSeeds[0]!, credentials: [] }],
    },
    left: { descriptor, statusLists, nodes: members(0) },
    right: { descriptor, statusLists, nodes: members(PAIRS) },
  }
}

/** An anchor side and two member sides of one build, each member playing PAIRS nodes. */
interface Build {
  readonly label: string
  readonly anchor: Side
  readonly left: Side
  readonly right: Side
  readonly figures: Record<string, { dialer: number[]; listener: number[] }>
}

async function startBuild(label: string, script: string, inits: Awaited<ReturnType<typeof setUp>>) {
  const profiles = process.env.BENCH_CPU_PROF
  const side = (name: string) =>
    new Side(script, profiles === undefined ? undefined : join(profiles, `${label}-${name}`))
  const build: Build = {
    label,
    anchor: side('anchor'),
    left: side('left'),
    right: side('right'),
    figures: {},
  }
  // Each build's members get stores of their own (a store opens in one process only).
  const own = (init: SideInit): SideInit => ({
    ...init,
    nodes: init.nodes.map((n) => ({ ...n, dir: `${n.dir}-${label}` })),
  })
  await Promise.all([
    build.anchor.init(inits.anchor),
    build.left.init(own(inits.left)),
    build.right.init(own(inits.right)),
  ])
  return build
}

async function record(
  build: Build,
  name: string,
  round: number,
  run: Promise<{ dialerMs: number; listenerMs: number }>,
) {
  const { dialerMs, listenerMs } = await run
  if (round < WARMUP) return
  build.figures[name] ??= { dialer: [], listener: [] }
  build.figures[name].dialer.push(dialerMs)
  build.figures[name].listener.push(listenerMs)
}

/** One round: two fresh members' first handshakes with the anchor, then their first and second with each other. */
async function round(build: Build, i: number): Promise<void> {
  const anchor = { side: build.anchor, node: 0 }
  const left = { side: build.left, node: i }
  const right = { side: build.right, node: i }
  await record(build, 'member -> anchor, first', i, handshake(left, anchor))
  await record(build, 'member -> anchor, first', i, handshake(right, anchor))
  await record(build, 'member -> member, first', i, handshake(left, right))
  await record(build, 'member -> member, again', i, handshake(left, right))
}

const dir = benchDir('allmende-bench-admission-')
const before = rawEd25519()
console.log(
  `yardstick (before): node:crypto Ed25519 sign ${before.signUs.toFixed(1)} µs, verify ${before.verifyUs.toFixed(1)} µs`,
)
const inits = await setUp(dir)
const here = fileURLToPath(new URL('./support/admission-side.js', import.meta.url))
const other = process.env.BENCH_OTHER_SIDE
const builds = [await startBuild('this', here, inits)]
if (other !== undefined) {
  // A store opens in one process only: the other build's anchor gets a copy of the register.
  cpSync(join(dir, 'anchor-0'), join(dir, 'anchor-0-other'), { recursive: true })
  const anchorCopy = {
    ...inits.anchor,
    nodes: [{ ...inits.anchor.nodes[0]!, dir: join(dir, 'anchor-0-other') }],
  }
  builds.push(await startBuild('other', other, { ...inits, anchor: anchorCopy }))
}
const started = performance.now()
for (let i = 0; i < PAIRS; i++) for (const build of builds) await round(build, i)
const wallMs = performance.now() - started
const after = rawEd25519()
console.log(
  `yardstick (after): node:crypto Ed25519 sign ${after.signUs.toFixed(1)} µs, verify ${after.verifyUs.toFixed(1)} µs`,
)
const signUs = (before.signUs + after.signUs) / 2
const verifyUs = (before.verifyUs + after.verifyUs) / 2
const rawPairMs = (signUs + verifyUs) / 1000
console.log(
  `CPU per handshake per side (median of ${PAIRS - WARMUP} after ${WARMUP} warm-up rounds; ` +
    `raw sign + verify = ${(rawPairMs * 1000).toFixed(0)} µs, the least a side can do):`,
)
for (const build of builds) {
  for (const [name, { dialer, listener }] of Object.entries(build.figures)) {
    const d = median(dialer)
    const l = median(listener)
    console.log(
      `  ${build.label.padEnd(5)} ${name.padEnd(24)}: dialer ${d.toFixed(2)} ms (${(d / rawPairMs).toFixed(0)}x raw), ` +
        `listener ${l.toFixed(2)} ms (${(l / rawPairMs).toFixed(0)}x raw); ` +
        `${Math.round(1000 / (d + l))} handshakes/s on one core`,
    )
  }
}
console.log(`wall time of the rounds: ${(wallMs / 1000).toFixed(1)} s`)
await Promise.all(builds.flatMap((b) => [b.anchor.stop(), b.left.stop(), b.right.stop()]))
