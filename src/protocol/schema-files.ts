import { existsSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Base IRI of the DSP 2025-1 schemas; each schema's `$id` is this plus its path under spec/dsp-2025-1. */
export const DSP_SCHEMA_BASE = 'https://w3id.org/dspace/2025/1/'

/**
 * Every DSP 2025-1 document Allmende validates, by name, with its schema file. The names are the
 * `@type` of the message where it has one; `VersionResponse` is the body of
 * `/.well-known/dspace-version`, `DidService` a DID document `service` entry, `DataAddress` the
 * data plane address inside transfer messages.
 */
export const DSP_SCHEMA_FILES = {
  CatalogRequestMessage: 'catalog/catalog-request-message-schema.json',
  DatasetRequestMessage: 'catalog/dataset-request-message-schema.json',
  Catalog: 'catalog/catalog-schema.json',
  Dataset: 'catalog/dataset-schema.json',
  CatalogError: 'catalog/catalog-error-schema.json',
  ContractRequestMessage: 'negotiation/contract-request-message-schema.json',
  ContractOfferMessage: 'negotiation/contract-offer-message-schema.json',
  ContractAgreementMessage: 'negotiation/contract-agreement-message-schema.json',
  ContractAgreementVerificationMessage: 'negotiation/contract-agreement-verification-message-schema.json',
  ContractNegotiationEventMessage: 'negotiation/contract-negotiation-event-message-schema.json',
  ContractNegotiationTerminationMessage: 'negotiation/contract-negotiation-termination-message-schema.json',
  ContractNegotiation: 'negotiation/contract-negotiation-schema.json',
  ContractNegotiationError: 'negotiation/contract-negotiation-error-schema.json',
  TransferRequestMessage: 'transfer/transfer-request-message-schema.json',
  TransferStartMessage: 'transfer/transfer-start-message-schema.json',
  TransferSuspensionMessage: 'transfer/transfer-suspension-message-schema.json',
  TransferCompletionMessage: 'transfer/transfer-completion-message-schema.json',
  TransferTerminationMessage: 'transfer/transfer-termination-message-schema.json',
  TransferProcess: 'transfer/transfer-process-schema.json',
  TransferError: 'transfer/transfer-error-schema.json',
  DataAddress: 'transfer/data-address-schema.json',
  VersionResponse: 'common/protocol-version-schema.json',
  DidService: 'common/did-service-schema.json',
} as const

/** A name of {@link DSP_SCHEMA_FILES}. */
export type DspSchemaName = keyof typeof DSP_SCHEMA_FILES

/**
 * The repository root: the nearest directory above `from` that holds package.json. Works from
 * `src/…` (tsx) and from `dist/src/…` (compiled) alike.
 */
export function findRepoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${from}; the DSP schemas cannot be found`)
    dir = parent
  }
}

/** Directory of the bundled DSP 2025-1 artifacts (schemas, examples, contexts). */
export const DSP_SPEC_DIR = join(findRepoRoot(), 'spec', 'dsp-2025-1')

// Fail when the module loads, not at the first message, if the artifacts are not where they belong.
if (!existsSync(join(DSP_SPEC_DIR, 'negotiation', 'contract-schema.json'))) {
  throw new Error(`the DSP 2025-1 schemas are missing from ${DSP_SPEC_DIR}`)
}

/** Every schema file under `dir` (examples and contexts left out). */
export function schemaFiles(dir: string = DSP_SPEC_DIR): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'example' && entry.name !== 'context') out.push(...schemaFiles(path))
    } else if (entry.name.endsWith('-schema.json')) {
      out.push(path)
    }
  }
  return out
}
