import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  dspMessagePath,
  InvalidDspAddressError,
  joinDspUrl,
  normalizeDspAddress,
} from '../../../../src/bindings/http/index.js'

const pids = { providerPid: 'urn:uuid:p-1', consumerPid: 'urn:uuid:c-1' }
const P = encodeURIComponent(pids.providerPid)
const C = encodeURIComponent(pids.consumerPid)

describe('dspMessagePath(message, recipient)', () => {
  it('routes every message to the provider under its providerPid (reference §1.3, §1.4)', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ '@type': 'CatalogRequestMessage' }, '/catalog/request'],
      [{ '@type': 'ContractRequestMessage', consumerPid: pids.consumerPid }, '/negotiations/request'],
      [{ '@type': 'ContractRequestMessage', ...pids }, `/negotiations/${P}/request`],
      [{ '@type': 'ContractNegotiationEventMessage', ...pids }, `/negotiations/${P}/events`],
      [
        { '@type': 'ContractAgreementVerificationMessage', ...pids },
        `/negotiations/${P}/agreement/verification`,
      ],
      [{ '@type': 'ContractNegotiationTerminationMessage', ...pids }, `/negotiations/${P}/termination`],
      [{ '@type': 'TransferRequestMessage', consumerPid: pids.consumerPid }, '/transfers/request'],
      [{ '@type': 'TransferStartMessage', ...pids }, `/transfers/${P}/start`],
      [{ '@type': 'TransferCompletionMessage', ...pids }, `/transfers/${P}/completion`],
      [{ '@type': 'TransferSuspensionMessage', ...pids }, `/transfers/${P}/suspension`],
      [{ '@type': 'TransferTerminationMessage', ...pids }, `/transfers/${P}/termination`],
    ]
    for (const [message, path] of cases) {
      assert.equal(dspMessagePath(message as never, 'provider'), path, String(message['@type']))
    }
  })

  it('routes every callback to the consumer under its consumerPid', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ '@type': 'ContractOfferMessage', providerPid: pids.providerPid }, '/negotiations/offers'],
      [{ '@type': 'ContractOfferMessage', ...pids }, `/negotiations/${C}/offers`],
      [{ '@type': 'ContractAgreementMessage', ...pids }, `/negotiations/${C}/agreement`],
      [{ '@type': 'ContractNegotiationEventMessage', ...pids }, `/negotiations/${C}/events`],
      [{ '@type': 'ContractNegotiationTerminationMessage', ...pids }, `/negotiations/${C}/termination`],
      [{ '@type': 'TransferStartMessage', ...pids }, `/transfers/${C}/start`],
      [{ '@type': 'TransferCompletionMessage', ...pids }, `/transfers/${C}/completion`],
      [{ '@type': 'TransferSuspensionMessage', ...pids }, `/transfers/${C}/suspension`],
      [{ '@type': 'TransferTerminationMessage', ...pids }, `/transfers/${C}/termination`],
    ]
    for (const [message, path] of cases) {
      assert.equal(dspMessagePath(message as never, 'consumer'), path, String(message['@type']))
    }
  })

  it('refuses messages the recipient never receives, and moves without the pid to route by', () => {
    assert.throws(() => dspMessagePath({ '@type': 'ContractAgreementMessage', ...pids }, 'provider'), {
      code: 'ALLMENDE_INVALID_INPUT',
    })
    assert.throws(() => dspMessagePath({ '@type': 'ContractRequestMessage', ...pids }, 'consumer'), {
      code: 'ALLMENDE_INVALID_INPUT',
    })
    assert.throws(
      () => dspMessagePath({ '@type': 'ContractNegotiationEventMessage', providerPid: 'x' }, 'consumer'),
      /needs a consumerPid/,
    )
  })
})

describe('normalizeDspAddress / joinDspUrl', () => {
  it('tolerates trailing slashes on a callback address (reference §1.1)', () => {
    assert.equal(normalizeDspAddress('https://a.example/dsp/2025-1/'), 'https://a.example/dsp/2025-1')
    assert.equal(normalizeDspAddress('https://a.example//'), 'https://a.example')
    assert.equal(
      joinDspUrl('http://127.0.0.1:8080/cb/', '/negotiations/x/agreement'),
      'http://127.0.0.1:8080/cb/negotiations/x/agreement',
    )
  })

  it('refuses what is not an absolute http(s) URL', () => {
    for (const bad of ['/p2p/12D3KooW', 'ftp://a.example/dsp', 'not a url']) {
      assert.throws(() => normalizeDspAddress(bad), InvalidDspAddressError, bad)
    }
  })
})
