import { basename, dirname } from 'node:path'
import { AllmendeError } from '../protocol/errors.js'

/** Which part of a LevelDB directory is damaged. */
export type StoreFileKind = 'log' | 'table' | 'manifest'

const WHAT: Record<StoreFileKind, string> = {
  log: 'the write-ahead log, which holds the most recent writes',
  table: 'a table file, which holds stored records',
  manifest: 'the manifest, which lists the table files',
}

/**
 * A file of the node's database fails its checksum. The node refuses to open it: LevelDB would
 * otherwise drop or change records without a word. The message names the file and how to recover.
 */
export class StoreCorruptionError extends AllmendeError {
  static override name = 'StoreCorruptionError'
  readonly file: string
  readonly kind: StoreFileKind

  constructor(dbDir: string, file: string, kind: StoreFileKind, problem: string) {
    const nodeDir = dirname(dbDir)
    super(
      'ALLMENDE_STORE_CORRUPT',
      `the database ${dbDir} is damaged: ${file} (${WHAT[kind]}) ${problem}. ` +
        'The node does not open it, so nothing is lost or changed further. Restore the last backup with ' +
        `"allmende restore --from BACKUP_DIR --dir ${nodeDir}" (the damaged database is kept as ` +
        `${basename(dbDir)}.damaged-<time>), then check it with "allmende audit verify --dir ${nodeDir}"`,
      { expose: false },
    )
    this.file = file
    this.kind = kind
  }
}
