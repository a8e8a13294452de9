import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR, nodeDirectory } from '../../config/index.js'
import { buildDidWebDocument, didWebDocumentUrl, loadNodeKey } from '../../identity/index.js'
import { type CliCommand, UsageError } from '../command.js'
import { parseFlags } from '../flags.js'

/** `allmende identity did-web`: the did.json a city publishes for its domain, naming the node's own key. */
export const identityDidWebCommand: CliCommand = {
  name: 'identity did-web',
  summary: 'write the did:web document (did.json) of this node for a domain',
  usage: 'allmende identity did-web --domain DOMAIN [--dir DIR] [--out FILE]',
  async run(args, io) {
    const { values } = parseFlags('identity did-web', () =>
      parseArgs({
        args,
        options: { domain: { type: 'string' }, dir: { type: 'string' }, out: { type: 'string' } },
      }),
    )
    if (values.domain === undefined || values.domain.trim() === '') {
      throw new UsageError('identity did-web: --domain is required, e.g. --domain kusel.de')
    }
    const key = await loadNodeKey(nodeDirectory(values.dir ?? DEFAULT_NODE_DIR).keyFile)
    const document = buildDidWebDocument(values.domain, key)
    const json = `${JSON.stringify(document, null, 2)}\n`
    if (values.out === undefined) {
      io.stdout(json)
      return 0
    }
    await writeFile(values.out, json)
    io.stdout(
      [
        `Wrote the DID document of ${document.id} to ${values.out}`,
        `  Publish it at: ${didWebDocumentUrl(document.id)}`,
        `  Same key as:   ${key.did}`,
      ].join('\n'),
    )
    return 0
  },
}
