import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR } from '../../config/node-directory.js'
import { InvalidInputError } from '../../protocol/errors.js'
import { type CliCommand, type FlagDocs, UsageError } from '../command.js'
import { DIR_FLAG, parseFlags } from '../flags.js'

type Syntax = 'turtle' | 'jsonld'

const FLAGS = {
  ...DIR_FLAG,
  format: {
    type: 'string',
    value: 'dcat-ap-de',
    required: true,
    help: 'the profile to write; DCAT-AP.de 3.0 (what GovData harvests) is the one there is',
  },
  syntax: {
    type: 'string',
    value: 'turtle|jsonld',
    fallback: 'jsonld for an --out ending in .jsonld or .json, else turtle',
    help: 'RDF syntax of the file',
  },
  out: { type: 'string', value: 'FILE', fallback: 'standard output', help: 'file to write' },
} as const satisfies FlagDocs

/** The export of a stopped node, read from its database (the RDF stack loads only here). */
async function offlineExport(dir: string, syntax: Syntax): Promise<string> {
  const [
    { exportOptionsOf, toDcatApDeJsonLd, toDcatApDeTurtle },
    { DatasetStore },
    { openNode, ConfigError },
    { Store },
  ] = await Promise.all([
    import('../../catalog/index.js'),
    import('../../catalog/dataset-store.js'),
    import('../../config/index.js'),
    import('../../store/index.js'),
  ])
  const { directory, config, key } = await openNode(dir)
  let store: Awaited<ReturnType<typeof Store.open>>
  try {
    store = await Store.open(directory.dbDir)
  } catch (cause) {
    throw new ConfigError(`cannot open database ${directory.dbDir}: ${(cause as Error).message}`, { cause })
  }
  try {
    const datasets = await new DatasetStore(store).list()
    const options = exportOptionsOf({ ...config, did: key.did })
    return syntax === 'turtle'
      ? await toDcatApDeTurtle(datasets, options)
      : `${JSON.stringify(toDcatApDeJsonLd(datasets, options), null, 2)}\n`
  } finally {
    await store.close()
  }
}

/**
 * `allmende catalog export --format dcat-ap-de [--syntax turtle|jsonld] [--out FILE]`: the public
 * part of the catalog as DCAT-AP.de, for open data portals that harvest a file. Works whether the
 * node runs (through its API) or not (from its database).
 */
export const catalogExportCommand: CliCommand = {
  name: 'catalog export',
  usage: 'allmende catalog export --format dcat-ap-de [--syntax turtle|jsonld] [--out FILE] [--dir DIR]',
  flags: FLAGS,
  examples: [
    'allmende catalog export --format dcat-ap-de --out catalog.ttl --dir ./kusel',
    'allmende catalog export --format dcat-ap-de --out catalog.jsonld --dir ./kusel',
  ],
  async run(args, io) {
    const { values } = parseFlags('catalog export', () => parseArgs({ args, options: FLAGS }))
    if (values.format !== 'dcat-ap-de')
      throw new UsageError('catalog export: --format dcat-ap-de is required (the one format so far)')
    const syntax = values.syntax ?? (/\.json(ld)?$/i.test(values.out ?? '') ? 'jsonld' : 'turtle')
    if (syntax !== 'turtle' && syntax !== 'jsonld')
      throw new UsageError(`catalog export: --syntax must be turtle or jsonld, not ${syntax}`)
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const { runningNodeClient } = await import('./dataspace-members.js')
    const client = await runningNodeClient(dir)
    const text =
      client === undefined
        ? await offlineExport(dir, syntax)
        : await client.getText(`/api/v1/catalog/dcat-ap.${syntax === 'turtle' ? 'ttl' : 'jsonld'}`)
    if (values.out === undefined) {
      io.stdout(text)
      return 0
    }
    try {
      await writeFile(values.out, text, 'utf8')
    } catch (error) {
      throw new InvalidInputError(
        `cannot write ${values.out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      )
    }
    io.stderr(`wrote ${values.out}`)
    return 0
  },
}
