import { lstat, mkdir, realpath } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { InvalidInputError } from '../protocol/errors.js'
import type { NodeConfig } from './node-config.js'
import type { NodeDirectory } from './node-directory.js'

/** The download folder when the config names none: `downloads` beside the node directory. */
export const DEFAULT_DOWNLOAD_FOLDER = 'downloads'

/** The folder a node writes received data to (`downloadDir`, else `downloads` beside the node directory). */
export function downloadFolder(directory: NodeDirectory, config: NodeConfig): string {
  return config.downloadDir ?? join(dirname(directory.root), DEFAULT_DOWNLOAD_FOLDER)
}

/** Whether `path` is `folder` itself or lies below it (both absolute and normalised). */
function within(folder: string, path: string): boolean {
  const rel = relative(folder, path)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/**
 * Where a transfer may write `requested`: a relative path names a file in the download folder, an
 * absolute one must lie in it. Never the node directory (its key, token, database), never through
 * a symbolic link out of the folder, never onto an existing link. Creates the folders on the way.
 * Throws {@link InvalidInputError} naming the folder otherwise.
 */
export async function downloadPath(
  directory: NodeDirectory,
  config: NodeConfig,
  requested: string,
): Promise<string> {
  const folder = downloadFolder(directory, config)
  const path = resolve(folder, requested)
  const refuse = (why: string): never => {
    throw new InvalidInputError(
      `cannot write ${path}: ${why}; received data goes to the download folder ${folder} (set it with --download-dir)`,
    )
  }
  if (!within(folder, path) || path === folder) refuse('it lies outside the download folder')
  if (within(directory.root, path)) refuse('it lies in the node directory')
  await mkdir(dirname(path), { recursive: true })
  // The folders as they really are: a link inside the download folder must not lead out of it.
  const [realFolder, realParent] = await Promise.all([realpath(folder), realpath(dirname(path))])
  const realRoot = await realpath(directory.root).catch(() => directory.root)
  if (!within(realFolder, realParent)) refuse('a symbolic link leads out of the download folder')
  if (within(realRoot, realParent)) refuse('a symbolic link leads into the node directory')
  const existing = await lstat(path).catch(() => undefined)
  if (existing?.isSymbolicLink() === true) refuse('it is a symbolic link')
  if (existing !== undefined && !existing.isFile()) refuse('it is not a file')
  return path
}
