import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import {
  directoryAnswer,
  MAX_DIRECTORY_BYTES,
  MAX_DIRECTORY_ENTRIES,
  MAX_ENTRY_ADDRESSES,
  MemberDirectoryRefusedError,
  parseDirectoryAnswer,
} from '../../../../src/bindings/p2p/index.js'
import { generateNodeKey } from '../../../../src/identity/index.js'
import { InvalidInputError } from '../../../../src/protocol/errors.js'

const address = (port: number) => `/ip4/127.0.0.1/tcp/${port}`

describe('member directory answers: bounds and refusals', () => {
  let from: PeerId
  let member: PeerId
  let other: PeerId

  before(async () => {
    ;[from, member, other] = (
      await Promise.all([generateNodeKey(), generateNodeKey(), generateNodeKey()])
    ).map((key) => key.peerId)
  })

  const entry = (peer: PeerId, addresses: unknown[] = [address(4001)]) => ({
    peer: peer.toString(),
    addresses,
  })

  it('takes the members and addresses of a well-formed answer', () => {
    const entries = parseDirectoryAnswer(
      {
        members: [
          entry(member, [address(4001), `${address(4002)}/p2p/${member.toString()}`]),
          entry(other, []),
        ],
      },
      from,
    )
    assert.deepEqual(
      entries.map((e) => [e.peer.toString(), e.addresses.map(String)]),
      [
        [member.toString(), [address(4001), `${address(4002)}/p2p/${member.toString()}`]],
        [other.toString(), []],
      ],
    )
  })

  it('turns a refusal into an error that names the peer and its reason', () => {
    assert.throws(
      () => parseDirectoryAnswer({ refused: 'pass the admission handshake first' }, from),
      (error: unknown) =>
        error instanceof MemberDirectoryRefusedError &&
        error.code === 'ALLMENDE_DIRECTORY_REFUSED' &&
        error.message.includes(from.toString()) &&
        error.message.includes('pass the admission handshake first'),
    )
  })

  it('refuses an answer with more entries than the bound', () => {
    const members = Array.from({ length: MAX_DIRECTORY_ENTRIES + 1 }, () => entry(member))
    assert.throws(() => parseDirectoryAnswer({ members }, from), InvalidInputError)
    assert.equal(parseDirectoryAnswer({ members: members.slice(1) }, from).length, MAX_DIRECTORY_ENTRIES)
  })

  it('refuses an entry with more addresses than the bound', () => {
    const addresses = Array.from({ length: MAX_ENTRY_ADDRESSES + 1 }, (_, i) => address(4000 + i))
    assert.throws(
      () => parseDirectoryAnswer({ members: [entry(member, addresses)] }, from),
      InvalidInputError,
    )
  })

  it('refuses malformed answers as a whole', () => {
    const malformed: unknown[] = [
      null,
      'members',
      {},
      { members: 'all' },
      { members: [null] },
      { members: [{ peer: 'not a peer id', addresses: [] }] },
      { members: [{ peer: member.toString() }] },
      { members: [entry(member, [42])] },
      { members: [entry(member, ['not a multiaddr'])] },
      // an address of another peer is no address of this one
      { members: [entry(member, [`${address(4001)}/p2p/${other.toString()}`])] },
    ]
    for (const answer of malformed) {
      assert.throws(() => parseDirectoryAnswer(answer, from), InvalidInputError, JSON.stringify(answer))
    }
  })

  it('answers with at most the bound of entries and addresses, within the byte bound', () => {
    const many = Array.from({ length: MAX_DIRECTORY_ENTRIES + 10 }, () => ({
      peer: member,
      addresses: Array.from({ length: MAX_ENTRY_ADDRESSES + 2 }, (_, i) => multiaddr(address(4000 + i))),
    }))
    const answer = directoryAnswer(many)
    assert.ok(answer.members.length <= MAX_DIRECTORY_ENTRIES)
    assert.ok(answer.members.every((e) => e.addresses.length === MAX_ENTRY_ADDRESSES))
    assert.ok(Buffer.byteLength(JSON.stringify(answer)) <= MAX_DIRECTORY_BYTES)
    // what one node sends, another takes
    assert.equal(parseDirectoryAnswer(JSON.parse(JSON.stringify(answer)), from).length, answer.members.length)
  })
})
