/**
 * @packageDocumentation
 * The DSP 2025-1 HTTPS binding (docs/architecture.md, "One protocol core, two bindings"): every catalog,
 * negotiation and transfer endpoint of both roles under `/dsp/2025-1`, `/.well-known/dspace-version`
 * at the root, self-issued ID tokens (iss = sub = the caller's DID, aud = the callee's DID) on every
 * request, and the client that posts to a peer's `callbackAddress`. Thin: each endpoint validates
 * the message, calls the same domain service the libp2p binding uses, and encodes the answer.
 *
 * @example
 * ```ts
 * const authenticator = new IdTokenAuthenticator({ did: key.did, baseUrl: () => server.baseUrl })
 * const server = new DspHttpServer({ host: '127.0.0.1', port: 8282, authenticator, services, log })
 * await server.start()
 * const client = new DspHttpClient({ tokens: new IdTokenIssuer({ key }) })
 * const catalog = await client.catalog('http://127.0.0.1:8282/dsp/2025-1')
 * ```
 */
export { CallerLimits, DEFAULT_LIMITS } from './caller-limits.js'
export { type HttpDataGrant, type HttpDataSource, serveHttpData } from './data-endpoint.js'
export { DataWorkers, type DataWorkersInit } from './data-workers.js'
export { DspHttpClient } from './dsp-http-client.js'
export { DSP_BASE_PATH, DspHttpServer, type DspHttpServerInit } from './dsp-http-server.js'
export {
  type DspRecipient,
  dspMessagePath,
  joinDspUrl,
  normalizeDspAddress,
  type RoutableMessage,
} from './dsp-paths.js'
export {
  DSP_ROUTES,
  type DspHttpServices,
  type DspNegotiations,
  type DspRequest,
  type DspRoute,
  type DspTransfers,
} from './dsp-routes.js'
export { DspPortUnavailableError, DspVersionUnsupportedError, InvalidDspAddressError } from './errors.js'
export { HttpDataPuller, type HttpDataPullerInit } from './http-data-puller.js'
export { HttpDataPusher, type HttpDataPusherInit } from './http-data-pusher.js'
export {
  type DspHttpCaller,
  HttpMembership,
  IdTokenAuthenticator,
  IdTokenIssuer,
  type MembershipPresentationCheck,
} from './id-token-auth.js'
