import type { DataAddress } from '../../protocol/index.js'

/** `endpointType` of a pull address served by the libp2p data plane. */
export const LIBP2P_ENDPOINT_TYPE = 'https://w3id.org/allmende/libp2p'
/** `endpointType` of an HTTP pull address (DSP, IDSA). */
export const HTTP_ENDPOINT_TYPE = 'https://w3id.org/idsa/v4.1/HTTP'

/** The bearer token of a pull data address, if it carries one. */
export function tokenOf(address: DataAddress | undefined): string | undefined {
  const props = address?.endpointProperties ?? []
  const authType = props.find((p) => p.name === 'authType')?.value
  if (authType !== undefined && authType.toLowerCase() !== 'bearer') return undefined
  return props.find((p) => p.name === 'authorization')?.value
}
