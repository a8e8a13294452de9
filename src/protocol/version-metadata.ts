import { buildMessage } from './build-message.js'
import { DSP_CONTEXT } from './context.js'

/** The DSP version this protocol core speaks. */
export const DSP_VERSION = '2025-1'

/** The DID core context a `DidService` entry names beside the DSP context. */
export const DID_CONTEXT = 'https://www.w3.org/ns/did/v1'

/** How a peer authenticates against a DSP endpoint, e.g. `DCP` `1.0` `['vc11-sl2021/jwt']`. */
export interface ProtocolAuth {
  protocol: string
  version: string
  profile?: string[]
}

/** One entry of `/.well-known/dspace-version`: `<root>` + `path` is the DSP base of `version`. */
export interface ProtocolVersion {
  version: string
  path: string
  binding: 'HTTPS'
  identifierType?: string
  serviceId?: string
  auth?: ProtocolAuth
}

/** The body of `GET /.well-known/dspace-version` (unversioned, unauthenticated). */
export interface VersionResponse {
  protocolVersions: ProtocolVersion[]
}

/** A DID document `service` entry pointing at a DSP catalog or version endpoint. */
export interface DidService {
  '@context'?: string[]
  id: string
  type: 'DataService' | 'CatalogService'
  serviceEndpoint: string
}

/**
 * Builds a valid version metadata body.
 *
 * @example
 * ```ts
 * createVersionResponse([{ version: DSP_VERSION, path: '/dsp/2025-1', binding: 'HTTPS' }])
 * ```
 */
export function createVersionResponse(protocolVersions: ProtocolVersion[]): VersionResponse {
  return buildMessage('VersionResponse', { protocolVersions }, { context: false, typeTerm: false })
}

/** Builds a valid DID `service` entry with the DSP and DID contexts. */
export function createDidService(fields: Omit<DidService, '@context'>): DidService {
  return buildMessage('DidService', fields, { context: [DSP_CONTEXT, DID_CONTEXT], typeTerm: false })
}
