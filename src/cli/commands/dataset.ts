import { open, readFile, stat } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { NodeIdentityView } from '../../api/index.js'
import { NodeApiError, NodeClient } from '../../api/node-client.js'
import type { CatalogWriteResult, Dataset, RefusedOffer } from '../../catalog/index.js'
import { type GuessedFormat, guessFormat } from '../../catalog/media-type-guess.js'
import { DEFAULT_NODE_DIR } from '../../config/node-directory.js'
import { InvalidPolicyError } from '../../policy/errors.js'
import type { Lang } from '../../policy/labels.js'
import { hasIssueMessage, type IssueParams, issueMessage } from '../../policy/messages.js'
import { parseJsonWithPosition } from '../../util/json-syntax.js'
import { type CliCommand, type CliIo, type FlagDocs, UsageError } from '../command.js'
import { LANG_FLAG, NODE_FLAGS, parseFlags } from '../flags.js'
import { cliLang } from '../lang.js'

/** Flags of `dataset add`; `dataset update` takes the same, none of them required. */
const ADD_FLAGS = {
  ...NODE_FLAGS,
  title: { type: 'string', value: 'TITLE', required: true, help: 'title of the dataset' },
  source: {
    type: 'string',
    value: 'SOURCE',
    required: true,
    help: 'where the data lives: a file path (must exist; its format is guessed), an http(s) URL, or a JSON source spec (inline or @file.json)',
  },
  policy: {
    type: 'string',
    multiple: true,
    value: 'FILE',
    required: true,
    help: 'an ODRL Offer in JSON-LD (repeatable: one offer each); refused if the validator finds errors',
  },
  meta: {
    type: 'string',
    value: 'FILE',
    fallback: 'none',
    help: 'DCAT-AP.de metadata as JSON (description, theme, license, contactPoint, distributions, …)',
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
  ...LANG_FLAG,
} as const satisfies FlagDocs

const UPDATE_FLAGS = {
  ...ADD_FLAGS,
  title: { ...ADD_FLAGS.title, required: false, fallback: 'unchanged' },
  source: { ...ADD_FLAGS.source, required: false, fallback: 'unchanged' },
  policy: { ...ADD_FLAGS.policy, required: false, fallback: 'the offers stay' },
} as const satisfies FlagDocs

async function readJsonFile(path: string, what: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new UsageError(`cannot read ${what} ${path}: ${(cause as Error).message}`)
  }
  return parseJsonWithPosition(
    text,
    (sentence) => new UsageError(`${what} ${path} is ${sentence}`),
  ) as Record<string, unknown>
}

/** A `--source` as the node stores it, and the distribution it suggests (for a local file). */
interface SourceChoice {
  readonly spec: Record<string, unknown>
  readonly guessed?: GuessedFormat
}

/**
 * A local data file must exist and be readable now: the node reads it only when a consumer pulls,
 * long after the contract, and a wrong path would fail there.
 */
async function checkedFileSource(source: string): Promise<SourceChoice> {
  const path = isAbsolute(source) ? source : resolve(source)
  let head: Uint8Array
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new UsageError(`--source ${source} is a directory, not a data file`)
    const file = await open(path, 'r')
    try {
      const buffer = new Uint8Array(512)
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0)
      head = buffer.subarray(0, bytesRead)
    } finally {
      await file.close()
    }
  } catch (cause) {
    if (cause instanceof UsageError) throw cause
    const code = (cause as NodeJS.ErrnoException).code
    throw new UsageError(
      code === 'ENOENT'
        ? `--source ${source}: no such file (${path}); give the data file's path, an http(s) URL or a JSON source spec`
        : `--source ${source} cannot be read (${code ?? (cause as Error).message}); the node must be able to read it`,
    )
  }
  const guessed = guessFormat(path, head)
  return { spec: { kind: 'file', path, mediaType: guessed.mediaType }, guessed }
}

/** `--source`: a JSON source spec (inline or `@file.json`), an http(s) URL, or a file path. */
async function sourceOf(source: string): Promise<SourceChoice> {
  if (source.startsWith('{')) {
    return {
      spec: parseJsonWithPosition(source, (sentence) => new UsageError(`--source is ${sentence}`)) as Record<
        string,
        unknown
      >,
    }
  }
  if (source.startsWith('@')) return { spec: await readJsonFile(source.slice(1), 'source spec') }
  if (/^https?:\/\//.test(source)) return { spec: { kind: 'http', url: source } }
  return checkedFileSource(source)
}

/** The validator's finding, in the user's language when it carries a code the catalogue knows. */
function findingText(
  finding: { path?: string; code?: string; params?: unknown; message: string },
  lang: Lang,
) {
  const text =
    finding.code !== undefined && hasIssueMessage(finding.code)
      ? issueMessage(finding.code, (finding.params ?? {}) as IssueParams, lang)
      : finding.message
  return finding.path ? `${finding.path}: ${text}` : text
}

/** Refused offers come back as `details`; they are shown in the user's language. */
function localizedRefusal(error: unknown, lang: Lang): never {
  const details =
    error instanceof NodeApiError ? (error.details as { offers?: RefusedOffer[] } | undefined) : undefined
  if (details?.offers === undefined) throw error
  const head = lang === 'de' ? 'Angebot abgelehnt, nichts veröffentlicht' : 'offer refused, nothing published'
  const list = details.offers.flatMap((o) => o.errors.map((e) => `${o.offerId}: ${findingText(e, lang)}`))
  throw new InvalidPolicyError(`${head}: ${list.join(' | ')}`, [])
}

/** Prints what a write stored and the validator's warnings on its offers. */
function printWrite(io: CliIo, result: CatalogWriteResult, json: boolean, lang: Lang, verb: string): void {
  if (json) {
    io.stdout(JSON.stringify(result))
    return
  }
  io.stdout(`${verb} "${result.dataset.title}" as ${result.dataset.id} (version ${result.dataset.version})`)
  const word = lang === 'de' ? 'Warnung' : 'warning'
  for (const w of result.warnings) io.stdout(`  ${word}: ${w.offerId}: ${findingText(w, lang)}`)
}

/** The offers of `--policy` files; the node is the assigner when a file leaves it open. */
async function offersOf(
  files: readonly string[],
  assigner: string,
  access: Record<string, unknown> | undefined,
  approval: string | undefined,
) {
  return Promise.all(
    files.map(async (file) => ({
      offer: { assigner, ...(await readJsonFile(file, 'policy file')) },
      ...(access === undefined ? {} : { access }),
      ...(approval === undefined ? {} : { approval }),
    })),
  )
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

export const datasetAddCommand: CliCommand = {
  name: 'dataset add',
  usage:
    'allmende dataset add --title T --source SOURCE --policy FILE [--policy FILE]... [--meta FILE] [--access public|members|DID,...] [--approval automatic|manual] [--lang de|en] [--dir DIR] [--json]',
  flags: ADD_FLAGS,
  examples: [
    'allmende dataset add --title "Pegel Altenglan" --source examples/data/glan-pegel-observations.json --policy offer.jsonld --dir ./kusel',
    'allmende dataset add --title "Pegel Glan Altenglan" --source examples/data/glan-pegel-observations.json --policy offer.jsonld --access public --meta examples/data/glan-pegel-dcat.json --dir ./kusel',
  ],
  async run(args, io) {
    const { values } = parseFlags('dataset add', () => parseArgs({ args, options: ADD_FLAGS }))
    const lang = cliLang(values.lang)
    if (values.title === undefined) throw new UsageError('dataset add: --title is required')
    if (values.source === undefined)
      throw new UsageError('dataset add: --source is required (file path, URL or JSON spec)')
    if (values.policy === undefined)
      throw new UsageError('dataset add: --policy FILE (an ODRL Offer) is required')
    const source = await sourceOf(values.source)
    const meta = values.meta === undefined ? {} : await readJsonFile(values.meta, 'metadata file')
    const access = accessOf(values.access)
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const identity = await client.get<NodeIdentityView>('/api/v1/identity')
    const guessed = source.guessed ?? { format: 'JSON', mediaType: 'application/json' }
    const input = {
      description: values.title,
      publisher: { name: identity.name, id: identity.did },
      distributions: [guessed],
      ...meta,
      title: values.title,
      source: source.spec,
      offers: await offersOf(values.policy, identity.did, access, values.approval),
    }
    const result = await client
      .post<CatalogWriteResult>('/api/v1/datasets', input)
      .catch((error: unknown) => localizedRefusal(error, lang))
    printWrite(io, result, values.json === true, lang, 'Published')
    return 0
  },
}

export const datasetUpdateCommand: CliCommand = {
  name: 'dataset update',
  usage:
    'allmende dataset update ID [--title T] [--source SOURCE] [--policy FILE]... [--meta FILE] [--access public|members|DID,...] [--approval automatic|manual] [--lang de|en] [--dir DIR] [--json]',
  flags: UPDATE_FLAGS,
  examples: [
    'allmende dataset update urn:uuid:… --meta examples/data/glan-pegel-dcat.json --dir ./kusel',
    'allmende dataset update urn:uuid:… --title "Pegel Glan Altenglan (15 min)" --dir ./kusel',
  ],
  async run(args, io) {
    const { values, positionals } = parseFlags('dataset update', () =>
      parseArgs({ args, options: UPDATE_FLAGS, allowPositionals: true }),
    )
    const lang = cliLang(values.lang)
    const id = positionals[0]
    if (id === undefined || positionals.length !== 1)
      throw new UsageError('dataset update: give the dataset id (allmende dataset list shows them)')
    const source = values.source === undefined ? undefined : await sourceOf(values.source)
    const meta = values.meta === undefined ? {} : await readJsonFile(values.meta, 'metadata file')
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const offers =
      values.policy === undefined
        ? undefined
        : await offersOf(
            values.policy,
            (await client.get<NodeIdentityView>('/api/v1/identity')).did,
            accessOf(values.access),
            values.approval,
          )
    const patch = {
      ...meta,
      ...(values.title === undefined ? {} : { title: values.title }),
      ...(source === undefined ? {} : { source: source.spec }),
      ...(offers === undefined ? {} : { offers }),
    }
    if (Object.keys(patch).length === 0)
      throw new UsageError('dataset update: nothing to change (give --title, --source, --policy or --meta)')
    const result = await client
      .request<CatalogWriteResult>('PUT', `/api/v1/datasets/${encodeURIComponent(id)}`, patch)
      .catch((error: unknown) => localizedRefusal(error, lang))
    printWrite(io, result, values.json === true, lang, 'Updated')
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
