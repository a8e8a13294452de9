import { readFileSync } from 'node:fs'
import { AllmendeError } from '../protocol/errors.js'
import type { CliIo } from './command.js'
import { type CommandEntry, commandHelp, listHelp } from './help.js'

/**
 * Every command of `allmende`, in the order `allmende help` lists them. Loaded on use: a command
 * pays only for its own imports (the credential and libp2p stacks take a second to load), and the
 * list itself loads none.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'init',
    summary: 'create a node directory: key, config and API token',
    load: async () => (await import('./commands/init.js')).initCommand,
  },
  {
    name: 'start',
    summary: 'run the node in the foreground until SIGINT/SIGTERM',
    load: async () => (await import('./commands/start.js')).startCommand,
  },
  {
    name: 'config get',
    summary: "show the node's settings (all, or one; also did, peerId, addresses)",
    load: async () => (await import('./commands/config.js')).configGetCommand,
  },
  {
    name: 'config set',
    summary: 'change a setting (listen, announce, bootstrap, API, DSP) of an existing node; the key stays',
    load: async () => (await import('./commands/config.js')).configSetCommand,
  },
  {
    name: 'stop',
    summary: 'stop a node that runs in the background (start --detach)',
    load: async () => (await import('./commands/stop.js')).stopCommand,
  },
  {
    name: 'dashboard',
    summary: 'print a fresh one-time login link to the web dashboard of a running node',
    load: async () => (await import('./commands/dashboard.js')).dashboardCommand,
  },
  {
    name: 'demo',
    summary: 'run a local demo data space of three municipalities until Ctrl-C',
    load: async () => (await import('./commands/demo.js')).demoCommand,
  },
  {
    name: 'status',
    summary: 'identity, membership, connectivity and reachability of the running node',
    load: async () => (await import('./commands/status.js')).statusCommand,
  },
  {
    name: 'peers',
    summary: 'admitted and remembered peers of the running node, with their names',
    load: async () => (await import('./commands/peers.js')).peersCommand,
  },
  {
    name: 'dataset add',
    summary: 'publish a dataset with its source and offer(s)',
    load: async () => (await import('./commands/dataset.js')).datasetAddCommand,
  },
  {
    name: 'dataset update',
    summary: 'change a dataset: metadata, source or offers (checked like a new one)',
    load: async () => (await import('./commands/dataset.js')).datasetUpdateCommand,
  },
  {
    name: 'dataset list',
    summary: "this node's datasets",
    load: async () => (await import('./commands/dataset.js')).datasetListCommand,
  },
  {
    name: 'dataset remove',
    summary: 'withdraw a dataset (existing agreements stay)',
    load: async () => (await import('./commands/dataset.js')).datasetRemoveCommand,
  },
  {
    name: 'catalog export',
    summary: 'write the public catalog as DCAT-AP.de for open data portals',
    load: async () => (await import('./commands/catalog-export.js')).catalogExportCommand,
  },
  {
    name: 'catalog',
    summary: 'search the local and federated catalog of the data space',
    load: async () => (await import('./commands/catalog.js')).catalogCommand,
  },
  {
    name: 'negotiate',
    summary: 'negotiate a contract for a dataset of another member',
    load: async () => (await import('./commands/negotiate.js')).negotiateCommand,
  },
  {
    name: 'transfer',
    summary: 'fetch the data of a finalized agreement into a file (resumable)',
    load: async () => (await import('./commands/transfer.js')).transferCommand,
  },
  {
    name: 'contract prove',
    summary: "present an agreement for a verifier's challenge (verifiable offline)",
    load: async () => (await import('./commands/contract-prove.js')).contractProveCommand,
  },
  {
    name: 'contract verify',
    summary: 'verify an agreement (presentation or credential) offline: both proofs, validity, revocation',
    load: async () => (await import('./commands/contract-verify.js')).contractVerifyCommand,
  },
  {
    name: 'negotiations list',
    summary: 'negotiations this node takes part in, with state and reason',
    load: async () => (await import('./commands/records.js')).negotiationsListCommand,
  },
  {
    name: 'negotiations show',
    summary: 'one negotiation with its history',
    load: async () => (await import('./commands/records.js')).negotiationsShowCommand,
  },
  {
    name: 'negotiations approve',
    summary: 'approve a request that waits for a data officer (offers with --approval manual)',
    load: async () => (await import('./commands/records.js')).negotiationsApproveCommand,
  },
  {
    name: 'negotiations terminate',
    summary: 'end a negotiation with a reason',
    load: async () => (await import('./commands/records.js')).negotiationsTerminateCommand,
  },
  {
    name: 'agreements list',
    summary: 'concluded agreements, as provider and as consumer',
    load: async () => (await import('./commands/records.js')).agreementsListCommand,
  },
  {
    name: 'agreements show',
    summary: 'one agreement with its credential',
    load: async () => (await import('./commands/records.js')).agreementsShowCommand,
  },
  {
    name: 'agreements revoke',
    summary: 'revoke an agreement this node issued: transfers end, requests are refused',
    load: async () => (await import('./commands/records.js')).agreementsRevokeCommand,
  },
  {
    name: 'transfers list',
    summary: 'transfers this node runs or serves, with bytes so far',
    load: async () => (await import('./commands/records.js')).transfersListCommand,
  },
  {
    name: 'transfers show',
    summary: 'one transfer with its history',
    load: async () => (await import('./commands/records.js')).transfersShowCommand,
  },
  {
    name: 'transfers cancel',
    summary: 'stop a running transfer for good',
    load: async () => (await import('./commands/records.js')).transfersCancelCommand,
  },
  {
    name: 'audit show',
    summary: "read the node's audit log",
    load: async () => (await import('./commands/records.js')).auditShowCommand,
  },
  {
    name: 'audit verify',
    summary: "check the node's audit log: chain, hashes, signatures (and transfer receipts)",
    load: async () => (await import('./commands/audit-verify.js')).auditVerifyCommand,
  },
  {
    name: 'backup',
    summary: "copy the node's database and files into a new directory (while it runs, or stopped)",
    load: async () => (await import('./commands/backup.js')).backupCommand,
  },
  {
    name: 'restore',
    summary: "replace a stopped node's database with a backup (the old one is kept beside it)",
    load: async () => (await import('./commands/backup.js')).restoreCommand,
  },
  {
    name: 'policy evaluate',
    summary: 'evaluate an ODRL request against a policy and print the compliance report',
    load: async () => (await import('./commands/policy-evaluate.js')).policyEvaluateCommand,
  },
  {
    name: 'policy validate',
    summary: 'check an ODRL policy (JSON-LD or Turtle) for errors and warnings',
    load: async () => (await import('./commands/policy-validate.js')).policyValidateCommand,
  },
  {
    name: 'policy explain',
    summary: 'explain an ODRL policy in plain German or English',
    load: async () => (await import('./commands/policy-explain.js')).policyExplainCommand,
  },
  {
    name: 'policy new',
    summary: 'create an ODRL policy from a template',
    load: async () => (await import('./commands/policy-new.js')).policyNewCommand,
  },
  {
    name: 'policy templates',
    summary: 'list the ODRL policy templates',
    load: async () => (await import('./commands/policy-new.js')).policyTemplatesCommand,
  },
  {
    name: 'identity did-web',
    summary: 'write the did:web document (did.json) of this node for a domain',
    load: async () => (await import('./commands/identity-did-web.js')).identityDidWebCommand,
  },
  {
    name: 'dataspace create',
    summary: 'create a data space with this node (and any --anchor) as its trust anchors',
    load: async () => (await import('./commands/dataspace-create.js')).dataspaceCreateCommand,
  },
  {
    name: 'dataspace join',
    summary: "join a data space by its descriptor (checks its anchors' signatures)",
    load: async () => (await import('./commands/dataspace-join.js')).dataspaceJoinCommand,
  },
  {
    name: 'dataspace update',
    summary: 'sign a new version of the descriptor (bootstrap addresses, endorsement rule); anchors only',
    load: async () => (await import('./commands/dataspace-update.js')).dataspaceUpdateCommand,
  },
  {
    name: 'dataspace add-anchor',
    summary: 'sign a new descriptor version with one more trust anchor; it and the others co-sign',
    load: async () => (await import('./commands/dataspace-update.js')).dataspaceAddAnchorCommand,
  },
  {
    name: 'dataspace sign',
    summary: 'co-sign a descriptor draft as one of its trust anchors',
    load: async () => (await import('./commands/dataspace-sign.js')).dataspaceSignCommand,
  },
  {
    name: 'dataspace endorse',
    summary: 'issue a membership credential to a node (anchors only)',
    load: async () => (await import('./commands/dataspace-endorse.js')).dataspaceEndorseCommand,
  },
  {
    name: 'dataspace members',
    summary: 'members this anchor endorsed, active or revoked',
    load: async () => (await import('./commands/dataspace-members.js')).dataspaceMembersCommand,
  },
  {
    name: 'dataspace revoke',
    summary: "revoke a member's credential (anchors only); peers drop it within one refresh",
    load: async () => (await import('./commands/dataspace-revoke.js')).dataspaceRevokeCommand,
  },
]

/** The version in package.json, found upwards from this file (src/ and dist/src/ alike). */
function version(): string {
  let url = new URL('.', import.meta.url)
  for (;;) {
    try {
      return JSON.parse(readFileSync(new URL('package.json', url), 'utf8')).version as string
    } catch {
      const up = new URL('..', url)
      if (up.href === url.href) return 'unknown'
      url = up
    }
  }
}

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help'

/** Finds the command for the arguments (two-word names first) and runs it; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0) {
    io.stderr(listHelp(COMMANDS))
    return 2
  }
  if (isHelp(argv[0])) {
    io.stdout(listHelp(COMMANDS))
    return 0
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.stdout(`allmende ${version()}`)
    return 0
  }
  const entry =
    COMMANDS.find((c) => c.name === `${argv[0]} ${argv[1]}`) ?? COMMANDS.find((c) => c.name === argv[0])
  if (entry === undefined) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `))
    if (group.length > 0 && (argv.length === 1 || isHelp(argv[1]))) {
      ;(argv.length === 1 ? io.stderr : io.stdout)(listHelp(group, argv[0]))
      return argv.length === 1 ? 2 : 0
    }
    const hint =
      group.length > 0 ? listHelp(group, argv[0]) : "Run 'allmende --help' for the list of commands."
    io.stderr(`allmende: unknown command "${argv.slice(0, group.length > 0 ? 2 : 1).join(' ')}"\n\n${hint}`)
    return 2
  }
  const command = await entry.load()
  const args = argv.slice(entry.name.split(' ').length)
  if (args.some(isHelpFlag)) {
    io.stdout(
      commandHelp(
        entry,
        command,
        COMMANDS.filter((c) => c.name.startsWith(`${entry.name} `)),
      ),
    )
    return 0
  }
  try {
    return await command.run(args, io)
  } catch (error) {
    if (error instanceof AllmendeError) {
      io.stderr(`allmende ${entry.name}: ${error.message}`)
      return 2
    }
    io.stderr(`allmende ${entry.name}: unexpected error: ${(error as Error).message ?? String(error)}`)
    if (process.env.ALLMENDE_DEBUG !== undefined) io.stderr(String((error as Error).stack))
    return 1
  }
}

const isHelpFlag = (arg: string) => arg === '--help' || arg === '-h'
