// Costs of Allmende's credentials: agreement credential issue/verify (1 and 20 rules), presentation
// verify, access token sign/verify, and a repeated check of an already verified agreement. Yardstick in
// the same run: raw Ed25519 sign/verify with node:crypto. Goals: token verify >= 5,000/s; repeated
// agreement check < 50 µs.
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  AgreementVerifier,
  countersignAgreementCredential,
  issueAccessToken,
  issueAgreementCredential,
  type JsonLdObject,
  type OdrlAgreement,
  parseStatusListUrl,
  presentAgreement,
  StatusListCache,
  StatusListIssuer,
  TokenVerifier,
  verifyAgreementCredential,
  verifyAgreementPresentation,
} from '../src/credentials/index.js'
import { type NodeKey, nodeKeyFromSeed } from '../src/identity/index.js'
import { Store } from '../src/store/index.js'

interface Figure {
  medianMs: number
  perSecond: number
}

/** Median of per-op times after warm-up, and ops/s from the total. */
async function measure(label: string, iterations: number, op: (i: number) => unknown): Promise<Figure> {
  const warmup = Math.max(30, Math.floor(iterations / 10))
  for (let i = 0; i < warmup; i++) await op(-1 - i)
  const times: number[] = []
  const start = performance.now()
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now()
    await op(i)
    times.push(performance.now() - t0)
  }
  const total = performance.now() - start
  times.sort((a, b) => a - b)
  const figure = { medianMs: times[Math.floor(times.length / 2)]!, perSecond: (iterations * 1000) / total }
  const median =
    figure.medianMs < 0.1 ? `${(figure.medianMs * 1000).toFixed(1)} µs` : `${figure.medianMs.toFixed(3)} ms`
  console.log(`${label}: median ${median}, ${Math.round(figure.perSecond).toLocaleString('en')}/s`)
  return figure
}

function agreement(provider: NodeKey, consumer: NodeKey, rules: number): OdrlAgreement {
  return {
    uid: `urn:uuid:${crypto.randomUUID()}`,
    assigner: provider.did,
    assignee: consumer.did,
    target: 'https://kusel.de/datasets/parkplaetze',
    permission: Array.from({ length: rules }, (_, i) => ({
      action: 'use',
      constraint: [
        { leftOperand: 'purpose', operator: 'eq', rightOperand: `https://w3id.org/allmende/purpose/p${i}` },
        {
          leftOperand: 'dateTime',
          operator: 'lteq',
          rightOperand: { '@value': '2027-12-31', '@type': 'xsd:date' },
        },
      ],
    })),
  }
}

const provider = await nodeKeyFromSeed(new Uint8Array(32).fill(1))
const consumer = await nodeKeyFromSeed(new Uint8Array(32).fill(2))
const dir = await mkdtemp(join(tmpdir(), 'allmende-bench-credentials-'))
const store = await Store.open(dir)
try {
  // Yardstick: raw Ed25519 with node:crypto, keys already imported; measured before and after the rest
  // (this VM's load varies), ratios use the mean of both medians.
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const message = Buffer.alloc(256, 7)
  const signature = sign(null, message, privateKey)
  const yardstick = async (when: string) => ({
    sign: await measure(`yardstick (${when}): node:crypto Ed25519 sign`, 3000, () =>
      sign(null, message, privateKey),
    ),
    verify: await measure(`yardstick (${when}): node:crypto Ed25519 verify`, 3000, () =>
      verify(null, message, publicKey, signature),
    ),
  })
  const before = await yardstick('before')
  const rawSign = { medianMs: before.sign.medianMs, perSecond: before.sign.perSecond }
  const rawVerify = { medianMs: before.verify.medianMs, perSecond: before.verify.perSecond }
  const ratios: Array<() => void> = []

  const lists = await StatusListIssuer.open({ store, key: provider })
  const fetcher = async (url: string) => lists.getStatusListCredential(parseStatusListUrl(url).listId)
  const statusChecker = new StatusListCache({ fetcher })

  const signedByRules = new Map<number, JsonLdObject>()
  for (const rules of [1, 20]) {
    const credentialStatus = await lists.allocate()
    const a = agreement(provider, consumer, rules)
    const issue = await measure(`agreement issue (assigner proof), ${rules} rule(s)`, 200, () =>
      issueAgreementCredential(a, provider, { credentialStatus }),
    )
    const offered = await issueAgreementCredential(a, provider, { credentialStatus })
    await measure(`agreement countersign (verify + assignee proof), ${rules} rule(s)`, 100, () =>
      countersignAgreementCredential(offered, consumer),
    )
    const signed = await countersignAgreementCredential(offered, consumer)
    signedByRules.set(rules, signed)
    const check = await measure(`agreement verify (both proofs + status), ${rules} rule(s)`, 200, () =>
      verifyAgreementCredential(signed, { statusChecker }),
    )
    const size = JSON.stringify(signed).length
    ratios.push(() =>
      console.log(
        `${rules} rule(s), ${size} B: issue = ${(issue.medianMs / rawSign.medianMs).toFixed(0)}x raw sign, ` +
          `verify = ${(check.medianMs / rawVerify.medianMs).toFixed(0)}x raw verify`,
      ),
    )
  }

  // A negotiation's credential work with a fresh agreement each time (nothing to remember across
  // negotiations): provider issues, consumer checks and countersigns, provider verifies both proofs.
  const perNegotiation = async (rules: number, n: number) => {
    const cpu = process.cpuUsage()
    for (let i = 0; i < n; i++) {
      const offered = await issueAgreementCredential(agreement(provider, consumer, rules), provider)
      const result = await verifyAgreementCredential(await countersignAgreementCredential(offered, consumer))
      if (!result.verified) throw new Error(result.message)
    }
    const used = process.cpuUsage(cpu)
    return (used.user + used.system) / 1000 / n
  }
  for (const rules of [1, 20]) {
    await perNegotiation(rules, 20)
    const cpuMs = await perNegotiation(rules, 200)
    console.log(
      `credential work of one negotiation (issue, countersign, verify), fresh agreement, ${rules} rule(s): ${cpuMs.toFixed(2)} ms CPU`,
    )
    ratios.push(() =>
      console.log(
        `credential work of one negotiation, ${rules} rule(s) = ${((cpuMs * 1000) / (rawSign.medianMs * 1000)).toFixed(0)}x raw sign`,
      ),
    )
  }

  const one = signedByRules.get(1)!
  const vp = await presentAgreement(one, consumer, { challenge: 'nonce', domain: 'did:web:auditor.example' })
  const vpCheck = await measure('agreement presentation verify (VP proof + agreement + status)', 100, () =>
    verifyAgreementPresentation(vp, {
      challenge: 'nonce',
      domain: 'did:web:auditor.example',
      statusFetcher: fetcher,
    }),
  )
  ratios.push(() =>
    console.log(`presentation verify = ${(vpCheck.medianMs / rawVerify.medianMs).toFixed(0)}x raw verify`),
  )

  const cached = new AgreementVerifier({ statusChecker })
  for (const rules of [1, 20]) {
    const signed = signedByRules.get(rules)!
    await cached.verify(signed)
    const repeat = await measure(
      `repeated check of a verified agreement (hash + validity + status), ${rules} rule(s)`,
      20_000,
      () => cached.verify(signed),
    )
    ratios.push(() =>
      console.log(
        `repeated check, ${rules} rule(s) = ${(repeat.medianMs / rawVerify.medianMs).toFixed(2)}x raw verify; ` +
          `goal < 50 µs: ${repeat.medianMs < 0.05 ? 'met' : 'MISSED'}`,
      ),
    )
  }

  const tokenCount = 20_000
  const tokens: string[] = []
  const signToken = await measure('access token sign (did-jwt, node:crypto signer)', 3000, () =>
    issueAccessToken(provider, { subject: consumer.did, audience: provider.did, agreementId: 'urn:uuid:a' }),
  )
  for (let i = 0; i < tokenCount + 2000; i++) {
    tokens.push(
      await issueAccessToken(provider, {
        subject: consumer.did,
        audience: provider.did,
        agreementId: 'urn:uuid:a',
      }),
    )
  }
  const tokenVerifier = new TokenVerifier({ audience: provider.did })
  const verifyToken = await measure('access token verify (node:crypto + replay cache)', tokenCount, (i) =>
    tokenVerifier.verifyAccessToken(tokens[i < 0 ? tokenCount - 1 - i : i]!),
  )
  ratios.push(() =>
    console.log(
      `access token sign = ${(signToken.medianMs / rawSign.medianMs).toFixed(1)}x raw sign; verify = ` +
        `${(verifyToken.medianMs / rawVerify.medianMs).toFixed(2)}x raw verify; goal >= 5,000/s: ` +
        `${verifyToken.perSecond >= 5000 ? 'met' : 'MISSED'}`,
    ),
  )
  const after = await yardstick('after')
  rawSign.medianMs = (before.sign.medianMs + after.sign.medianMs) / 2
  rawVerify.medianMs = (before.verify.medianMs + after.verify.medianMs) / 2
  console.log(
    `ratios against raw Ed25519 (mean of before/after medians: sign ${(rawSign.medianMs * 1000).toFixed(1)} µs, ` +
      `verify ${(rawVerify.medianMs * 1000).toFixed(1)} µs):`,
  )
  for (const print of ratios) print()
} finally {
  await store.close()
  await rm(dir, { recursive: true, force: true })
}
