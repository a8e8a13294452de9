import { Store, StoreCorruptionError } from '../store/index.js'
import { ConfigError } from './errors.js'
import type { NodeDirectory } from './node-directory.js'

/**
 * Opens the database of a node directory for the node to run on. A damaged database says so as it is
 * (`StoreCorruptionError`); a locked one means the node already runs.
 */
export async function openNodeStore(directory: Pick<NodeDirectory, 'dbDir' | 'root'>): Promise<Store> {
  try {
    return await Store.open(directory.dbDir)
  } catch (cause) {
    if (cause instanceof StoreCorruptionError) throw cause
    const locked = (cause as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED'
    throw new ConfigError(
      locked
        ? `the node in ${directory.root} is already running (its database is locked)`
        : `cannot open database ${directory.dbDir}: ${(cause as Error).message}`,
      { cause },
    )
  }
}
