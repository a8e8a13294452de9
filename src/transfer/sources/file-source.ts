import { constants, createReadStream } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { abortError, guardErrors, type ReadPlan, windowBytes } from './byte-stream.js'
import { SourceNotAFileError, SourceNotFoundError, SourceRangeError } from './errors.js'
import type { FileSourceSpec, OpenedSource } from './source.js'

const MEDIA_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.jsonld': 'application/ld+json',
  '.geojson': 'application/geo+json',
  '.ndjson': 'application/x-ndjson',
  '.jsonl': 'application/x-ndjson',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.xml': 'application/xml',
  '.ttl': 'text/turtle',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.parquet': 'application/vnd.apache.parquet',
}

/** The media type for a file name, by its extension. */
export function mediaTypeOfPath(path: string): string {
  return MEDIA_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * The size of a regular, readable file; throws {@link SourceNotFoundError} or
 * {@link SourceNotAFileError} otherwise. Checked when a dataset is stored and again at every open.
 */
export async function readableFileSize(path: string): Promise<number> {
  try {
    const info = await stat(path)
    if (info.isDirectory()) throw new SourceNotAFileError(path, 'is a directory')
    if (!info.isFile()) throw new SourceNotAFileError(path, 'is not a regular file')
    await access(path, constants.R_OK)
    return info.size
  } catch (error) {
    if (error instanceof SourceNotAFileError) throw error
    const code = (error as { code?: unknown }).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SourceNotFoundError(path, { cause: error })
    throw new SourceNotAFileError(path, `is not readable (${String(code)})`, { cause: error })
  }
}

/**
 * The file a file source names: its path, relative to the node's source folder (`baseDir`) or else the
 * working directory. The one place this is worked out, so what is checked, sent and hashed is one file.
 */
export function fileSourcePath(path: string, baseDir: string | undefined): string {
  return resolve(baseDir ?? process.cwd(), path)
}

/**
 * What is wrong with a dataset's local file source, or undefined when it is fine (or not a file
 * source): the node reads the file only when a consumer pulls, long after the contract, so a wrong
 * path is refused when the dataset is stored.
 */
export async function localSourceProblem(
  source: { readonly kind?: unknown; readonly path?: unknown },
  baseDir?: string,
): Promise<string | undefined> {
  if (source.kind !== 'file' || typeof source.path !== 'string') return undefined
  try {
    await readableFileSize(fileSourcePath(source.path, baseDir))
    return undefined
  } catch (error) {
    if (error instanceof SourceNotFoundError || error instanceof SourceNotAFileError) return error.message
    throw error
  }
}

/**
 * Opens a file for streaming. Checks up front that it exists, is a regular file and is readable;
 * the file is opened only when the first chunk is asked for, and resumption seeks to the offset.
 */
export async function openFileSource(
  spec: FileSourceSpec,
  plan: ReadPlan,
  baseDir: string | undefined,
): Promise<OpenedSource> {
  const path = fileSourcePath(spec.path, baseDir)
  const size = await readableFileSize(path)
  if (plan.offset > size) throw new SourceRangeError(path, plan.offset, size)
  return {
    mediaType: spec.mediaType ?? mediaTypeOfPath(path),
    size,
    finite: true,
    chunks: windowBytes(guardErrors(readFile(path, plan), plan.signal, path), {
      skip: 0,
      length: plan.length,
      maxChunk: plan.maxChunkBytes,
      where: path,
    }),
  }
}

async function* readFile(path: string, plan: ReadPlan): AsyncGenerator<Uint8Array, void, undefined> {
  if (plan.length === 0) return
  const end = plan.length === undefined ? undefined : plan.offset + plan.length - 1
  const stream = createReadStream(path, {
    start: plan.offset,
    end,
    // large reads: the data plane hashes and frames per chunk, so fewer chunks cost less CPU
    highWaterMark: plan.maxChunkBytes,
  })
  try {
    for await (const chunk of stream) {
      if (plan.signal?.aborted) throw abortError(plan.signal, path)
      yield chunk as Buffer
    }
  } finally {
    stream.destroy()
  }
}
