// bench/transfer: the libp2p data plane. Throughput of a 256 MiB pull against a plain libp2p stream
// of the same file on the same connection, consumed (or written to a file) by the same consumer. The
// data plane widens its stream's receive window (DATA_RECEIVE_WINDOW_BYTES; yamux's own is 256 KiB):
// a second yardstick, a plain stream widened alike, shows what the data plane's own work costs.
// What each side does: the pull checks the token, the policy and writes the audit entry once per
// request, frames the content under credit, the consumer hashes every byte (on its hashing thread)
// and checks the hash, both sign the receipt; the provider states the SHA-256 it remembered for the
// unchanged file (its first send, the warm-up, hashed while sending). The yardstick does none of
// this: no policy, framing, hash, credit or receipt. Also: RSS growth of both processes during a
// 1 GiB pull; time to first byte after the start; the compiled policy check per request. Provider
// and consumer run in two processes (this script forks itself as provider).
import '../src/polyfills.js'
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { AuditLog, signReceipt } from '../src/audit/index.js'
import {
  type AllmendeLibp2p,
  buildLibp2p,
  DATA_RECEIVE_WINDOW_BYTES,
  P2pDataPlane,
  P2pDspEndpoint,
  PeerAdmission,
  widenReceiveWindow,
} from '../src/bindings/p2p/index.js'
import type { AgreementRecord } from '../src/contract/index.js'
import { sameDataspacePolicy } from '../src/dataspace/index.js'
import { type NodeKey, nodeKeyFromSeed } from '../src/identity/index.js'
import { createSilentLogger } from '../src/log/index.js'
import {
  createTransferProcess,
  createTransferRequestMessage,
  type DspMessage,
} from '../src/protocol/index.js'
import { Store } from '../src/store/index.js'
import {
  AgreementPolicies,
  decideWith,
  FileSink,
  type PullTarget,
  ThreadDigest,
  TransferDataPlane,
  TransferManager,
  tokenOf,
  usageWorld,
} from '../src/transfer/index.js'

const MiB = 1024 * 1024
const SIZE = Number(process.env.TRANSFER_BENCH_MIB ?? 256) * MiB
const BIG = Number(process.env.TRANSFER_BENCH_BIG_MIB ?? 1024) * MiB
const ROUNDS = Number(process.env.TRANSFER_BENCH_ROUNDS ?? 3)
const PLAIN_PROTOCOL = '/allmende/bench/plain/1.0.0'
const DATASPACE = 'bench-transfer'
const FLOOD_WARNING = 'https://w3id.org/allmende/odrl#FloodWarning'
const log = createSilentLogger()

const keys = async () => ({
  provider: await nodeKeyFromSeed(new Uint8Array(32).fill(1)),
  consumer: await nodeKeyFromSeed(new Uint8Array(32).fill(2)),
})

/** The agreement both sides hold: purpose, count and time window, as a negotiation stores it. */
function agreement(
  id: string,
  role: 'provider' | 'consumer',
  provider: string,
  consumer: string,
): AgreementRecord {
  return {
    id,
    negotiationId: 'urn:uuid:bench',
    role,
    provider,
    consumer,
    datasetId: `urn:bench:dataset:${id.slice(-4)}`,
    purpose: FLOOD_WARNING,
    concluded: new Date(Date.now() - 60_000).toISOString(),
    credential: {
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/odrl.jsonld'],
      credentialSubject: {
        agreement: {
          '@type': 'Agreement',
          uid: id,
          target: `urn:bench:dataset:${id.slice(-4)}`,
          assigner: provider,
          assignee: consumer,
          permission: [
            {
              action: 'use',
              constraint: [
                { leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': FLOOD_WARNING } },
                {
                  leftOperand: 'count',
                  operator: 'lteq',
                  rightOperand: { '@value': '1000000', '@type': 'xsd:integer' },
                },
                {
                  leftOperand: 'dateTime',
                  operator: 'lt',
                  rightOperand: { '@value': '2099-01-01T00:00:00Z', '@type': 'xsd:dateTime' },
                },
              ],
            },
          ],
        },
      },
    },
  }
}

async function node(
  key: NodeKey,
  listen: string[],
): Promise<{ libp2p: AllmendeLibp2p; admission: PeerAdmission }> {
  const admission = new PeerAdmission(log, sameDataspacePolicy(DATASPACE))
  const libp2p = await buildLibp2p({
    privateKey: key.privateKey,
    dataspace: DATASPACE,
    listen,
    mdns: false,
    admission,
  })
  await admission.start(libp2p)
  await libp2p.start()
  return { libp2p, admission }
}

/** Writes a file of random bytes in 4 MiB pieces. */
async function randomFile(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'w')
  const piece = randomBytes(4 * MiB)
  try {
    for (let at = 0; at < bytes; at += piece.byteLength)
      await handle.write(piece, 0, Math.min(piece.byteLength, bytes - at))
  } finally {
    await handle.close()
  }
}

// ---- provider process ------------------------------------------------------------------------

async function provider(): Promise<void> {
  const { provider: key, consumer } = await keys()
  const root = process.env.BENCH_ROOT!
  const { libp2p, admission } = await node(key, ['/ip4/127.0.0.1/tcp/0'])
  const store = await Store.open(join(root, 'provider-db'))
  const clock = () => new Date()
  const audit = new AuditLog({ store, nodeKey: key, clock })
  const endpoint = new P2pDspEndpoint(libp2p, admission, log)
  const dataPlane = new P2pDataPlane(libp2p, admission, log)
  const files: Record<string, string> = {}
  const agreements = {
    getAgreement: async (id: string) =>
      files[id.slice(-4)] === undefined ? undefined : agreement(id, 'provider', key.did, consumer.did),
  }
  const transferData = new TransferDataPlane({
    store,
    audit,
    nodeKey: key,
    clock,
    log,
    puller: dataPlane,
    agreements,
    sourceOf: async (datasetId) => ({ kind: 'file', path: files[datasetId.slice(-4)]! }),
    isMember: async () => true,
    isRevoked: async () => false,
  })
  const transfers = new TransferManager({
    store,
    audit,
    nodeKey: key,
    clock,
    log,
    messenger: { send: (peer, message) => endpoint.request(peer, 'transfer', message) },
    dataPlane: transferData,
    agreements,
    isRevoked: async () => false,
  })
  await endpoint.serve('transfer', (message, caller) => transfers.handle(message, caller.did))
  await dataPlane.serve(transferData)
  // The yardstick: the same file on a plain stream, with the same write high-water mark (G1).
  await libp2p.handle(PLAIN_PROTOCOL, async (stream: Stream) => {
    const name = await new Promise<string>((resolve) =>
      stream.addEventListener('message', (e) => resolve(new TextDecoder().decode(e.data.subarray())), {
        once: true,
      }),
    )
    for await (const chunk of createReadStream(files[name]!, { highWaterMark: 1024 * 1024 })) {
      stream.send(chunk as Buffer)
      while (stream.writeBufferLength > MiB && stream.status === 'open') {
        await new Promise((resolve) => {
          stream.addEventListener('drain', resolve, { once: true })
          stream.addEventListener('idle', resolve, { once: true })
        })
      }
    }
    await stream.close()
  })
  // RSS is sampled only between `reset` and `read`, so the sampler costs nothing in the other runs.
  let baselineRss = 0
  let peakRss = 0
  let sampler: NodeJS.Timeout | undefined
  process.on('message', async (message: { file?: [string, string]; rss?: 'reset' | 'read'; exit?: true }) => {
    if (message.exit === true) process.exit(0)
    if (message.file !== undefined) files[message.file[0]] = message.file[1]
    if (message.rss === 'reset') {
      global.gc?.()
      baselineRss = process.memoryUsage.rss()
      peakRss = baselineRss
      sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage.rss())
      }, 20)
    }
    if (message.rss === 'read') clearInterval(sampler)
    const cpu = process.cpuUsage()
    process.send?.({
      ok: true,
      rss: peakRss,
      baseline: baselineRss,
      cpuMs: (cpu.user + cpu.system) / 1000,
    })
  })
  // Gone with the parent, whatever way it ended.
  process.on('disconnect', () => process.exit(0))
  process.send?.({ addr: libp2p.getMultiaddrs()[0]!.toString(), ready: true })
}

// ---- consumer process (this one) -------------------------------------------------------------

interface Reply {
  addr?: string
  rss?: number
  baseline?: number
  cpuMs?: number
}

async function consumer(): Promise<void> {
  const { provider: providerKey, consumer: key } = await keys()
  const root = await mkdtemp(join(tmpdir(), 'allmende-bench-transfer-'))
  const child = fork(fileURLToPath(import.meta.url), ['provider'], {
    env: { ...process.env, BENCH_ROOT: root },
    execArgv: [...process.execArgv],
  })
  const replies: ((reply: Reply) => void)[] = []
  child.on('message', (reply: Reply) => replies.shift()?.(reply))
  const ask = (message: unknown) =>
    new Promise<Reply>((resolve) => {
      replies.push(resolve)
      if (message !== undefined) child.send(message as never)
    })
  try {
    const { addr } = await ask(undefined)
    const { libp2p, admission } = await node(key, [])
    await libp2p.dial(multiaddr(addr!))
    const endpoint = new P2pDspEndpoint(libp2p, admission, log)
    const dataPlane = new P2pDataPlane(libp2p, admission, log)
    // The consumer's transfer endpoint: keeps the pull address of each start message.
    const starts = new Map<string, (token: string) => void>()
    await endpoint.serve('transfer', async (message: DspMessage) => {
      if (message['@type'] === 'TransferStartMessage')
        starts.get(message.consumerPid)?.(tokenOf(message.dataAddress)!)
      const { providerPid, consumerPid } = message as { providerPid: string; consumerPid: string }
      return createTransferProcess({ providerPid, consumerPid, state: 'STARTED' })
    })

    const small = join(root, 'source-256.bin')
    const big = join(root, 'source-big.bin')
    await randomFile(small, SIZE)
    await randomFile(big, BIG)
    await ask({ file: ['0256', small] })
    await ask({ file: ['0big', big] })
    const tiny = join(root, 'source-tiny.csv')
    await randomFile(tiny, 64 * 1024)
    await ask({ file: ['0ttf', tiny] })

    let n = 0
    /**
     * A started transfer (request, start message with its token), then one pull. `out` undefined:
     * the consumer only hashes and checks (the protocol's share); else it also writes the file.
     */
    const pullOnce = async (file: '0256' | '0big' | '0ttf', out: string | undefined) => {
      const agreementId = `urn:uuid:agreement-${file}`
      const consumerPid = `urn:uuid:bench-${n++}`
      const token = new Promise<string>((resolve) => starts.set(consumerPid, resolve))
      await endpoint.request(
        providerKey.did,
        'transfer',
        createTransferRequestMessage({
          consumerPid,
          agreementId,
          format: 'allmende-libp2p-PULL',
          callbackAddress: '/p2p/x',
        }),
      )
      const sink = out === undefined ? undefined : await FileSink.open(out, 0)
      // Without a file, the same hashing thread the file sink uses.
      const digest = sink === undefined ? new ThreadDigest() : undefined
      let first = 0
      let providerPid = ''
      const target: PullTarget = {
        begin: async (header) => {
          providerPid = header.transfer
        },
        write: async (chunk) => {
          if (first === 0) first = performance.now()
          if (digest !== undefined) await digest.update(chunk)
          else await sink!.write(chunk)
        },
        get written() {
          return sink?.written ?? digest!.bytes
        },
        finish: async (end) => {
          const sha256 = digest !== undefined ? await digest.hex() : (await sink!.finish(end)).sha256
          if (sha256 !== end.sha256) throw new Error('hash mismatch')
          return signReceipt(
            {
              agreement: agreementId,
              transfer: providerPid,
              bytes: end.bytes,
              sha256,
              time: new Date().toISOString(),
              provider: providerKey.did,
              consumer: key.did,
            },
            key,
          )
        },
      }
      const startedAt = performance.now()
      await dataPlane.pull(
        providerKey.did,
        { token: await token, agreementId },
        target,
        AbortSignal.timeout(600_000),
      )
      return { ms: performance.now() - startedAt, ttfbMs: first - startedAt }
    }

    /**
     * The yardstick: the same bytes on a plain stream, consumed (and written to `out`, if given);
     * `wide`: with the data plane's receive window instead of yamux's.
     */
    const plainOnce = async (file: string, out: string | undefined, wide = false) => {
      const start = performance.now()
      const stream = await libp2p.dialProtocol(multiaddr(addr!), PLAIN_PROTOCOL)
      if (wide && !widenReceiveWindow(stream, DATA_RECEIVE_WINDOW_BYTES))
        throw new Error('the plain stream has no yamux receive window')
      const handle = out === undefined ? undefined : await open(out, 'w')
      let first = 0
      let position = 0
      const done = new Promise<void>((resolve, reject) => {
        let writing = Promise.resolve()
        stream.addEventListener('message', (event) => {
          if (first === 0) first = performance.now()
          const parts = [...(event.data instanceof Uint8Array ? [event.data] : event.data)]
          const at = position
          position += parts.reduce((sum, part) => sum + part.byteLength, 0)
          if (handle !== undefined)
            writing = writing.then(() => handle.writev(parts, at).then(() => undefined))
        })
        stream.addEventListener('close', (event) =>
          event.error ? reject(event.error) : writing.then(resolve, reject),
        )
        stream.addEventListener('remoteCloseWrite', () => void writing.then(resolve, reject))
      })
      stream.send(new TextEncoder().encode(file))
      await done
      // On the disk before it counts as received, as the data plane's file sink keeps it.
      await handle?.sync()
      await handle?.close()
      if (file === '0256' && position !== SIZE) throw new Error(`plain stream delivered ${position} bytes`)
      return { ms: performance.now() - start, ttfbMs: first - start }
    }

    // Warm-up (JIT, connection windows), then interleaved rounds so machine drift hits both alike.
    await pullOnce('0256', undefined)
    await plainOnce('0256', undefined)
    const runs = {
      dp: [] as number[],
      plain: [] as number[],
      plainWide: [] as number[],
      dpFile: [] as number[],
      plainFile: [] as number[],
    }
    const ttfb: number[] = []
    const plainTtfb: number[] = []
    // CPU time of both processes per run: robust where wall time suffers from a busy machine.
    const cpu = {
      dp: [] as number[],
      plain: [] as number[],
      dpProvider: [] as number[],
      plainProvider: [] as number[],
    }
    const cpuNow = async () => {
      const own = process.cpuUsage()
      return { consumer: (own.user + own.system) / 1000, provider: (await ask({ cpu: true })).cpuMs ?? 0 }
    }
    const withCpu = async <T>(
      run: () => Promise<T>,
      consumerCpu: number[],
      providerCpu: number[],
    ): Promise<T> => {
      const before = await cpuNow()
      const value = await run()
      const after = await cpuNow()
      consumerCpu.push(after.consumer - before.consumer)
      providerCpu.push(after.provider - before.provider)
      return value
    }
    for (let round = 0; round < ROUNDS; round++) {
      const a = await withCpu(() => pullOnce('0256', undefined), cpu.dp, cpu.dpProvider)
      const b = await withCpu(() => plainOnce('0256', undefined), cpu.plain, cpu.plainProvider)
      runs.dp.push(a.ms)
      runs.plain.push(b.ms)
      runs.plainWide.push((await plainOnce('0256', undefined, true)).ms)
      ttfb.push(a.ttfbMs)
      plainTtfb.push(b.ttfbMs)
      runs.dpFile.push((await pullOnce('0256', join(root, 'out-dp.bin'))).ms)
      runs.plainFile.push((await plainOnce('0256', join(root, 'out-plain.bin'))).ms)
    }
    const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!
    const mbps = (ms: number) => SIZE / 1e6 / (ms / 1000)
    // Each round's data plane run against the plain run right after it: a busy machine drifts
    // between rounds, less within one.
    const ratio = (plain: number[], dp: number[]) => median(plain.map((ms, i) => ms / dp[i]!))
    const spread = (plain: number[], dp: number[]) => {
      const ratios = plain.map((ms, i) => ms / dp[i]!)
      return `rounds ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`
    }
    const goal = (r: number) => `[goal >= 0.9: ${r >= 0.9 ? 'met' : 'MISSED'}]`
    console.log(
      `${SIZE / MiB} MiB, ${ROUNDS} interleaved rounds (ratio: median of the rounds' ratios), provider and consumer in two processes, load average ${loadavg()[0]!.toFixed(1)}`,
    )
    const memoryRatio = ratio(runs.plain, runs.dp)
    console.log(
      `data plane (consumer hashes and checks): ${mbps(median(runs.dp)).toFixed(0)} MB/s; yardstick, plain libp2p stream of the same bytes: ${mbps(median(runs.plain)).toFixed(0)} MB/s; ratio ${memoryRatio.toFixed(2)} (${spread(runs.plain, runs.dp)}) ${goal(memoryRatio)}`,
    )
    console.log(
      `plain stream with the data plane's receive window of ${DATA_RECEIVE_WINDOW_BYTES / MiB} MiB: ${mbps(median(runs.plainWide)).toFixed(0)} MB/s; data plane against it: ratio ${ratio(runs.plainWide, runs.dp).toFixed(2)} (${spread(runs.plainWide, runs.dp)}) (what the data plane's own work costs)`,
    )
    const perGb = (ms: number) => ((ms / SIZE) * 1e9).toFixed(0)
    console.log(
      `CPU per GB: consumer ${perGb(median(cpu.dp))} ms (plain ${perGb(median(cpu.plain))} ms), provider ${perGb(median(cpu.dpProvider))} ms (plain ${perGb(median(cpu.plainProvider))} ms); CPU ratio plain / data plane, both sides: ${ratio(
        cpu.plain.map((ms, i) => ms + cpu.plainProvider[i]!),
        cpu.dp.map((ms, i) => ms + cpu.dpProvider[i]!),
      ).toFixed(2)} (${spread(
        cpu.plain.map((ms, i) => ms + cpu.plainProvider[i]!),
        cpu.dp.map((ms, i) => ms + cpu.dpProvider[i]!),
      )})`,
    )
    const fileRatio = ratio(runs.plainFile, runs.dpFile)
    console.log(
      `into a file (data plane: FileSink, hash checked, synced; plain: writes, synced): ${mbps(median(runs.dpFile)).toFixed(0)} MB/s vs ${mbps(median(runs.plainFile)).toFixed(0)} MB/s; ratio ${fileRatio.toFixed(2)} (${spread(runs.plainFile, runs.dpFile)}) ${goal(fileRatio)}`,
    )
    // Time to first byte on a quiet machine: small pulls, after the page cache settled.
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const quiet: number[] = []
    const quietPlain: number[] = []
    for (let i = 0; i < 20; i++) {
      quiet.push((await pullOnce('0ttf', undefined)).ttfbMs)
      quietPlain.push((await plainOnce('0ttf', undefined)).ttfbMs)
    }
    const p90 = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length * 0.9)]!
    console.log(
      `time to first byte after the start message (new stream, token check, policy, audit entry, source open), 64 KiB dataset, 20 pulls: median ${median(quiet).toFixed(1)} ms, p90 ${p90(quiet).toFixed(1)} ms (goal < 20 ms); yardstick, new plain stream to first byte: ${median(quietPlain).toFixed(1)} ms; during the throughput rounds (disk busy with the file runs): ${median(ttfb).toFixed(1)} ms vs ${median(plainTtfb).toFixed(1)} ms`,
    )

    // RSS growth of both processes during a 1 GiB pull.
    global.gc?.()
    await ask({ rss: 'reset' })
    const baseline = process.memoryUsage.rss()
    let peak = baseline
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss())
    }, 20)
    const bigRun = await pullOnce('0big', join(root, 'out-big.bin'))
    clearInterval(sampler)
    await rm(join(root, 'out-big.bin'))
    const providerRss = await ask({ rss: 'read' })
    console.log(
      `RSS growth during a ${BIG / MiB} MiB pull: consumer ${((peak - baseline) / MiB).toFixed(1)} MiB, provider ${(((providerRss.rss ?? 0) - (providerRss.baseline ?? 0)) / MiB).toFixed(1)} MiB (goal < 64 MiB); ${mbps((bigRun.ms * SIZE) / BIG).toFixed(0)} MB/s`,
    )

    // The policy check of one data request with the compiled agreement policy.
    const policies = new AgreementPolicies()
    const record = agreement('urn:uuid:agreement-0256', 'provider', providerKey.did, key.did)
    const compiled = await policies.policyOf(record)
    const N = 20_000
    let permits = 0
    const world = (i: number) =>
      usageWorld({
        now: new Date(),
        usesSoFar: i % 1000,
        newUse: true,
        consumer: key.did,
        purpose: FLOOD_WARNING,
        concluded: record.concluded,
        isMember: true,
      })
    for (let i = 0; i < 2000; i++) decideWith(compiled, record, world(i))
    const t = performance.now()
    for (let i = 0; i < N; i++) if (decideWith(compiled, record, world(i)).permit) permits++
    const us = ((performance.now() - t) * 1000) / N
    // Yardstick: building the world alone (the caller's share of the check).
    const t2 = performance.now()
    for (let i = 0; i < N; i++) world(i)
    const worldUs = ((performance.now() - t2) * 1000) / N
    console.log(
      `policy check per request (compiled, purpose + count + dateTime): ${us.toFixed(1)} µs (goal < 50 µs); building the world alone: ${worldUs.toFixed(2)} µs; ${permits}/${N} permitted`,
    )
    await libp2p.stop()
  } finally {
    child.send({ exit: true })
    await new Promise((resolve) => child.once('exit', resolve))
    await rm(root, { recursive: true, force: true })
  }
}

if (process.argv[2] === 'provider') await provider()
else await consumer()
