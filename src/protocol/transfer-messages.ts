import { buildMessage } from './build-message.js'
import type { DspContext } from './context.js'
import type { MessageFields } from './negotiation-messages.js'

/** A name/value pair of a data address; well-known names are `authorization` and `authType`. */
export interface EndpointProperty {
  '@type': 'EndpointProperty'
  name: string
  value: string
}

/** Where and how to fetch (pull) or deliver (push) the data. */
export interface DataAddress {
  '@type': 'DataAddress'
  /** e.g. `https://w3id.org/idsa/v4.1/HTTP`. */
  endpointType: string
  endpoint?: string
  endpointProperties?: EndpointProperty[]
}

/** The states of a transfer process, as the `state` of a `TransferProcess` ACK names them. */
export const TRANSFER_STATES = ['REQUESTED', 'STARTED', 'SUSPENDED', 'COMPLETED', 'TERMINATED'] as const

/** One of {@link TRANSFER_STATES}. */
export type TransferState = (typeof TRANSFER_STATES)[number]

/** Consumer asks for a transfer under an agreement; `dataAddress` only for push. */
export interface TransferRequestMessage {
  '@context': DspContext
  '@type': 'TransferRequestMessage'
  consumerPid: string
  agreementId: string
  /** A `format` of one of the dataset's distributions. */
  format: string
  callbackAddress: string
  dataAddress?: DataAddress
}

/** Starts (or resumes) a transfer; from the provider it MUST carry a `dataAddress` for pull. */
export interface TransferStartMessage {
  '@context': DspContext
  '@type': 'TransferStartMessage'
  providerPid: string
  consumerPid: string
  dataAddress?: DataAddress
}

/** Either side pauses a started transfer. */
export interface TransferSuspensionMessage {
  '@context': DspContext
  '@type': 'TransferSuspensionMessage'
  providerPid: string
  consumerPid: string
  code?: string
  reason?: unknown[]
}

/** Either side reports the transfer done. */
export interface TransferCompletionMessage {
  '@context': DspContext
  '@type': 'TransferCompletionMessage'
  providerPid: string
  consumerPid: string
}

/** Either side ends the transfer. */
export interface TransferTerminationMessage {
  '@context': DspContext
  '@type': 'TransferTerminationMessage'
  providerPid: string
  consumerPid: string
  code?: string
  reason?: unknown[]
}

/** The ACK of every transfer message, and the answer to a state query. */
export interface TransferProcess {
  '@context': DspContext
  '@type': 'TransferProcess'
  providerPid: string
  consumerPid: string
  state: TransferState
}

/** The error answer of the transfer protocol. */
export interface TransferError {
  '@context': DspContext
  '@type': 'TransferError'
  providerPid: string
  consumerPid: string
  code?: string
  reason?: unknown[]
}

/** Every message of the transfer process protocol. */
export type TransferMessage =
  | TransferRequestMessage
  | TransferStartMessage
  | TransferSuspensionMessage
  | TransferCompletionMessage
  | TransferTerminationMessage
  | TransferProcess
  | TransferError

/** Builds a valid `TransferRequestMessage`. */
export function createTransferRequestMessage(
  fields: MessageFields<TransferRequestMessage>,
): TransferRequestMessage {
  return buildMessage('TransferRequestMessage', fields)
}

/** Builds a valid `TransferStartMessage`. */
export function createTransferStartMessage(
  fields: MessageFields<TransferStartMessage>,
): TransferStartMessage {
  return buildMessage('TransferStartMessage', fields)
}

/** Builds a valid `TransferSuspensionMessage`. */
export function createTransferSuspensionMessage(
  fields: MessageFields<TransferSuspensionMessage>,
): TransferSuspensionMessage {
  return buildMessage('TransferSuspensionMessage', fields)
}

/** Builds a valid `TransferCompletionMessage`. */
export function createTransferCompletionMessage(
  fields: MessageFields<TransferCompletionMessage>,
): TransferCompletionMessage {
  return buildMessage('TransferCompletionMessage', fields)
}

/** Builds a valid `TransferTerminationMessage`. */
export function createTransferTerminationMessage(
  fields: MessageFields<TransferTerminationMessage>,
): TransferTerminationMessage {
  return buildMessage('TransferTerminationMessage', fields)
}

/** Builds a valid `TransferProcess` ACK. */
export function createTransferProcess(fields: MessageFields<TransferProcess>): TransferProcess {
  return buildMessage('TransferProcess', fields)
}

/** Builds a valid `TransferError`. */
export function createTransferError(fields: MessageFields<TransferError>): TransferError {
  return buildMessage('TransferError', fields)
}

/**
 * Builds a valid `DataAddress` (it has no `@context`: it travels inside transfer messages).
 *
 * @example
 * ```ts
 * createDataAddress({ endpointType: 'https://w3id.org/idsa/v4.1/HTTP', endpoint: url, endpointProperties: [
 *   { '@type': 'EndpointProperty', name: 'authorization', value: token },
 *   { '@type': 'EndpointProperty', name: 'authType', value: 'bearer' } ] })
 * ```
 */
export function createDataAddress(fields: Omit<DataAddress, '@type'>): DataAddress {
  return buildMessage('DataAddress', fields, { context: false })
}
