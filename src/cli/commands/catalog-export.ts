import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { DatasetStore } from '../../catalog/dataset-store.js'
import { exportOptionsOf, toDcatApDeJsonLd, toDcatApDeTurtle } from '../../catalog/index.js'
import { ConfigError } from '../../config/errors.js'
import { DEFAULT_NODE_DIR, openNode } from '../../config/index.js'
import { InvalidInputError } from '../../protocol/errors.js'
import { Store } from '../../store/index.js'
import { type CliCommand, UsageError } from '../command.js'
import { parseFlags } from '../flags.js'
import { runningNodeClient } from './dataspace-members.js'

type Syntax = 'turtle' | 'jsonld'

/** The export of a stopped node, read from its database. */
async function offlineExport(dir: string, syntax: Syntax): Promise<string> {
  const { directory, config, key } = await openNode(dir)
  let store: Store
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
  summary: 'write the public catalog as DCAT-AP.de for open data portals',
  usage: 'allmende catalog export --format dcat-ap-de [--syntax turtle|jsonld] [--out FILE] [--dir DIR]',
  async run(args, io) {
    const { values } = parseFlags('catalog export', () =>
      parseArgs({
        args,
        options: {
          dir: { type: 'string' },
          format: { type: 'string' },
          syntax: { type: 'string' },
          out: { type: 'string' },
        },
      }),
    )
    if (values.format !== 'dcat-ap-de')
      throw new UsageError('catalog export: --format dcat-ap-de is required (the one format so far)')
    const syntax = values.syntax ?? (/\.json(ld)?$/i.test(values.out ?? '') ? 'jsonld' : 'turtle')
    if (syntax !== 'turtle' && syntax !== 'jsonld')
      throw new UsageError(`catalog export: --syntax must be turtle or jsonld, not ${syntax}`)
    const dir = values.dir ?? DEFAULT_NODE_DIR
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
