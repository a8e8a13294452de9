import { abortError, type ReadPlan } from './byte-stream.js'
import { openFileSource } from './file-source.js'
import { openHttpSource } from './http-source.js'
import { openNgsiLdSource } from './ngsi-ld-source.js'
import { openSensorThingsSource } from './sensorthings-source.js'
import {
  checkReadOptions,
  DEFAULT_MAX_CHUNK_BYTES,
  type OpenedSource,
  type OpenSourceOptions,
  type SourceSpec,
  validateSourceSpec,
} from './source.js'

/**
 * Opens the source a dataset points at, for one read. The spec is validated first; a file is
 * checked, an HTTP resource requested, and a time series' first page fetched before this resolves,
 * so a wrong address or credential fails here rather than mid-transfer.
 *
 * @throws {@link InvalidSourceSpecError} for a malformed spec, `InvalidInputError` for bad options,
 *   and a {@link SourceError} subclass when the source cannot be read
 */
export async function openSource(spec: SourceSpec, options: OpenSourceOptions = {}): Promise<OpenedSource> {
  const checked = validateSourceSpec(spec)
  const { offset, length, time } = checkReadOptions(options)
  const plan: ReadPlan = {
    offset,
    ...(length === undefined ? {} : { length }),
    maxChunkBytes: options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  }
  if (options.signal?.aborted) throw abortError(options.signal, `${checked.kind} source`)
  switch (checked.kind) {
    case 'file':
      return openFileSource(checked, plan, options.baseDir)
    case 'http':
      return openHttpSource(checked, plan, options.secrets)
    case 'sensorthings':
      return openSensorThingsSource(checked, plan, time, options.secrets)
    case 'ngsi-ld':
      return openNgsiLdSource(checked, plan, time, options.secrets)
  }
}
