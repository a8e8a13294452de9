import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  type Catalog,
  type ContractAgreementMessage,
  type ContractNegotiationEventMessage,
  type ContractRequestMessage,
  createCatalog,
  createContractNegotiationEventMessage,
  createContractRequestMessage,
  createDataAddress,
  createTransferStartMessage,
  createVersionResponse,
  DSP_CONTEXT,
  DSP_SCHEMA_FILES,
  DSP_SPEC_DIR,
  dspValidator,
  InvalidMessageError,
  isDspMessageType,
  parseMessage,
  type TransferStartMessage,
  type VersionResponse,
  validateMessage,
} from '../../../src/protocol/index.js'

function example<T>(path: string): T {
  return JSON.parse(readFileSync(join(DSP_SPEC_DIR, path), 'utf8')) as T
}

/** Asserts `fn` throws an InvalidMessageError whose message contains every given phrase. */
function assertInvalid(fn: () => unknown, ...phrases: string[]): InvalidMessageError {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  assert.ok(caught instanceof InvalidMessageError, `expected InvalidMessageError, got ${String(caught)}`)
  assert.equal(caught.code, 'ALLMENDE_INVALID_MESSAGE')
  for (const phrase of phrases)
    assert.ok(caught.message.includes(phrase), `"${caught.message}" lacks "${phrase}"`)
  return caught
}

const request = example<ContractRequestMessage>('negotiation/example/contract-request-message.json')
const catalog = example<Catalog>('catalog/example/catalog.json')
const agreement = example<ContractAgreementMessage>('negotiation/example/contract-agreement-message.json')
const start = example<TransferStartMessage>('transfer/example/transfer-start-message.json')

describe('parseMessage(json)', () => {
  it('dispatches by @type and returns the same object typed', () => {
    const message = parseMessage(request)
    assert.equal(message, request)
    assert.equal(message['@type'], 'ContractRequestMessage')
  })

  it('refuses what is not a JSON object', () => {
    assertInvalid(() => parseMessage([]), 'must be a JSON object, got an array')
    assertInvalid(() => parseMessage(null), 'got null')
    assertInvalid(() => parseMessage('ContractRequestMessage'), 'got a string')
  })

  it('refuses a message without @type or with an unknown one', () => {
    const { '@type': _type, ...untyped } = request
    assertInvalid(() => parseMessage(untyped), 'has no @type')
    assertInvalid(
      () => parseMessage({ ...request, '@type': 'dspace:ContractRequestMessage' }),
      'unknown DSP message type',
    )
    assertInvalid(
      () => parseMessage({ ...request, '@type': 'DataAddress' }),
      'unknown DSP message type "DataAddress"',
    )
    assertInvalid(() => parseMessage({ ...request, '@type': 'constructor' }), 'unknown DSP message type')
    const huge = assertInvalid(
      () => parseMessage({ ...request, '@type': 'X'.repeat(10_000) }),
      '...; expected one of',
    )
    assert.ok(huge.message.length < 1000, 'a huge @type is not echoed back whole')
  })

  it('with an accept list refuses other types, even valid ones', () => {
    assert.equal(parseMessage(request, ['ContractRequestMessage']), request)
    assertInvalid(
      () => parseMessage(start, ['ContractRequestMessage', 'ContractOfferMessage']),
      'TransferStartMessage is not accepted here',
      'ContractRequestMessage, ContractOfferMessage',
    )
  })

  it('names a missing nested property by its path', () => {
    const bad = { ...request, offer: { ...request.offer, permission: [{ constraint: [] }] } }
    const error = assertInvalid(
      () => parseMessage(bad),
      "ContractRequestMessage is invalid: offer.permission[0] must have property 'action'",
    )
    assert.deepEqual(error.issues[0], {
      pointer: '/offer/permission/0',
      path: 'offer.permission[0]',
      problem: "must have property 'action'",
    })
  })

  it('explains the initial/follow-up rule of ContractRequestMessage', () => {
    const { providerPid: _pid, ...neither } = request
    assertInvalid(
      () => parseMessage(neither),
      "the message must have exactly one of 'callbackAddress', 'providerPid'",
    )
    assertInvalid(
      () => parseMessage({ ...request, callbackAddress: 'https://consumer.example/cb' }),
      "must have only one of 'callbackAddress', 'providerPid', not several",
    )
  })

  it('requires the DSP 2025-1 context in @context', () => {
    assertInvalid(
      () => parseMessage({ ...request, '@context': ['https://w3id.org/dspace/2024/1/context.json'] }),
      `@context must contain "${DSP_CONTEXT}"`,
    )
    assertInvalid(() => parseMessage({ ...request, '@context': DSP_CONTEXT }), '@context must be array')
    const { '@context': _context, ...bare } = request
    assertInvalid(() => parseMessage(bare), "the message must have property '@context'")
  })

  it('refuses a dataset offer with a target, and a distribution without format', () => {
    const dataset = catalog.dataset![0]!
    const withTarget = {
      ...catalog,
      dataset: [{ ...dataset, hasPolicy: [{ ...dataset.hasPolicy[0]!, target: 'x' }] }],
    }
    assertInvalid(() => parseMessage(withTarget), "dataset[0].hasPolicy[0] must not have property 'target'")
    const noFormat = { ...catalog, dataset: [{ ...dataset, distribution: [{ accessService: 'urn:x' }] }] }
    assertInvalid(() => parseMessage(noFormat), "dataset[0].distribution[0] must have property 'format'")
    const { participantId: _p, ...anonymous } = catalog
    assertInvalid(() => parseMessage(anonymous), "the message must have property 'participantId'")
  })

  it('names allowed values of enums and readable dateTime rules', () => {
    const event = example<ContractNegotiationEventMessage>(
      'negotiation/example/contract-negotiation-event-message.json',
    )
    assertInvalid(
      () => parseMessage({ ...event, eventType: 'DONE' }),
      'eventType must be one of "ACCEPTED", "FINALIZED"',
    )
    assertInvalid(
      () => parseMessage({ ...agreement, agreement: { ...agreement.agreement, timestamp: 'yesterday' } }),
      'agreement.timestamp must be an xsd:dateTime',
    )
    assertInvalid(
      () =>
        parseMessage({
          ...agreement,
          agreement: {
            ...agreement.agreement,
            permission: [
              { action: 'use', constraint: [{ leftOperand: 'a', operator: 'eq', rightOperand: 1 }] },
            ],
          },
        }),
      'agreement.permission[0].constraint[0].rightOperand must be string, object or array',
    )
  })

  it('counts issues beyond the first three', () => {
    const bad = { '@context': [DSP_CONTEXT], '@type': 'ContractAgreementMessage', agreement: {} }
    const error = assertInvalid(() => parseMessage(bad), 'ContractAgreementMessage is invalid:', 'more)')
    assert.ok(error.issues.length > 3)
  })
})

describe('validateMessage(type, value)', () => {
  it('checks documents without @type: version metadata and data addresses', () => {
    const versions = example<VersionResponse>('common/example/protocol-version.json')
    assert.equal(validateMessage('VersionResponse', versions), versions)
    assertInvalid(
      () =>
        validateMessage('VersionResponse', {
          protocolVersions: [{ version: '2025-1', path: '/dsp', binding: 'LIBP2P' }],
        }),
      'protocolVersions[0].binding must be one of "HTTPS"',
    )
    assertInvalid(
      () => validateMessage('DataAddress', { '@type': 'DataAddress' }),
      "must have property 'endpointType'",
    )
  })

  it('isDspMessageType knows exactly the dispatched types', () => {
    assert.equal(isDspMessageType('TransferProcess'), true)
    assert.equal(isDspMessageType('VersionResponse'), false)
    assert.equal(isDspMessageType('toString'), false)
    assert.equal(isDspMessageType(42), false)
  })
})

describe('dspValidator()', () => {
  it('has a validator compiled at build time for every schema', () => {
    const names = Object.keys(DSP_SCHEMA_FILES) as (keyof typeof DSP_SCHEMA_FILES)[]
    assert.equal(names.length, 23)
    for (const name of names) assert.equal(typeof dspValidator(name), 'function', name)
    assert.equal(dspValidator('Catalog')({}), false)
  })
})

describe('builders', () => {
  it('write @context and @type and drop undefined fields', () => {
    const message = createContractRequestMessage({
      consumerPid: 'urn:uuid:c1',
      providerPid: undefined,
      callbackAddress: 'https://consumer.example/callback',
      offer: {
        '@type': 'Offer',
        '@id': 'urn:offer:1',
        target: 'urn:dataset:1',
        permission: [{ action: 'use' }],
      },
    })
    assert.deepEqual(message, {
      '@context': [DSP_CONTEXT],
      '@type': 'ContractRequestMessage',
      consumerPid: 'urn:uuid:c1',
      callbackAddress: 'https://consumer.example/callback',
      offer: {
        '@type': 'Offer',
        '@id': 'urn:offer:1',
        target: 'urn:dataset:1',
        permission: [{ action: 'use' }],
      },
    })
    assert.equal(Object.hasOwn(message, 'providerPid'), false)
  })

  it('refuse fields that make an invalid message', () => {
    assertInvalid(
      () =>
        createContractNegotiationEventMessage({
          providerPid: 'p',
          consumerPid: 'c',
          eventType: 'DONE' as 'ACCEPTED',
        }),
      'eventType must be one of',
    )
    assertInvalid(
      () => createCatalog({ '@id': 'urn:catalog', participantId: 'did:key:z6Mk', dataset: [] }),
      'dataset must NOT have fewer than 1 items',
    )
  })

  it('ignore a caller-supplied @type or @context', () => {
    const message = createTransferStartMessage({
      providerPid: 'p',
      consumerPid: 'c',
      dataAddress: createDataAddress({
        endpointType: 'https://w3id.org/idsa/v4.1/HTTP',
        endpoint: 'https://provider.example/data',
      }),
      ...({ '@type': 'TransferError', '@context': ['x'] } as object),
    })
    assert.equal(message['@type'], 'TransferStartMessage')
    assert.deepEqual(message['@context'], [DSP_CONTEXT])
    assert.equal(message.dataAddress?.['@type'], 'DataAddress')
  })

  it('give each message its own @context array', () => {
    const a = createVersionResponse([{ version: '2025-1', path: '/dsp/2025-1', binding: 'HTTPS' }])
    assert.deepEqual(a, { protocolVersions: [{ version: '2025-1', path: '/dsp/2025-1', binding: 'HTTPS' }] })
    const one = createContractNegotiationEventMessage({
      providerPid: 'p',
      consumerPid: 'c',
      eventType: 'ACCEPTED',
    })
    const two = createContractNegotiationEventMessage({
      providerPid: 'p',
      consumerPid: 'c',
      eventType: 'ACCEPTED',
    })
    assert.notEqual(one['@context'], two['@context'])
  })
})
