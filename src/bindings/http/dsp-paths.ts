import { DSP_VERSION, InvalidInputError } from '../../protocol/index.js'
import { InvalidDspAddressError } from './errors.js'

/** Where the versioned DSP base lives under the root (`<root>/dsp/2025-1`). */
export const DSP_BASE_PATH = `/dsp/${DSP_VERSION}`

/** Which party receives a message: picks the path under its address (DSP 2025-1 HTTPS binding). */
export type DspRecipient = 'provider' | 'consumer'

/** The fields of a message that pick its path. */
export interface RoutableMessage {
  readonly '@type': string
  readonly providerPid?: string
  readonly consumerPid?: string
}

const TRANSFER_PATHS: Readonly<Record<string, string>> = {
  TransferStartMessage: 'start',
  TransferCompletionMessage: 'completion',
  TransferSuspensionMessage: 'suspension',
  TransferTerminationMessage: 'termination',
}

const pid = (value: string | undefined, name: string, type: string): string => {
  if (value === undefined || value === '') throw new InvalidInputError(`${type} needs a ${name} to be routed`)
  return encodeURIComponent(value)
}

/**
 * The path (below the recipient's DSP base or `callbackAddress`) a message is posted to, as the
 * DSP 2025-1 HTTPS binding lists them: to the provider under `providerPid`, to the consumer under
 * `consumerPid`; initial messages to `/negotiations/request`, `/negotiations/offers`,
 * `/transfers/request`.
 *
 * @example
 * ```ts
 * dspMessagePath(agreementMessage, 'consumer') // '/negotiations/urn%3Auuid%3A…/agreement'
 * ```
 */
export function dspMessagePath(message: RoutableMessage, recipient: DspRecipient): string {
  const type = message['@type']
  const own = recipient === 'provider' ? message.providerPid : message.consumerPid
  const ownName = recipient === 'provider' ? 'providerPid' : 'consumerPid'
  if (recipient === 'provider') {
    switch (type) {
      case 'CatalogRequestMessage':
        return '/catalog/request'
      case 'ContractRequestMessage':
        return message.providerPid === undefined
          ? '/negotiations/request'
          : `/negotiations/${pid(own, ownName, type)}/request`
      case 'ContractAgreementVerificationMessage':
        return `/negotiations/${pid(own, ownName, type)}/agreement/verification`
      case 'TransferRequestMessage':
        return '/transfers/request'
    }
  } else {
    switch (type) {
      case 'ContractOfferMessage':
        return message.consumerPid === undefined
          ? '/negotiations/offers'
          : `/negotiations/${pid(own, ownName, type)}/offers`
      case 'ContractAgreementMessage':
        return `/negotiations/${pid(own, ownName, type)}/agreement`
    }
  }
  if (type === 'ContractNegotiationEventMessage') return `/negotiations/${pid(own, ownName, type)}/events`
  if (type === 'ContractNegotiationTerminationMessage')
    return `/negotiations/${pid(own, ownName, type)}/termination`
  const transfer = TRANSFER_PATHS[type]
  if (transfer !== undefined) return `/transfers/${pid(own, ownName, type)}/${transfer}`
  throw new InvalidInputError(`${type} is not a message a ${recipient} receives over DSP HTTP`)
}

/** A DSP base or callback address without trailing slashes (DSP §1.1: tolerate a trailing `/`). */
export function normalizeDspAddress(address: string): string {
  let url: URL
  try {
    url = new URL(address)
  } catch {
    throw new InvalidDspAddressError(address)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidDspAddressError(address)
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

/** `address` + `path`, tolerating a trailing `/` on the address. */
export function joinDspUrl(address: string, path: string): string {
  return `${normalizeDspAddress(address)}${path}`
}
