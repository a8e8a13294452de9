import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR } from '../../config/index.js'
import { type CliCommand, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
import { runningNodeClient, withOfflineRegistry } from './dataspace-members.js'

export const dataspaceEndorseCommand: CliCommand = {
  name: 'dataspace endorse',
  summary: 'issue a membership credential to a node (anchors only)',
  usage:
    'allmende dataspace endorse DID [--name NAME] [--dir DIR] [--json]   (NAME: the municipality, else the name the node gave when it asked)',
  async run(args, io) {
    const { values, positionals } = parseFlags('dataspace endorse', () =>
      parseArgs({ args, options: { ...NODE_FLAGS, name: { type: 'string' } }, allowPositionals: true }),
    )
    const did = positionals[0]
    if (did === undefined || positionals.length !== 1) {
      throw new UsageError(
        'dataspace endorse: give the did:key of the member node (see its `allmende status`)',
      )
    }
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const client = await runningNodeClient(dir)
    const record =
      client !== undefined
        ? await client.post<{ did: string; endorsedAt: string; credential: { id: string } }>(
            '/api/v1/dataspace/members',
            { did, ...(values.name === undefined ? {} : { name: values.name }) },
          )
        : await withOfflineRegistry(dir, (registry) =>
            registry.endorse(did, values.name === undefined ? {} : { name: values.name }),
          )
    const credentialId = String(record.credential.id)
    if (values.json === true) {
      io.stdout(JSON.stringify({ did: record.did, endorsedAt: record.endorsedAt, credential: credentialId }))
    } else {
      io.stdout(
        `endorsed ${record.did} (credential ${credentialId}); a running member picks it up within seconds, a stopped one when it starts`,
      )
    }
    return 0
  },
}
