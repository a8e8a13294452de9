import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR, nodeDirectory } from '../../config/index.js'
import { buildDidWebDocument, didWebDocumentUrl, loadNodeKey } from '../../identity/index.js'
import { type CliCommand, type FlagDocs, UsageError } from '../command.js'
import { DIR_FLAG, parseFlags } from '../flags.js'

const FLAGS = {
  domain: {
    type: 'string',
    value: 'DOMAIN',
    required: true,
    help: 'the domain that will serve /.well-known/did.json',
  },
  ...DIR_FLAG,
  out: { type: 'string', value: 'FILE', fallback: 'standard output', help: 'where to write did.json' },
} as const satisfies FlagDocs

/** `allmende identity did-web`: the did.json a city publishes for its domain, naming the node's own key. */
export const identityDidWebCommand: CliCommand = {
  name: 'identity did-web',
  usage: 'allmende identity did-web --domain DOMAIN [--dir DIR] [--out FILE]',
  flags: FLAGS,
  examples: ['allmende identity did-web --domain kusel.de --dir ./kusel --out did.json'],
  async run(args, io) {
    const { values } = parseFlags('identity did-web', () =>
      parseArgs({
        args,
        options: FLAGS,
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
