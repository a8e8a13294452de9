import type { AddressInfo, Server } from 'node:net'
import { DSP_BASE_PATH, normalizeDspAddress } from './dsp-paths.js'
import { DspPortUnavailableError } from './errors.js'

/**
 * Listens on `host:port` (0: any free port) and returns the versioned base peers reach it at: the
 * normalised `publicUrl` behind a TLS proxy, else `http://host:port/dsp/2025-1`, with the address
 * it listens on (for the log).
 */
export async function listenDsp(
  server: Server,
  host: string,
  port: number,
  publicUrl: string | undefined,
): Promise<{ url: string; listen: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new DspPortUnavailableError(host, port, error.code ?? error.message, { cause: error })),
    )
    server.listen(port, host, () => resolve())
  })
  const bound = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  const url =
    publicUrl === undefined ? `http://${shownHost}:${bound}${DSP_BASE_PATH}` : normalizeDspAddress(publicUrl)
  return { url, listen: `${shownHost}:${bound}` }
}
