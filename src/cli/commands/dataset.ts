import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { NodeIdentityView } from '../../api/index.js'
import { NodeClient } from '../../api/node-client.js'
import type { Dataset } from '../../catalog/index.js'
import { DEFAULT_NODE_DIR } from '../../config/node-directory.js'
import { type CliCommand, type FlagDocs, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'

async function readJsonFile(path: string, what: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new UsageError(`cannot read ${what} ${path}: ${(cause as Error).message}`)
  }
  try {
    return JSON.parse(text) as Record<string, unknown>
  } catch (cause) {
    throw new UsageError(`${what} ${path} is not valid JSON: ${(cause as Error).message}`)
  }
}

/** `--source`: a JSON source spec (inline or `@file.json`), an http(s) URL, or a file path. */
async function sourceSpecOf(source: string): Promise<Record<string, unknown>> {
  if (source.startsWith('{')) {
    try {
      return JSON.parse(source) as Record<string, unknown>
    } catch (cause) {
      throw new UsageError(`--source is not valid JSON: ${(cause as Error).message}`)
    }
  }
  if (source.startsWith('@')) return readJsonFile(source.slice(1), 'source spec')
  if (/^https?:\/\//.test(source)) return { kind: 'http', url: source }
  return { kind: 'file', path: isAbsolute(source) ? source : resolve(source) }
}

/** `--access`: public, members, or a comma-separated list of DIDs. */
function accessOf(access: string | undefined): Record<string, unknown> | undefined {
  if (access === undefined) return undefined
  if (access === 'public' || access === 'members') return { kind: access }
  const dids = access.split(',').map((d) => d.trim())
  if (dids.some((d) => !d.startsWith('did:')))
    throw new UsageError('--access takes public, members, or DIDs separated by commas')
  return { kind: 'dids', dids }
}

const ADD_FLAGS = {
  ...NODE_FLAGS,
  title: { type: 'string', value: 'TITLE', required: true, help: 'title of the dataset' },
  source: {
    type: 'string',
    value: 'SOURCE',
    required: true,
    help: 'where the data lives: a file path, an http(s) URL, or a JSON source spec (inline or @file.json)',
  },
  policy: {
    type: 'string',
    multiple: true,
    value: 'FILE',
    required: true,
    help: 'an ODRL Offer in JSON-LD (repeatable: one offer each)',
  },
  meta: {
    type: 'string',
    value: 'FILE',
    fallback: 'none',
    help: 'DCAT-AP.de metadata as JSON (description, theme, …)',
  },
  access: {
    type: 'string',
    value: 'public|members|DID,…',
    fallback: 'members',
    help: 'who may see and negotiate the offers',
  },
  approval: {
    type: 'string',
    value: 'automatic|manual',
    fallback: 'automatic',
    help: 'manual: a data officer approves each contract request',
  },
} as const satisfies FlagDocs

export const datasetAddCommand: CliCommand = {
  name: 'dataset add',
  usage:
    'allmende dataset add --title T --source SOURCE --policy FILE [--policy FILE]... [--meta FILE] [--access public|members|DID,...] [--approval automatic|manual] [--dir DIR] [--json]',
  flags: ADD_FLAGS,
  examples: [
    'allmende dataset add --title "Pegel Altenglan" --source ./pegel.json --policy offer.jsonld --dir ./kusel',
  ],
  async run(args, io) {
    const { values } = parseFlags('dataset add', () =>
      parseArgs({
        args,
        options: ADD_FLAGS,
      }),
    )
    if (values.title === undefined) throw new UsageError('dataset add: --title is required')
    if (values.source === undefined)
      throw new UsageError('dataset add: --source is required (file path, URL or JSON spec)')
    if (values.policy === undefined)
      throw new UsageError('dataset add: --policy FILE (an ODRL Offer) is required')
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const meta = values.meta === undefined ? {} : await readJsonFile(values.meta, 'metadata file')
    const access = accessOf(values.access)
    const identity = await client.get<NodeIdentityView>('/api/v1/identity')
    // An ODRL Offer names its assigner; this node is it when the file leaves it open.
    const offers = await Promise.all(
      values.policy.map(async (file) => ({
        offer: { assigner: identity.did, ...(await readJsonFile(file, 'policy file')) },
        ...(access === undefined ? {} : { access }),
        ...(values.approval === undefined ? {} : { approval: values.approval }),
      })),
    )
    const input = {
      description: values.title,
      publisher: { name: identity.name, id: identity.did },
      distributions: [{ format: 'JSON', mediaType: 'application/json' }],
      ...meta,
      title: values.title,
      source: await sourceSpecOf(values.source),
      offers,
    }
    const result = await client.post<{ dataset: Dataset; warnings: unknown[] }>('/api/v1/datasets', input)
    if (values.json === true) {
      io.stdout(JSON.stringify(result))
    } else {
      io.stdout(
        `Published "${result.dataset.title}" as ${result.dataset.id} (version ${result.dataset.version})`,
      )
      for (const warning of result.warnings) io.stdout(`  warning: ${JSON.stringify(warning)}`)
    }
    return 0
  },
}

export const datasetListCommand: CliCommand = {
  name: 'dataset list',
  usage: 'allmende dataset list [--dir DIR] [--json]',
  flags: NODE_FLAGS,
  examples: ['allmende dataset list --dir ./kusel'],
  async run(args, io) {
    const { values } = parseFlags('dataset list', () => parseArgs({ args, options: NODE_FLAGS }))
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const { datasets } = await client.get<{ datasets: Dataset[] }>('/api/v1/datasets')
    if (values.json === true) {
      io.stdout(JSON.stringify(datasets))
      return 0
    }
    if (datasets.length === 0) io.stdout('no datasets published yet')
    for (const dataset of datasets) {
      io.stdout(
        `${dataset.id}  ${dataset.title}  (version ${dataset.version}, ${dataset.offers.length} offer(s))`,
      )
    }
    return 0
  },
}

export const datasetRemoveCommand: CliCommand = {
  name: 'dataset remove',
  usage: 'allmende dataset remove ID [--dir DIR] [--json]',
  flags: NODE_FLAGS,
  examples: ['allmende dataset remove urn:uuid:… --dir ./kusel'],
  async run(args, io) {
    const { values, positionals } = parseFlags('dataset remove', () =>
      parseArgs({ args, options: NODE_FLAGS, allowPositionals: true }),
    )
    const id = positionals[0]
    if (id === undefined) throw new UsageError('dataset remove: give the dataset id')
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const result = await client.request<{ removed: Dataset }>(
      'DELETE',
      `/api/v1/datasets/${encodeURIComponent(id)}`,
    )
    io.stdout(values.json === true ? JSON.stringify(result) : `Removed ${result.removed.id}`)
    return 0
  },
}
