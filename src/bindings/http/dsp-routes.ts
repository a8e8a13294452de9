import type { NegotiationRole } from '../../contract/index.js'
import {
  type ContractNegotiation,
  type DspArea,
  type DspDocumentTypes,
  type DspMessage,
  type DspMessageType,
  InvalidInputError,
  type PeerAddressing,
  parseMessage,
  type TransferProcess,
  UnknownProcessError,
  validateMessage,
} from '../../protocol/index.js'
import { normalizeDspAddress } from './dsp-paths.js'
import type { DspHttpCaller } from './id-token-auth.js'

/** The negotiation side of the domain: the same `NegotiationService` the libp2p binding drives. */
export interface DspNegotiations {
  handle(message: DspMessage, callerDid: string): Promise<ContractNegotiation>
  describe(pid: string, callerDid: string): Promise<ContractNegotiation>
}

/** The transfer side of the domain, when the node runs one. */
export interface DspTransfers {
  handle(message: DspMessage, callerDid: string): Promise<TransferProcess>
  describe(pid: string, callerDid: string): Promise<TransferProcess>
}

/** The shared domain services the HTTP binding adapts; the same ones serve libp2p. */
export interface DspHttpServices {
  /** Which binding an address means: the dispatcher's judgement, so a callback is checked as it will be used. */
  readonly addressing: Pick<PeerAddressing, 'bindingOf'>
  /** The DSP `Catalog` as `caller` may see it. */
  catalog(caller: DspHttpCaller): Promise<unknown>
  /** One DSP `Dataset` as `caller` may see it; a `NotFoundError` for unknown and invisible alike. */
  dataset(caller: DspHttpCaller, id: string): Promise<unknown>
  readonly negotiations: DspNegotiations
  readonly transfers?: DspTransfers
}

/** One DSP request as a handler sees it: the caller, path parameters and the raw body. */
export interface DspRequest {
  readonly caller: DspHttpCaller
  readonly params: Readonly<Record<string, string>>
  readonly body: unknown
}

/** One DSP endpoint: method, path under the versioned base, area, success status, handler. */
export interface DspRoute {
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly area: DspArea
  /** 201 for requests that open a process, 200 otherwise (DSP §1.1). */
  readonly status: 200 | 201
  /** Catalog requests may address the token to this node's DSP URL (the DID is not known yet). */
  readonly allowUrlAudience?: boolean
  readonly handle: (request: DspRequest, services: DspHttpServices) => Promise<unknown>
}

/** Parses the body as one of `types` and checks that the pid it names for `side` is the one in the path. */
function messageFor<T extends DspMessageType>(
  request: DspRequest,
  types: readonly T[],
  pidName?: 'providerPid' | 'consumerPid',
): DspDocumentTypes[T] {
  const message = parseMessage(request.body, types)
  if (pidName !== undefined) {
    const inPath = request.params.pid ?? ''
    const inMessage = (message as { providerPid?: string; consumerPid?: string })[pidName]
    if (inMessage !== inPath) {
      throw new InvalidInputError(
        `the message's ${pidName} ${JSON.stringify(inMessage ?? null)} is not the process ${inPath} of the path`,
      )
    }
  }
  return message
}

/** Over HTTP the answers go to the callback: it must be an address the dispatcher reaches over HTTP (reference §1.1). */
function requireHttpCallback(services: DspHttpServices, callbackAddress: string): void {
  if (services.addressing.bindingOf(callbackAddress) !== 'http') {
    throw new InvalidInputError(
      `the callbackAddress ${JSON.stringify(callbackAddress)} is not an https:// URL this provider can answer at`,
    )
  }
  normalizeDspAddress(callbackAddress)
}

/** Our side of the negotiation `pid` names (404 when it is unknown or not the caller's). */
async function negotiationSide(
  request: DspRequest,
  services: DspHttpServices,
): Promise<{ role: NegotiationRole; ack: ContractNegotiation }> {
  const pid = request.params.pid ?? ''
  const ack = await services.negotiations.describe(pid, request.caller.did)
  return { role: ack.providerPid === pid ? 'provider' : 'consumer', ack }
}

/** A path that exists for one side only (`/request` at the provider, `/offers` at the consumer). */
async function requireSide(request: DspRequest, services: DspHttpServices, role: NegotiationRole) {
  const side = await negotiationSide(request, services)
  if (side.role !== role) throw new UnknownProcessError('negotiation', request.params.pid ?? '')
  return side
}

function pidOf(role: NegotiationRole): 'providerPid' | 'consumerPid' {
  return role === 'provider' ? 'providerPid' : 'consumerPid'
}

/**
 * `/events` and `/termination` serve both sides: the negotiation the pid names says which one. Who
 * may send which event is the domain's transition table's to judge, as over libp2p.
 */
async function sharedNegotiationMove(
  request: DspRequest,
  services: DspHttpServices,
  type: 'ContractNegotiationEventMessage' | 'ContractNegotiationTerminationMessage',
): Promise<ContractNegotiation> {
  const { role } = await negotiationSide(request, services)
  return services.negotiations.handle(messageFor(request, [type], pidOf(role)), request.caller.did)
}

const providerMove =
  <T extends DspMessageType>(type: T) =>
  async (request: DspRequest, services: DspHttpServices) => {
    await requireSide(request, services, 'provider')
    return services.negotiations.handle(messageFor(request, [type], 'providerPid'), request.caller.did)
  }

const consumerMove =
  <T extends DspMessageType>(type: T) =>
  async (request: DspRequest, services: DspHttpServices) => {
    await requireSide(request, services, 'consumer')
    return services.negotiations.handle(messageFor(request, [type], 'consumerPid'), request.caller.did)
  }

function transfers(services: DspHttpServices): DspTransfers {
  if (services.transfers === undefined) {
    throw new InvalidInputError('this connector runs no transfer processes over DSP HTTP')
  }
  return services.transfers
}

const transferMove =
  <T extends DspMessageType>(type: T) =>
  async (request: DspRequest, services: DspHttpServices) => {
    const pid = request.params.pid ?? ''
    const process = await transfers(services).describe(pid, request.caller.did)
    const side = process.providerPid === pid ? 'providerPid' : 'consumerPid'
    return transfers(services).handle(messageFor(request, [type], side), request.caller.did)
  }

/**
 * Every endpoint of the DSP 2025-1 HTTPS binding under the versioned base, both roles (reference
 * §1.2-§1.4). Each handler only parses and checks the message, calls the shared domain service
 * and returns its answer; the server validates answers and maps errors with `toDspError`.
 */
export const DSP_ROUTES: readonly DspRoute[] = [
  {
    method: 'POST',
    path: '/catalog/request',
    area: 'catalog',
    status: 200,
    allowUrlAudience: true,
    handle: async (request, services) => {
      const message = parseMessage(request.body, ['CatalogRequestMessage'])
      if (message.filter !== undefined && !(Array.isArray(message.filter) && message.filter.length === 0)) {
        throw new InvalidInputError('catalog filters are not supported; send the request without "filter"')
      }
      return validateMessage('Catalog', await services.catalog(request.caller))
    },
  },
  {
    method: 'GET',
    path: '/catalog/datasets/:id',
    area: 'catalog',
    status: 200,
    allowUrlAudience: true,
    handle: async (request, services) =>
      validateMessage('Dataset', await services.dataset(request.caller, request.params.id ?? '')),
  },
  // ---- negotiations, provider side --------------------------------------------------------------
  {
    method: 'POST',
    path: '/negotiations/request',
    area: 'negotiation',
    status: 201,
    handle: async (request, services) => {
      const message = parseMessage(request.body, ['ContractRequestMessage'])
      if (message.providerPid !== undefined || message.callbackAddress === undefined) {
        throw new InvalidInputError(
          'an initial ContractRequestMessage carries a callbackAddress and no providerPid; send a counter-request to /negotiations/:providerPid/request',
        )
      }
      requireHttpCallback(services, message.callbackAddress)
      return services.negotiations.handle(message, request.caller.did)
    },
  },
  {
    method: 'GET',
    path: '/negotiations/:pid',
    area: 'negotiation',
    status: 200,
    handle: (request, services) =>
      services.negotiations.describe(request.params.pid ?? '', request.caller.did),
  },
  {
    method: 'POST',
    path: '/negotiations/:pid/request',
    area: 'negotiation',
    status: 200,
    handle: providerMove('ContractRequestMessage'),
  },
  {
    method: 'POST',
    path: '/negotiations/:pid/events',
    area: 'negotiation',
    status: 200,
    handle: (request, services) =>
      sharedNegotiationMove(request, services, 'ContractNegotiationEventMessage'),
  },
  {
    method: 'POST',
    path: '/negotiations/:pid/agreement/verification',
    area: 'negotiation',
    status: 200,
    handle: providerMove('ContractAgreementVerificationMessage'),
  },
  {
    method: 'POST',
    path: '/negotiations/:pid/termination',
    area: 'negotiation',
    status: 200,
    handle: (request, services) =>
      sharedNegotiationMove(request, services, 'ContractNegotiationTerminationMessage'),
  },
  // ---- negotiations, consumer callbacks ---------------------------------------------------------
  {
    method: 'POST',
    path: '/negotiations/offers',
    area: 'negotiation',
    status: 201,
    handle: async (request) => {
      parseMessage(request.body, ['ContractOfferMessage'])
      throw new InvalidInputError(
        'this connector does not accept provider-initiated offers; it negotiates on offers from catalogs (send a ContractRequestMessage to the provider instead)',
      )
    },
  },
  {
    method: 'POST',
    path: '/negotiations/:pid/offers',
    area: 'negotiation',
    status: 200,
    handle: consumerMove('ContractOfferMessage'),
  },
  {
    method: 'POST',
    path: '/negotiations/:pid/agreement',
    area: 'negotiation',
    status: 200,
    handle: consumerMove('ContractAgreementMessage'),
  },
  // ---- transfers, both sides ---------------------------------------------------------------------
  {
    method: 'POST',
    path: '/transfers/request',
    area: 'transfer',
    status: 201,
    handle: async (request, services) => {
      const message = parseMessage(request.body, ['TransferRequestMessage'])
      requireHttpCallback(services, message.callbackAddress)
      // Whether a push's dataAddress can be delivered to is the transfer manager's to judge, as over libp2p.
      return transfers(services).handle(message, request.caller.did)
    },
  },
  {
    method: 'GET',
    path: '/transfers/:pid',
    area: 'transfer',
    status: 200,
    handle: (request, services) => transfers(services).describe(request.params.pid ?? '', request.caller.did),
  },
  {
    method: 'POST',
    path: '/transfers/:pid/start',
    area: 'transfer',
    status: 200,
    handle: transferMove('TransferStartMessage'),
  },
  {
    method: 'POST',
    path: '/transfers/:pid/completion',
    area: 'transfer',
    status: 200,
    handle: transferMove('TransferCompletionMessage'),
  },
  {
    method: 'POST',
    path: '/transfers/:pid/suspension',
    area: 'transfer',
    status: 200,
    handle: transferMove('TransferSuspensionMessage'),
  },
  {
    method: 'POST',
    path: '/transfers/:pid/termination',
    area: 'transfer',
    status: 200,
    handle: transferMove('TransferTerminationMessage'),
  },
]
