import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  allowedNegotiationMoves,
  isTerminalNegotiationState,
  NEGOTIATION_MOVES,
  NEGOTIATION_STATES,
  NEGOTIATION_TRANSITIONS,
  type NegotiationFrom,
  type NegotiationMove,
  type NegotiationRole,
  type NegotiationState,
  negotiationMoveOf,
  transitionNegotiation,
} from '../../../src/contract/index.js'
import {
  createContractAgreementVerificationMessage,
  createContractNegotiationEventMessage,
  IllegalTransitionError,
} from '../../../src/protocol/index.js'

type Row = readonly [NegotiationFrom, NegotiationMove, NegotiationRole, NegotiationState]

// The DSP 2025-1 state table (reference §1.3), written out edge by edge, independent of the
// implementation's table: from, message (event type for events), sender, resulting state.
const LEGAL: readonly Row[] = [
  ['INITIAL', 'ContractRequestMessage', 'consumer', 'REQUESTED'],
  ['INITIAL', 'ContractOfferMessage', 'provider', 'OFFERED'],
  ['REQUESTED', 'ContractOfferMessage', 'provider', 'OFFERED'],
  ['REQUESTED', 'ContractAgreementMessage', 'provider', 'AGREED'],
  ['REQUESTED', 'ContractNegotiationTerminationMessage', 'consumer', 'TERMINATED'],
  ['REQUESTED', 'ContractNegotiationTerminationMessage', 'provider', 'TERMINATED'],
  ['OFFERED', 'ContractRequestMessage', 'consumer', 'REQUESTED'],
  ['OFFERED', 'ACCEPTED', 'consumer', 'ACCEPTED'],
  ['OFFERED', 'ContractNegotiationTerminationMessage', 'consumer', 'TERMINATED'],
  ['OFFERED', 'ContractNegotiationTerminationMessage', 'provider', 'TERMINATED'],
  ['ACCEPTED', 'ContractAgreementMessage', 'provider', 'AGREED'],
  ['ACCEPTED', 'ContractNegotiationTerminationMessage', 'provider', 'TERMINATED'],
  ['AGREED', 'ContractAgreementVerificationMessage', 'consumer', 'VERIFIED'],
  ['AGREED', 'ContractNegotiationTerminationMessage', 'consumer', 'TERMINATED'],
  ['VERIFIED', 'FINALIZED', 'provider', 'FINALIZED'],
  ['VERIFIED', 'ContractNegotiationTerminationMessage', 'provider', 'TERMINATED'],
]

// A redelivered message that leads to the state the negotiation is already in, from a sender
// that can send it: recognised as a repeat, not as a new move.
const REPEATS: readonly Row[] = [
  ['REQUESTED', 'ContractRequestMessage', 'consumer', 'REQUESTED'],
  ['OFFERED', 'ContractOfferMessage', 'provider', 'OFFERED'],
  ['ACCEPTED', 'ACCEPTED', 'consumer', 'ACCEPTED'],
  ['AGREED', 'ContractAgreementMessage', 'provider', 'AGREED'],
  ['VERIFIED', 'ContractAgreementVerificationMessage', 'consumer', 'VERIFIED'],
  ['FINALIZED', 'FINALIZED', 'provider', 'FINALIZED'],
  ['TERMINATED', 'ContractNegotiationTerminationMessage', 'consumer', 'TERMINATED'],
  ['TERMINATED', 'ContractNegotiationTerminationMessage', 'provider', 'TERMINATED'],
]

const FROM: readonly NegotiationFrom[] = ['INITIAL', ...NEGOTIATION_STATES]
const MOVES: readonly NegotiationMove[] = [
  'ContractRequestMessage',
  'ContractOfferMessage',
  'ACCEPTED',
  'ContractAgreementMessage',
  'ContractAgreementVerificationMessage',
  'FINALIZED',
  'ContractNegotiationTerminationMessage',
]
const SENDERS: readonly NegotiationRole[] = ['consumer', 'provider']

function find(rows: readonly Row[], from: NegotiationFrom, move: NegotiationMove, sender: NegotiationRole) {
  return rows.find((row) => row[0] === from && row[1] === move && row[2] === sender)
}

describe('transitionNegotiation(current, message, sender)', () => {
  it('knows the seven states and seven moves of DSP 2025-1', () => {
    assert.deepEqual(
      [...NEGOTIATION_STATES],
      ['REQUESTED', 'OFFERED', 'ACCEPTED', 'AGREED', 'VERIFIED', 'FINALIZED', 'TERMINATED'],
    )
    assert.deepEqual([...NEGOTIATION_MOVES], MOVES)
  })

  let walked = 0
  for (const from of FROM) {
    for (const move of MOVES) {
      for (const sender of SENDERS) {
        walked++
        const legal = find(LEGAL, from, move, sender)
        const repeat = find(REPEATS, from, move, sender)
        if (legal !== undefined) {
          it(`${from} + ${move} from ${sender} → ${legal[3]}`, () => {
            assert.deepEqual(transitionNegotiation(from, move, sender), {
              ok: true,
              from,
              state: legal[3],
              repeat: false,
            })
          })
        } else if (repeat !== undefined) {
          it(`${from} + ${move} from ${sender} is a repeat`, () => {
            assert.deepEqual(transitionNegotiation(from, move, sender), {
              ok: true,
              from,
              state: from,
              repeat: true,
            })
          })
        } else {
          it(`${from} + ${move} from ${sender} is illegal, state unchanged`, () => {
            const result = transitionNegotiation(from, move, sender)
            assert.equal(result.ok, false)
            assert.equal(result.state, from)
            if (result.ok) return
            assert.ok(result.error instanceof IllegalTransitionError)
            assert.equal(result.error.code, 'ALLMENDE_ILLEGAL_TRANSITION')
            assert.equal(result.error.process, 'negotiation')
            assert.equal(result.error.from, from)
            assert.equal(result.error.move, move)
            assert.equal(result.error.sender, sender)
            assert.ok(result.error.message.startsWith(`${move} from the ${sender} is not allowed`))
          })
        }
      }
    }
  }

  it('walked every state × move × sender', () => {
    assert.equal(walked, 8 * 7 * 2)
  })

  it('treats no state as INITIAL', () => {
    assert.deepEqual(transitionNegotiation(undefined, 'ContractRequestMessage', 'consumer'), {
      ok: true,
      from: 'INITIAL',
      state: 'REQUESTED',
      repeat: false,
    })
  })

  it('reads the move from a message, the event type from an event message', () => {
    const accepted = createContractNegotiationEventMessage({
      providerPid: 'p',
      consumerPid: 'c',
      eventType: 'ACCEPTED',
    })
    const finalized = createContractNegotiationEventMessage({
      providerPid: 'p',
      consumerPid: 'c',
      eventType: 'FINALIZED',
    })
    const verification = createContractAgreementVerificationMessage({ providerPid: 'p', consumerPid: 'c' })
    assert.equal(negotiationMoveOf(accepted), 'ACCEPTED')
    assert.equal(negotiationMoveOf(verification), 'ContractAgreementVerificationMessage')
    assert.equal(transitionNegotiation('OFFERED', accepted, 'consumer').state, 'ACCEPTED')
    assert.equal(transitionNegotiation('VERIFIED', finalized, 'provider').state, 'FINALIZED')
    // DSP: ACCEPTED comes from the consumer, FINALIZED from the provider; the reverse is an error.
    assert.equal(transitionNegotiation('OFFERED', accepted, 'provider').ok, false)
    assert.equal(transitionNegotiation('VERIFIED', finalized, 'consumer').ok, false)
  })

  it('throws only for a programming error: something that is not a move', () => {
    assert.throws(
      () => transitionNegotiation('REQUESTED', 'ContractNegotiation' as NegotiationMove, 'provider'),
      TypeError,
    )
  })

  it('names the legal alternatives in the error', () => {
    const result = transitionNegotiation('OFFERED', 'ContractAgreementVerificationMessage', 'consumer')
    assert.equal(result.ok, false)
    if (!result.ok) {
      assert.match(
        result.error.message,
        /in a contract negotiation that is OFFERED; the consumer may send here: ContractRequestMessage, ACCEPTED, ContractNegotiationTerminationMessage$/,
      )
    }
  })
})

describe('NEGOTIATION_TRANSITIONS', () => {
  it('holds exactly the legal edges, per sender', () => {
    for (const sender of SENDERS) {
      for (const from of FROM) {
        const expected = LEGAL.filter((row) => row[0] === from && row[2] === sender).map((row) => row[3])
        assert.deepEqual(
          [...NEGOTIATION_TRANSITIONS[sender][from]].sort(),
          expected.sort(),
          `${sender} ${from}`,
        )
        assert.deepEqual(
          allowedNegotiationMoves(from, sender),
          MOVES.filter((move) => find(LEGAL, from, move, sender)),
        )
      }
    }
  })

  it('leaves FINALIZED and TERMINATED for nothing', () => {
    for (const state of FROM) {
      const terminal = state === 'FINALIZED' || state === 'TERMINATED'
      assert.equal(isTerminalNegotiationState(state), terminal)
      if (terminal) for (const sender of SENDERS) assert.deepEqual(NEGOTIATION_TRANSITIONS[sender][state], [])
    }
  })
})

describe('DSP TCK negotiation sequences', () => {
  type Step = readonly [NegotiationMove, NegotiationRole]
  function run(steps: readonly Step[]): NegotiationFrom {
    let state: NegotiationFrom = 'INITIAL'
    for (const [move, sender] of steps) {
      const result = transitionNegotiation(state, move, sender)
      assert.ok(result.ok, `${move} from ${sender} in ${state}`)
      state = result.state
    }
    return state
  }
  const C = 'consumer'
  const P = 'provider'
  const req: Step = ['ContractRequestMessage', C]
  const off: Step = ['ContractOfferMessage', P]
  const acc: Step = ['ACCEPTED', C]
  const agr: Step = ['ContractAgreementMessage', P]
  const ver: Step = ['ContractAgreementVerificationMessage', C]
  const fin: Step = ['FINALIZED', P]
  const cTerm: Step = ['ContractNegotiationTerminationMessage', C]
  const pTerm: Step = ['ContractNegotiationTerminationMessage', P]

  const sequences: [string, readonly Step[], NegotiationState][] = [
    ['CN 01-01 req, off, C term', [req, off, cTerm], 'TERMINATED'],
    ['CN 01-02 req, off, C counter, P term', [req, off, req, pTerm], 'TERMINATED'],
    ['CN 01-03 req, off, acc, agr, ver, fin', [req, off, acc, agr, ver, fin], 'FINALIZED'],
    ['CN 01-04 req, agr, ver, fin', [req, agr, ver, fin], 'FINALIZED'],
    ['CN 02-01 req, P term', [req, pTerm], 'TERMINATED'],
    ['CN 02-02 req, C term', [req, cTerm], 'TERMINATED'],
    ['CN 02-03 req, agr, C term', [req, agr, cTerm], 'TERMINATED'],
    ['CN 02-05 req, off, P term', [req, off, pTerm], 'TERMINATED'],
    ['CN 02-06 req, off, acc, P term', [req, off, acc, pTerm], 'TERMINATED'],
    ['CN 02-07 req, agr, ver, P term', [req, agr, ver, pTerm], 'TERMINATED'],
    ['CN 03-04 counter twice, P term', [req, off, req, off, req, pTerm], 'TERMINATED'],
    ['CN_C 01-01 off, acc, agr, ver, fin', [off, acc, agr, ver, fin], 'FINALIZED'],
  ]
  for (const [name, steps, end] of sequences) {
    it(name, () => assert.equal(run(steps), end))
  }

  const rejected: [string, readonly Step[], Step][] = [
    ['CN 03-01 term after FINALIZED', [req, agr, ver, fin], cTerm],
    ['CN 03-02 ver while OFFERED', [req, off], ver],
    ['CN 03-03 ver while ACCEPTED', [req, off, acc], ver],
    ['CN_C 03-01 FINALIZED after req', [req], fin],
    ['CN_C 03-02 AGREED while OFFERED', [off], agr],
    ['CN_C 03-03 FINALIZED while OFFERED', [off], fin],
    ['CN_C 03-04 FINALIZED while ACCEPTED', [off, acc], fin],
    ['CN_C 03-05 offer after ACCEPTED', [off, acc], off],
    ['CN_C 03-06 FINALIZED out of sequence after agr', [req, agr], fin],
  ]
  for (const [name, before, [move, sender]] of rejected) {
    it(`${name} is rejected`, () => {
      const state = run(before)
      const result = transitionNegotiation(state, move, sender)
      assert.equal(result.ok, false)
      assert.equal(result.state, state)
    })
  }
})
