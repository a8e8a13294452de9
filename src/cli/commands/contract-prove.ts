import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { NodeClient } from '../../api/node-client.js'
import { DEFAULT_NODE_DIR, nodeDirectory } from '../../config/index.js'
import type { AgreementRecord } from '../../contract/index.js'
import { DESCRIPTOR_SIDE_FIELD, type JsonLdObject, presentAgreement } from '../../credentials/index.js'
import { loadNodeKey } from '../../identity/index.js'
import { InvalidInputError } from '../../protocol/index.js'
import { type CliCommand, type FlagDocs, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'

/** What the presented credential holds, in words. */
const PROOF_KINDS = {
  'countersigned-credential': 'agreement credential with both proofs (provider and consumer)',
  'verification-message':
    "agreement credential with the provider's proof only; the consumer (a DSP peer over HTTPS) consented by its ContractAgreementVerificationMessage, kept in the audit log",
} as const

const FLAGS = {
  ...NODE_FLAGS,
  challenge: { type: 'string', value: 'NONCE', required: true, help: "the verifier's challenge" },
  domain: { type: 'string', value: 'DOMAIN', fallback: 'none', help: 'the domain the verifier expects' },
  out: { type: 'string', value: 'FILE', required: true, help: 'where to write the presentation' },
  'without-status-list': {
    type: 'boolean',
    help: 'leave out the current status list (a verifier then cannot check revocation)',
  },
} as const satisfies FlagDocs

export const contractProveCommand: CliCommand = {
  name: 'contract prove',
  usage:
    'allmende contract prove AGREEMENT_ID --challenge C [--domain D] --out FILE [--without-status-list] [--dir DIR] [--json]',
  flags: FLAGS,
  examples: [
    'allmende contract prove urn:uuid:… --challenge 4711 --domain ordnungsamt.example --out proof.json --dir ./myk',
  ],
  async run(args, io) {
    const { values, positionals } = parseFlags('contract prove', () =>
      parseArgs({
        args,
        allowPositionals: true,
        options: FLAGS,
      }),
    )
    const id = positionals[0]
    if (id === undefined) throw new UsageError('contract prove: give the agreement id')
    if (values.challenge === undefined)
      throw new UsageError("contract prove: --challenge (the verifier's nonce) is required")
    if (values.out === undefined) throw new UsageError('contract prove: --out FILE is required')
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const client = await NodeClient.forDirectory(dir)
    const agreement = await client.get<AgreementRecord>(`/api/v1/agreements/${encodeURIComponent(id)}`)
    const kind = agreement.agreementProof ?? 'countersigned-credential'
    if (kind === 'agreement-message') {
      throw new InvalidInputError(
        `agreement ${id} was concluded with a DSP provider over HTTPS that issues no agreement credential; there is no credential to present (its proof is the provider's ContractAgreementMessage in this node's audit log)`,
      )
    }
    // The current status list goes along, so a verifier offline sees a revocation made until now.
    const statusList = values['without-status-list'] === true ? null : await currentStatusList(client, id)
    // The parties' membership credentials and the descriptor name them for a verifier offline.
    const membership = await client.get<{ descriptor: unknown; membershipCredentials: JsonLdObject[] }>(
      `/api/v1/agreements/${encodeURIComponent(id)}/membership`,
    )
    const key = await loadNodeKey(nodeDirectory(dir).keyFile)
    const presentation = await presentAgreement(agreement.credential, key, {
      challenge: values.challenge,
      partyCredentials: membership.membershipCredentials,
      ...(values.domain === undefined ? {} : { domain: values.domain }),
      ...(statusList === null ? {} : { statusListCredentials: [statusList] }),
    })
    const bundle =
      membership.descriptor === null
        ? presentation
        : { ...presentation, [DESCRIPTOR_SIDE_FIELD]: membership.descriptor }
    await writeFile(values.out, `${JSON.stringify(bundle, null, 2)}\n`)
    const named = membership.membershipCredentials.length
    io.stdout(
      values.json === true
        ? JSON.stringify({
            presentation: values.out,
            agreement: id,
            agreementProof: kind,
            statusListBundled: statusList !== null,
            membershipCredentialsBundled: named,
          })
        : `Wrote ${values.out}: ${PROOF_KINDS[kind]}${statusList === null ? ', without a status list (a verifier cannot check revocation)' : ', with the current status list'}, ${named} membership credential(s) naming the parties`,
    )
    return 0
  },
}

/** The agreement's current status list from the node, or an error saying why a proof without it helps nobody. */
async function currentStatusList(client: NodeClient, id: string): Promise<JsonLdObject | null> {
  try {
    const { statusList } = await client.get<{ statusList: JsonLdObject | null }>(
      `/api/v1/agreements/${encodeURIComponent(id)}/status-list`,
    )
    return statusList
  } catch (cause) {
    throw new InvalidInputError(
      `cannot bundle the current status list of agreement ${id} (${(cause as Error).message}); a verifier could not check whether it was revoked. Retry when the provider is reachable, or pass --without-status-list`,
    )
  }
}
