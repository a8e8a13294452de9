import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  createTransferStartMessage,
  createTransferSuspensionMessage,
  IllegalTransitionError,
} from '../../../src/protocol/index.js'
import {
  allowedTransferMoves,
  isTerminalTransferState,
  TRANSFER_MOVES,
  TRANSFER_STATES,
  TRANSFER_TRANSITIONS,
  type TransferFrom,
  type TransferMove,
  type TransferRole,
  type TransferState,
  type TransferWork,
  transferWorkOf,
  transitionTransfer,
} from '../../../src/transfer/index.js'

type Row = readonly [TransferFrom, TransferMove, TransferRole, TransferState]

const C = 'consumer'
const P = 'provider'

// The DSP 2025-1 transfer state table (reference §1.4), edge by edge, independent of the
// implementation: only the consumer requests, only the provider starts a requested transfer,
// everything else either side.
const LEGAL: readonly Row[] = [
  ['INITIAL', 'TransferRequestMessage', C, 'REQUESTED'],
  ['REQUESTED', 'TransferStartMessage', P, 'STARTED'],
  ['REQUESTED', 'TransferTerminationMessage', C, 'TERMINATED'],
  ['REQUESTED', 'TransferTerminationMessage', P, 'TERMINATED'],
  ['STARTED', 'TransferSuspensionMessage', C, 'SUSPENDED'],
  ['STARTED', 'TransferSuspensionMessage', P, 'SUSPENDED'],
  ['STARTED', 'TransferCompletionMessage', C, 'COMPLETED'],
  ['STARTED', 'TransferCompletionMessage', P, 'COMPLETED'],
  ['STARTED', 'TransferTerminationMessage', C, 'TERMINATED'],
  ['STARTED', 'TransferTerminationMessage', P, 'TERMINATED'],
  ['SUSPENDED', 'TransferStartMessage', C, 'STARTED'],
  ['SUSPENDED', 'TransferStartMessage', P, 'STARTED'],
  ['SUSPENDED', 'TransferTerminationMessage', C, 'TERMINATED'],
  ['SUSPENDED', 'TransferTerminationMessage', P, 'TERMINATED'],
]

// Redeliveries of the message that led to the current state.
const REPEATS: readonly Row[] = [
  ['REQUESTED', 'TransferRequestMessage', C, 'REQUESTED'],
  ['STARTED', 'TransferStartMessage', C, 'STARTED'],
  ['STARTED', 'TransferStartMessage', P, 'STARTED'],
  ['SUSPENDED', 'TransferSuspensionMessage', C, 'SUSPENDED'],
  ['SUSPENDED', 'TransferSuspensionMessage', P, 'SUSPENDED'],
  ['COMPLETED', 'TransferCompletionMessage', C, 'COMPLETED'],
  ['COMPLETED', 'TransferCompletionMessage', P, 'COMPLETED'],
  ['TERMINATED', 'TransferTerminationMessage', C, 'TERMINATED'],
  ['TERMINATED', 'TransferTerminationMessage', P, 'TERMINATED'],
]

const FROM: readonly TransferFrom[] = ['INITIAL', ...TRANSFER_STATES]
const MOVES: readonly TransferMove[] = [
  'TransferRequestMessage',
  'TransferStartMessage',
  'TransferSuspensionMessage',
  'TransferCompletionMessage',
  'TransferTerminationMessage',
]
const SENDERS: readonly TransferRole[] = [C, P]

function find(rows: readonly Row[], from: TransferFrom, move: TransferMove, sender: TransferRole) {
  return rows.find((row) => row[0] === from && row[1] === move && row[2] === sender)
}

describe('transitionTransfer(current, message, sender)', () => {
  it('knows the five states and five moves of DSP 2025-1', () => {
    assert.deepEqual([...TRANSFER_STATES], ['REQUESTED', 'STARTED', 'SUSPENDED', 'COMPLETED', 'TERMINATED'])
    assert.deepEqual([...TRANSFER_MOVES], MOVES)
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
            assert.deepEqual(transitionTransfer(from, move, sender), {
              ok: true,
              from,
              state: legal[3],
              repeat: false,
            })
          })
        } else if (repeat !== undefined) {
          it(`${from} + ${move} from ${sender} is a repeat`, () => {
            assert.deepEqual(transitionTransfer(from, move, sender), {
              ok: true,
              from,
              state: from,
              repeat: true,
            })
          })
        } else {
          it(`${from} + ${move} from ${sender} is illegal, state unchanged`, () => {
            const result = transitionTransfer(from, move, sender)
            assert.equal(result.ok, false)
            assert.equal(result.state, from)
            if (result.ok) return
            assert.ok(result.error instanceof IllegalTransitionError)
            assert.equal(result.error.code, 'ALLMENDE_ILLEGAL_TRANSITION')
            assert.equal(result.error.process, 'transfer')
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
    assert.equal(walked, 6 * 5 * 2)
  })

  it('takes messages as well as move names, and no state as INITIAL', () => {
    const start = createTransferStartMessage({ providerPid: 'p', consumerPid: 'c' })
    const suspension = createTransferSuspensionMessage({
      providerPid: 'p',
      consumerPid: 'c',
      reason: ['maintenance'],
    })
    assert.equal(transitionTransfer('SUSPENDED', start, C).state, 'STARTED')
    assert.equal(transitionTransfer('STARTED', suspension, P).state, 'SUSPENDED')
    assert.equal(transitionTransfer(undefined, 'TransferRequestMessage', C).state, 'REQUESTED')
    assert.equal(transitionTransfer(undefined, 'TransferRequestMessage', P).ok, false)
  })

  it('throws only for a programming error: something that is not a move', () => {
    assert.throws(() => transitionTransfer('STARTED', 'TransferProcess' as TransferMove, P), TypeError)
  })
})

describe('TRANSFER_TRANSITIONS', () => {
  it('holds exactly the legal edges, per sender', () => {
    for (const sender of SENDERS) {
      for (const from of FROM) {
        const expected = LEGAL.filter((row) => row[0] === from && row[2] === sender).map((row) => row[3])
        assert.deepEqual([...TRANSFER_TRANSITIONS[sender][from]].sort(), expected.sort(), `${sender} ${from}`)
        assert.deepEqual(
          allowedTransferMoves(from, sender),
          MOVES.filter((move) => find(LEGAL, from, move, sender)),
        )
      }
    }
  })

  it('leaves COMPLETED and TERMINATED for nothing', () => {
    for (const state of FROM) {
      const terminal = state === 'COMPLETED' || state === 'TERMINATED'
      assert.equal(isTerminalTransferState(state), terminal)
      if (terminal) for (const sender of SENDERS) assert.deepEqual(TRANSFER_TRANSITIONS[sender][state], [])
    }
  })
})

describe('DSP TCK transfer sequences', () => {
  type Step = readonly [TransferMove, TransferRole]
  function run(steps: readonly Step[]): TransferFrom {
    let state: TransferFrom = 'INITIAL'
    for (const [move, sender] of steps) {
      const result = transitionTransfer(state, move, sender)
      assert.ok(result.ok, `${move} from ${sender} in ${state}`)
      state = result.state
    }
    return state
  }
  const req: Step = ['TransferRequestMessage', C]
  const start: Step = ['TransferStartMessage', P]
  const step = (move: TransferMove, sender: TransferRole): Step => [move, sender]

  for (const [actor, label] of [
    [P, '01'],
    [C, '02'],
  ] as const) {
    const term = step('TransferTerminationMessage', actor)
    const complete = step('TransferCompletionMessage', actor)
    const suspend = step('TransferSuspensionMessage', actor)
    const restart = step('TransferStartMessage', actor)
    const sequences: [string, readonly Step[], TransferState][] = [
      [`TP ${label}-01 req, start, ${actor} term`, [req, start, term], 'TERMINATED'],
      [`TP ${label}-02 req, start, ${actor} complete`, [req, start, complete], 'COMPLETED'],
      [
        `TP ${label}-03 req, start, ${actor} suspend, ${actor} term`,
        [req, start, suspend, term],
        'TERMINATED',
      ],
      [
        `TP ${label}-04 req, start, ${actor} suspend, ${actor} restart, ${actor} complete`,
        [req, start, suspend, restart, complete],
        'COMPLETED',
      ],
      [`TP ${label}-05 req, ${actor} term`, [req, term], 'TERMINATED'],
    ]
    for (const [name, steps, end] of sequences) it(name, () => assert.equal(run(steps), end))
  }

  const term = step('TransferTerminationMessage', P)
  const rejected: [string, readonly Step[], Step][] = [
    ['TP 03-01 completion before start', [req], step('TransferCompletionMessage', P)],
    ['TP 03-02 suspension before start', [req], step('TransferSuspensionMessage', C)],
    [
      'TP 03-03 completion while suspended',
      [req, start, step('TransferSuspensionMessage', P)],
      step('TransferCompletionMessage', C),
    ],
    ['TP 03-04 start after TERMINATED', [req, start, term], step('TransferStartMessage', P)],
    ['TP 03-05 suspension after TERMINATED', [req, start, term], step('TransferSuspensionMessage', C)],
    ['TP 03-06 completion after TERMINATED', [req, start, term], step('TransferCompletionMessage', P)],
    ['consumer cannot make the first start', [req], step('TransferStartMessage', C)],
  ]
  for (const [name, before, [move, sender]] of rejected) {
    it(`${name} is rejected`, () => {
      const state = run(before)
      const result = transitionTransfer(state, move, sender)
      assert.equal(result.ok, false)
      assert.equal(result.state, state)
    })
  }
})

describe('transferWorkOf: the step a side owes, taken again after a restart', () => {
  const pull = 'allmende-libp2p-PULL'
  const push = 'HttpData-PUSH'
  const cases: readonly [string, Parameters<typeof transferWorkOf>[0], TransferWork | undefined][] = [
    ['a request without ACK', { role: 'consumer', state: 'REQUESTED', format: pull }, 'REQUESTING'],
    [
      'an acknowledged request',
      { role: 'consumer', state: 'REQUESTED', format: pull, providerPid: 'p' },
      undefined,
    ],
    ['a request not yet started', { role: 'provider', state: 'REQUESTED', format: pull }, 'STARTING'],
    ['a started pull', { role: 'consumer', state: 'STARTED', format: pull, providerPid: 'p' }, 'PULLING'],
    ['a started pull on the provider', { role: 'provider', state: 'STARTED', format: pull }, undefined],
    ['a started push', { role: 'provider', state: 'STARTED', format: push }, 'PUSHING'],
    ['a started push on the consumer', { role: 'consumer', state: 'STARTED', format: push }, undefined],
    ['a stored receipt', { role: 'consumer', state: 'STARTED', format: pull, sha256: 'ab' }, 'COMPLETING'],
    [
      'a stored receipt on the provider',
      { role: 'provider', state: 'STARTED', format: pull, sha256: 'ab' },
      'COMPLETING',
    ],
    ['a suspended transfer', { role: 'consumer', state: 'SUSPENDED', format: pull }, undefined],
    ['a completed transfer', { role: 'provider', state: 'COMPLETED', format: pull, sha256: 'ab' }, undefined],
    ['a terminated transfer', { role: 'consumer', state: 'TERMINATED', format: pull }, undefined],
  ]
  for (const [what, transfer, work] of cases) {
    it(`${what} (${transfer.role}): ${work ?? 'nothing'}`, () => {
      assert.equal(transferWorkOf(transfer), work)
    })
  }
})
