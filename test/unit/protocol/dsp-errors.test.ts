import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  AllmendeError,
  DSP_ERROR_TYPES,
  ERROR_TABLE,
  IllegalTransitionError,
  InvalidFrameError,
  InvalidInputError,
  InvalidMessageError,
  MessageTooLargeError,
  NotAuthenticatedError,
  NotFoundError,
  parseMessage,
  toDspError,
  UnknownProcessError,
} from '../../../src/protocol/index.js'

const pids = { providerPid: 'urn:uuid:p1', consumerPid: 'urn:uuid:c1' }

describe('toDspError(error, area, pids)', () => {
  const cases: [AllmendeError, number][] = [
    [new InvalidMessageError('ContractRequestMessage is invalid: offer must have property @id'), 400],
    [new InvalidInputError('bad'), 400],
    [new InvalidFrameError('stream ended inside a frame'), 400],
    [
      new IllegalTransitionError({
        process: 'negotiation',
        from: 'OFFERED',
        move: 'ContractAgreementVerificationMessage',
        sender: 'consumer',
        allowed: ['ContractRequestMessage'],
      }),
      400,
    ],
    [new NotAuthenticatedError('no Authorization header'), 401],
    [new NotFoundError('no dataset urn:x'), 404],
    [new UnknownProcessError('transfer', 'urn:uuid:p9'), 404],
    [new MessageTooLargeError(2_000_000, 1_048_576), 413],
  ]

  for (const [error, status] of cases) {
    it(`${error.code} → ${status} with a schema-valid body in every area`, () => {
      assert.equal(ERROR_TABLE[error.code]?.status, status)
      for (const area of ['catalog', 'negotiation', 'transfer'] as const) {
        const response = toDspError(error, area, pids)
        assert.equal(response.status, status)
        assert.equal(response.body['@type'], DSP_ERROR_TYPES[area])
        assert.equal(response.body.code, error.code)
        assert.deepEqual(response.body.reason, [error.message])
        assert.equal(parseMessage(response.body), response.body, 'validates against the DSP schema')
        if (area !== 'catalog') assert.equal(response.body.providerPid, pids.providerPid)
      }
    })
  }

  it('withholds server faults: 500, generic reason, ALLMENDE_INTERNAL', () => {
    const secret = new Error('ENOENT /var/lib/allmende/secret.key')
    const unexposed = new AllmendeError('ALLMENDE_KEY_FILE', 'key file /etc/x unreadable', { expose: false })
    const unmapped = new AllmendeError('ALLMENDE_SOMETHING_NEW', 'client fault without a table row')
    for (const error of [secret, unexposed, unmapped, 'a string']) {
      const { status, body } = toDspError(error, 'transfer', pids)
      assert.equal(status, 500)
      assert.equal(body.code, 'ALLMENDE_INTERNAL')
      assert.doesNotMatch(JSON.stringify(body), /secret|\/etc|table row/)
      assert.equal(parseMessage(body), body)
    }
  })

  it('fills unknown pids with empty strings so the body stays schema-valid', () => {
    const { body } = toDspError(new InvalidMessageError('x'), 'negotiation', { consumerPid: 'urn:uuid:c1' })
    assert.equal(body.providerPid, '')
    assert.equal(parseMessage(body), body)
  })
})

describe('IllegalTransitionError', () => {
  it('says what was attempted, where, and what the sender may do instead', () => {
    const error = new IllegalTransitionError({
      process: 'transfer',
      from: 'SUSPENDED',
      move: 'TransferCompletionMessage',
      sender: 'provider',
      allowed: ['TransferStartMessage', 'TransferTerminationMessage'],
    })
    assert.equal(error.code, 'ALLMENDE_ILLEGAL_TRANSITION')
    assert.equal(error.name, 'IllegalTransitionError')
    assert.equal(
      error.message,
      'TransferCompletionMessage from the provider is not allowed in a transfer process that is SUSPENDED; ' +
        'the provider may send here: TransferStartMessage, TransferTerminationMessage',
    )
  })

  it('words the initial and terminal cases', () => {
    const opening = new IllegalTransitionError({
      process: 'transfer',
      from: 'INITIAL',
      move: 'TransferRequestMessage',
      sender: 'provider',
      allowed: [],
    })
    assert.match(
      opening.message,
      /not allowed to open a transfer process; the provider may send nothing to open it/,
    )
    const ended = new IllegalTransitionError({
      process: 'negotiation',
      from: 'FINALIZED',
      move: 'ContractNegotiationTerminationMessage',
      sender: 'consumer',
      allowed: [],
    })
    assert.match(
      ended.message,
      /contract negotiation that is FINALIZED; the consumer may send nothing in this state/,
    )
  })
})
