import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { NodeClient, NodeNotRunningError } from '../../api/node-client.js'
import { verifyAuditLog } from '../../audit/index.js'
import { DEFAULT_NODE_DIR, nodeDirectory } from '../../config/index.js'
import { loadNodeKey } from '../../identity/index.js'
import { AllmendeError } from '../../protocol/errors.js'
import { dumpStore, isStoreLocked, loadDump, Store } from '../../store/index.js'
import { type CliCommand, type FlagDocs, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'

/** Format of `backup.json`, the manifest of a backup directory. */
const BACKUP_FORMAT = 'allmende-backup/1'
const DUMP_FILE = 'db.ndjson'
const MANIFEST_FILE = 'backup.json'
const FILES_DIR = 'files'
/** Written by a running node only; never part of a backup. */
const RUNTIME_FILES = new Set(['api.json'])

interface BackupManifest {
  readonly format: string
  readonly did: string
  readonly created: string
  /** Whether the dump came from the running node's API (a snapshot) or its stopped database. */
  readonly via: 'api' | 'store'
  readonly sha256: string
  readonly files: readonly string[]
}

/** A backup cannot be made or restored: the message says why and what to do. */
export class BackupError extends AllmendeError {
  static override name = 'BackupError'
  constructor(message: string) {
    super('ALLMENDE_BACKUP', message)
  }
}

/**
 * `allmende backup --out DIR`: the node's database (a snapshot read by the running node, or the
 * stopped database after its checksums are checked) and its files (key, config, token, descriptor)
 * into a new directory only the owner may read: it holds the node key.
 */
const BACKUP_FLAGS = {
  ...NODE_FLAGS,
  out: {
    type: 'string',
    value: 'DIR',
    required: true,
    help: 'new or empty directory for the backup (made 0700: it holds the node key)',
  },
} as const satisfies FlagDocs

export const backupCommand: CliCommand = {
  name: 'backup',
  usage: 'allmende backup --out DIR [--dir NODE_DIR] [--json]',
  flags: BACKUP_FLAGS,
  examples: ['allmende backup --out ./kusel-backup --dir ./kusel'],
  async run(args, io) {
    const { values } = parseFlags('backup', () => parseArgs({ args, options: BACKUP_FLAGS }))
    if (values.out === undefined)
      throw new UsageError('backup: --out DIR is required (a new or empty directory)')
    const directory = nodeDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const did = (await loadNodeKey(directory.keyFile)).did
    const out = values.out
    if ((await readdir(out).catch(() => [])).length > 0) {
      throw new BackupError(`${out} is not empty; a backup goes into a new or empty directory`)
    }
    await mkdir(join(out, FILES_DIR), { recursive: true, mode: 0o700 })
    await chmod(out, 0o700)
    const hash = createHash('sha256')
    const { via, lines, close } = await dumpSource(directory.root, directory.dbDir)
    try {
      await pipeline(
        Readable.from(lines),
        async function* (source: AsyncIterable<string | Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk)
            yield chunk
          }
        },
        createWriteStream(join(out, DUMP_FILE), { mode: 0o600 }),
      )
    } finally {
      await close()
    }
    const files: string[] = []
    for (const entry of await readdir(directory.root, { withFileTypes: true })) {
      if (!entry.isFile() || RUNTIME_FILES.has(entry.name)) continue
      await copyFile(join(directory.root, entry.name), join(out, FILES_DIR, entry.name))
      await chmod(join(out, FILES_DIR, entry.name), 0o600)
      files.push(entry.name)
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      did,
      created: new Date().toISOString(),
      via,
      sha256: hash.digest('hex'),
      files,
    }
    await writeFile(join(out, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 })
    io.stdout(
      values.json === true
        ? JSON.stringify({ out, ...manifest })
        : `backup of ${did} in ${out} (${via === 'api' ? 'snapshot of the running node' : 'stopped database'}); ` +
            `it holds the node key: keep it as safe as the node`,
    )
    return 0
  },
}

/** Dump lines from the running node's API, or from the stopped database (checksums checked). */
async function dumpSource(
  root: string,
  dbDir: string,
): Promise<{ via: 'api' | 'store'; lines: AsyncIterable<string | Buffer>; close: () => Promise<void> }> {
  try {
    const client = await NodeClient.forDirectory(root)
    const body = await client.stream('/api/v1/backup')
    return { via: 'api', lines: Readable.fromWeb(body as never), close: async () => undefined }
  } catch (error) {
    if (!(error instanceof NodeNotRunningError)) throw error
  }
  if (await isStoreLocked(dbDir)) {
    throw new BackupError(
      `the node in ${root} holds its database but its API does not answer; wait until it has started`,
    )
  }
  const store = await Store.open(dbDir)
  return { via: 'store', lines: dumpStore(store), close: () => store.close() }
}

/**
 * `allmende restore --from DIR`: replaces the node's database with a backup's, keeping the current
 * one beside it (`db.damaged-<time>`), and puts back node files that are missing. Refuses while the
 * node runs, and a backup of another node's key.
 */
const RESTORE_FLAGS = {
  ...NODE_FLAGS,
  from: { type: 'string', value: 'BACKUP_DIR', required: true, help: 'a directory made by allmende backup' },
} as const satisfies FlagDocs

export const restoreCommand: CliCommand = {
  name: 'restore',
  usage: 'allmende restore --from BACKUP_DIR [--dir NODE_DIR] [--json]',
  flags: RESTORE_FLAGS,
  examples: ['allmende restore --from ./kusel-backup --dir ./kusel'],
  async run(args, io) {
    const { values } = parseFlags('restore', () => parseArgs({ args, options: RESTORE_FLAGS }))
    if (values.from === undefined) throw new UsageError('restore: --from BACKUP_DIR is required')
    const from = values.from
    const directory = nodeDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const manifest = await readManifest(from)
    if (
      (await stat(directory.dbDir).catch(() => undefined)) !== undefined &&
      (await isStoreLocked(directory.dbDir))
    ) {
      throw new BackupError(`the node in ${directory.root} is running; stop it before restoring`)
    }
    const present = await loadNodeKey(directory.keyFile).then(
      (key) => key.did,
      () => undefined,
    )
    if (present !== undefined && present !== manifest.did) {
      throw new BackupError(
        `the backup is of ${manifest.did}, but ${directory.root} holds the key of ${present}; restore into that node's directory or an empty one`,
      )
    }
    const hash = createHash('sha256')
    await pipeline(createReadStream(join(from, DUMP_FILE)), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) hash.update(chunk)
    })
    if (hash.digest('hex') !== manifest.sha256) {
      throw new BackupError(
        `${join(from, DUMP_FILE)} does not match its manifest's SHA-256: the backup is damaged`,
      )
    }
    await mkdir(directory.root, { recursive: true, mode: 0o700 })
    for (const file of manifest.files) {
      const target = join(directory.root, file)
      if ((await stat(target).catch(() => undefined)) === undefined) {
        await copyFile(join(from, FILES_DIR, file), target)
        await chmod(target, 0o600)
      }
    }
    const staging = `${directory.dbDir}.restoring`
    await rm(staging, { recursive: true, force: true })
    const records = await loadDump(staging, createReadStream(join(from, DUMP_FILE)))
    const kept =
      (await stat(directory.dbDir).catch(() => undefined)) === undefined
        ? undefined
        : `${directory.dbDir}.damaged-${new Date().toISOString().replaceAll(':', '-')}`
    if (kept !== undefined) await rename(directory.dbDir, kept)
    await rename(staging, directory.dbDir)
    const store = await Store.open(directory.dbDir)
    const audit = await verifyAuditLog(store, { did: manifest.did }).finally(() => store.close())
    const summary = {
      restored: directory.dbDir,
      records,
      backup: manifest.created,
      ...(kept === undefined ? {} : { kept }),
      audit: audit.ok ? `${audit.entries} entries verify` : `FAILED: ${audit.firstBad?.reason}`,
    }
    io.stdout(
      values.json === true
        ? JSON.stringify(summary)
        : [
            `restored ${records} records from the backup of ${manifest.created} into ${directory.dbDir}`,
            ...(kept === undefined ? [] : [`the database it replaced is kept as ${kept}`]),
            `audit log: ${summary.audit}`,
          ].join('\n'),
    )
    return audit.ok ? 0 : 1
  },
}

async function readManifest(from: string): Promise<BackupManifest> {
  let manifest: BackupManifest
  try {
    manifest = JSON.parse(await readFile(join(from, MANIFEST_FILE), 'utf8')) as BackupManifest
  } catch (cause) {
    throw new BackupError(`${from} holds no readable ${MANIFEST_FILE}: ${(cause as Error).message}`)
  }
  if (
    manifest.format !== BACKUP_FORMAT ||
    typeof manifest.did !== 'string' ||
    !Array.isArray(manifest.files)
  ) {
    throw new BackupError(
      `${join(from, MANIFEST_FILE)} is not an Allmende backup manifest (${BACKUP_FORMAT})`,
    )
  }
  if (manifest.files.some((f) => typeof f !== 'string' || f.includes('/') || f.startsWith('.'))) {
    throw new BackupError(`${join(from, MANIFEST_FILE)} names files outside the node directory`)
  }
  return manifest
}
