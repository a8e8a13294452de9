import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import {
  type AgreementVerification,
  agreementOf,
  type JsonLdObject,
  ODRL_CONTEXT,
  type OdrlAgreement,
  type OdrlConstraint,
  type OdrlRule,
  type RevocationStatus,
  type VerificationFailure,
  verifyAgreementCredential,
  verifyAgreementPresentation,
} from '../../credentials/index.js'
import { MEMBERSHIP_CREDENTIAL_TYPE, type ProvenName, provenNames } from '../../dataspace/index.js'
import { type DidDocument, DidResolver } from '../../identity/index.js'
import { explainPolicy } from '../../policy/index.js'
import { InvalidInputError } from '../../protocol/errors.js'
import { parseJsonWithPosition } from '../../util/json-syntax.js'
import { type CliCommand, type CliIo, type FlagDocs, UsageError } from '../command.js'
import { JSON_FLAG, parseFlags } from '../flags.js'

const FLAGS = {
  challenge: {
    type: 'string',
    value: 'NONCE',
    fallback: 'not checked',
    help: 'the challenge the presentation must answer',
  },
  domain: {
    type: 'string',
    value: 'DOMAIN',
    fallback: 'not checked',
    help: 'the domain the presentation must name',
  },
  'did-document': {
    type: 'string',
    multiple: true,
    value: 'FILE',
    fallback: 'none (did:key needs none)',
    help: 'a DID document to resolve did:web signers offline (repeatable)',
  },
  'accept-unknown-status': {
    type: 'boolean',
    help: 'pass even when revocation cannot be checked (no status list bundled); without it that fails',
  },
  lang: { type: 'string', value: 'en|de', fallback: 'en', help: 'language of the policy in words' },
  ...JSON_FLAG,
} as const satisfies FlagDocs

/**
 * `allmende contract verify`: checks an agreement offline, without a running node: a presentation (from
 * `contract prove`) or a bare agreement credential. Prints who agreed to what, validity and revocation;
 * exits 0 only if every check passed, else 1 naming the failed check. Revocation that cannot be
 * checked (no status list bundled or at hand) fails too, unless `--accept-unknown-status` says the
 * verifier accepts that.
 */
export const contractVerifyCommand: CliCommand = {
  name: 'contract verify',
  usage:
    'allmende contract verify FILE|- [--challenge C] [--domain D] [--did-document FILE]... [--accept-unknown-status] [--lang en|de] [--json]',
  flags: FLAGS,
  examples: ['allmende contract verify proof.json --challenge 4711 --domain ordnungsamt.example'],
  async run(args, io) {
    const { values, positionals } = parseFlags('contract verify', () =>
      parseArgs({
        args,
        allowPositionals: true,
        options: FLAGS,
      }),
    )
    if (positionals.length !== 1)
      throw new UsageError('contract verify: give exactly one FILE (or - for stdin)')
    const lang = values.lang ?? 'en'
    if (lang !== 'en' && lang !== 'de')
      throw new UsageError(`contract verify: --lang is en or de, not "${lang}"`)
    const document = parseJson(await readInput(positionals[0]!, io), positionals[0]!)
    const resolver = new DidResolver()
    for (const file of values['did-document'] ?? []) {
      await resolver.cacheDidWebDocument(parseJson(await readInput(file, io), file) as unknown as DidDocument)
    }
    const types = [document.type].flat()
    const isPresentation = types.includes('VerifiablePresentation')
    if (!isPresentation && (values.challenge !== undefined || values.domain !== undefined)) {
      throw new UsageError(
        'contract verify: --challenge and --domain apply to presentations; the file is a credential',
      )
    }
    let result: Verified | VerificationFailure
    if (isPresentation) {
      const presented = await verifyAgreementPresentation(document, {
        resolver,
        accompanying: [MEMBERSHIP_CREDENTIAL_TYPE],
        ...(values.challenge === undefined ? {} : { challenge: values.challenge }),
        ...(values.domain === undefined ? {} : { domain: values.domain }),
      })
      result = presented.verified
        ? {
            ...presented.agreement,
            holder: presented.holder,
            challenge: presented.challenge,
            domain: presented.domain,
            names: await provenNames(
              { descriptor: presented.descriptor, credentials: presented.accompanying },
              [presented.agreement.assigner, presented.agreement.assignee],
              { resolver },
            ),
          }
        : presented
    } else {
      const verified = await verifyAgreementCredential(document, { resolver })
      result = verified.verified
        ? {
            ...verified,
            names: await provenNames({ credentials: [] }, [verified.assigner, verified.assignee]),
          }
        : verified
    }
    if (result.verified && values['accept-unknown-status'] !== true && result.status.state === 'unknown') {
      result = {
        verified: false,
        check: 'status-unavailable',
        message:
          'revocation cannot be checked: no current status list is bundled (ask for a proof from contract prove, which bundles it, or pass --accept-unknown-status to accept that)',
      }
    }
    if (values.json === true) {
      io.stdout(JSON.stringify({ ...result, ...proofKindOf(result) }))
    } else {
      io.stdout(
        result.verified
          ? describeVerified(result, lang)
          : describeFailure(result, claimedAgreement(document), lang),
      )
    }
    return result.verified ? 0 : 1
  },
}

/** Which kind of agreement proof the document holds, for `--json`. */
function proofKindOf(result: Verified | VerificationFailure): { agreementProof?: string } {
  if (result.verified) return { agreementProof: 'countersigned-credential' }
  return result.check === 'counter-proof-missing' ? { agreementProof: 'provider-proof-only' } : {}
}

type Verified = AgreementVerification & {
  holder?: string
  challenge?: string
  domain?: string | undefined
  /** The parties' names as the proof proves them (membership credentials traced to the bundled descriptor). */
  names: Record<string, ProvenName>
}

async function readInput(file: string, io: CliIo): Promise<string> {
  if (file === '-') return io.readStdin()
  try {
    return await readFile(file, 'utf8')
  } catch (cause) {
    throw new InvalidInputError(`cannot read ${file}: ${(cause as Error).message}`, { cause })
  }
}

function parseJson(text: string, file: string): JsonLdObject {
  const value = parseJsonWithPosition(text, (sentence) => new InvalidInputError(`${file} is ${sentence}`))
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInputError(`${file} does not hold a JSON object`)
  }
  return value as JsonLdObject
}

function describeVerified(result: Verified, lang: 'en' | 'de'): string {
  const lines = [...describeAgreement(result.agreement, result.credentialId, lang, result.names)]
  if (result.holder !== undefined) {
    const domain = result.domain === undefined ? '' : `, domain "${result.domain}"`
    lines.push(
      `  presented by: ${party(result.holder, result.names)} (challenge "${result.challenge}"${domain})`,
    )
  }
  lines.push(...describeNames(result))
  lines.push(`  valid:        ${describeValidity(result.validFrom, result.validUntil)}`)
  lines.push('  proofs:       assigner and assignee, both verify')
  lines.push(`  revocation:   ${describeStatus(result.status)}`)
  lines.push(
    result.status.state === 'unknown'
      ? 'OK: every check passed, except revocation, which could not be checked'
      : 'OK: every check passed',
  )
  return lines.join('\n')
}

function describeFailure(
  failure: VerificationFailure,
  claimed: OdrlAgreement | undefined,
  lang: 'en' | 'de',
): string {
  const lines = [`FAILED (${failure.check}): ${failure.message}`]
  if (failure.check === 'counter-proof-missing') {
    lines.push(
      "This credential holds the provider's proof only: an agreement with a DSP consumer over HTTPS that does not countersign; its consent is its ContractAgreementVerificationMessage in the provider's audit log.",
    )
  }
  if (claimed !== undefined) {
    lines.push('What the document claims (NOT verified):', ...describeAgreement(claimed, undefined, lang))
  }
  return lines.join('\n')
}

function claimedAgreement(document: JsonLdObject): OdrlAgreement | undefined {
  const credentials = [document.verifiableCredential ?? document].flat() as JsonLdObject[]
  for (const credential of credentials) {
    const agreement =
      credential !== null && typeof credential === 'object' ? agreementOf(credential) : undefined
    if (agreement !== undefined && typeof agreement !== 'string') return agreement
  }
  return undefined
}

/** A party as `Name (DID)` when the proof names it, else its DID. */
function party(did: string, names: Record<string, ProvenName>): string {
  const name = names[did]?.name
  return name === undefined ? did : `${name} (${did})`
}

/** Where each name came from, or why a party stays a DID: a verifier must see what the name rests on. */
function describeNames(result: Verified): string[] {
  const lines: string[] = []
  for (const [role, did] of [
    ['provider', result.assigner],
    ['consumer', result.assignee],
  ] as const) {
    const proven = result.names[did]
    if (proven === undefined) continue
    lines.push(
      proven.name !== undefined
        ? `  ${role} name: "${proven.name}" from its membership credential${proven.credentialId === undefined ? '' : ` ${proven.credentialId}`}, signed by trust anchor ${proven.issuer} of data space "${proven.dataspaceTitle}" (${proven.dataspace}; descriptor bundled, every anchor's proof verifies)`
        : `  ${role} name: not proven: ${proven.why}`,
    )
  }
  return lines
}

function describeAgreement(
  agreement: OdrlAgreement,
  credentialId: string | undefined,
  lang: 'en' | 'de',
  names: Record<string, ProvenName> = {},
): string[] {
  const lines = [
    `Agreement ${agreement.uid}${credentialId === undefined ? '' : ` (credential ${credentialId})`}`,
    `  assigner:     ${party(agreement.assigner, names)} (provider)`,
    `  assignee:     ${party(agreement.assignee, names)} (consumer)`,
    `  target:       ${agreement.target}`,
    '  rules:',
  ]
  for (const kind of ['permission', 'prohibition', 'obligation'] as const) {
    for (const rule of agreement[kind] ?? []) lines.push(`    ${kind}: ${describeRule(rule)}`)
  }
  const words = explainInWords(agreement, lang, names)
  if (words.length > 0) lines.push('  in words:', ...words.map((sentence) => `    ${sentence}`))
  return lines
}

/** The policy engine's plain-language rendering; the compact rules above stay the authoritative view. */
function explainInWords(
  agreement: OdrlAgreement,
  lang: 'en' | 'de',
  names: Record<string, ProvenName>,
): readonly string[] {
  const labels = Object.fromEntries(
    Object.entries(names).flatMap(([did, proven]) => (proven.name === undefined ? [] : [[did, proven.name]])),
  )
  try {
    return explainPolicy({ '@context': ODRL_CONTEXT, ...agreement }, { lang, labels }).sentences
  } catch {
    return []
  }
}

function describeRule(rule: OdrlRule): string {
  let text = valueText(rule.action)
  if (rule.target !== undefined) text += ` on ${rule.target}`
  const constraints = (rule.constraint ?? []).map(describeConstraint)
  if (constraints.length > 0) text += ` if ${constraints.join(' and ')}`
  const duties = (rule.duty ?? []).map(describeRule)
  if (duties.length > 0) text += `; duty: ${duties.join('; ')}`
  return text
}

function describeConstraint(constraint: OdrlConstraint): string {
  for (const logical of ['and', 'or', 'xone', 'andSequence'] as const) {
    const operands = constraint[logical]
    if (Array.isArray(operands))
      return `(${(operands as OdrlConstraint[]).map(describeConstraint).join(` ${logical} `)})`
  }
  return `${valueText(constraint.leftOperand)} ${valueText(constraint.operator)} ${valueText(constraint.rightOperand)}`
}

function valueText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(valueText).join(', ')}]`
  if (value !== null && typeof value === 'object') {
    const node = value as Record<string, unknown>
    return valueText(node['@value'] ?? node['@id'] ?? node.id ?? node['rdf:value'] ?? JSON.stringify(value))
  }
  return String(value)
}

function describeValidity(validFrom: string | undefined, validUntil: string | undefined): string {
  return `from ${validFrom ?? 'issuance'} until ${validUntil ?? 'revoked (no end date)'}`
}

function describeStatus(status: RevocationStatus): string {
  switch (status.state) {
    case 'none':
      return 'no status list (cannot be revoked)'
    case 'valid':
      return `not revoked (status list ${status.listUrl}, index ${status.index})`
    case 'unknown':
      return 'revocation status unknown (list not available offline)'
  }
}
