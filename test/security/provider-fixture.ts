import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateNodeKey } from '../../src/identity/index.js'
import { allmendeJson, type RunningNode, startAllmende } from '../support/cli-process.js'
import { DSP_CONTEXT, ForeignParty, type Recorded } from '../support/foreign-party.js'
import { tempDir } from '../support/temp-dir.js'

const PROFILE = 'https://w3id.org/allmende/odrl-profile/v1'

/** An ODRL offer permitting `use`, under the given constraints. */
export function offer(uid: string, constraint: Record<string, unknown>[] = []): Record<string, unknown> {
  return {
    '@context': 'http://www.w3.org/ns/odrl.jsonld',
    '@type': 'Offer',
    uid,
    profile: PROFILE,
    permission: [{ action: 'use', ...(constraint.length === 0 ? {} : { constraint }) }],
  }
}

/** A transfer the foreign consumer requested, with the pull address of the provider's last start. */
export interface RequestedTransfer {
  readonly consumerPid: string
  readonly providerPid: string
  /** Status and body of the provider's answer to the request. */
  readonly status: number
  readonly body: Record<string, unknown>
}

/**
 * One Allmende provider with its DSP HTTP binding (a real `allmende start` process on 127.0.0.1) and
 * a foreign DSP consumer that negotiates and transfers with it over HTTP, as an EDC would.
 */
export class HttpProviderFixture {
  node!: RunningNode
  did = ''
  dsp = ''
  consumer!: ForeignParty
  private root = ''

  /** `config`: settings written with `allmende config set` before the node starts. */
  async start(options: { startFlags?: string[]; config?: Record<string, string> } = {}): Promise<void> {
    this.root = await tempDir('allmende-security-')
    const init = await allmendeJson<{ did: string }>([
      'init',
      '--dir',
      this.dir,
      '--name',
      'Provider',
      '--dsp-port',
      '0',
    ])
    this.did = init.did
    for (const [key, value] of Object.entries(options.config ?? {}))
      await allmendeJson(['config', 'set', key, value, '--dir', this.dir])
    this.node = await startAllmende(['--dir', this.dir, ...(options.startFlags ?? [])])
    const status = await allmendeJson<{ dsp: string }>(['status', '--dir', this.dir])
    this.dsp = status.dsp
    this.consumer = new ForeignParty(await generateNodeKey())
    await this.consumer.start()
    this.acknowledgeCallbacks()
  }

  async stop(): Promise<void> {
    await this.node?.stop()
    await this.consumer?.stop()
  }

  get dir(): string {
    return join(this.root, 'provider')
  }

  path(name: string): string {
    return join(this.root, name)
  }

  /** Calls the provider's management API with its token; returns status and body. */
  async api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const token = (await readFile(join(this.dir, 'api-token'), 'utf8')).trim()
    const response = await fetch(`${this.node.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T }
  }

  /** The provider's audit entries. */
  async audit(): Promise<{ type: string; subject: string; data: Record<string, unknown> }[]> {
    const { body } = await this.api<{
      entries: { type: string; subject: string; data: Record<string, unknown> }[]
    }>('GET', '/api/v1/audit?limit=100000')
    return body.entries
  }

  /** Publishes a public dataset of `content` under `policy`; returns its id. */
  async publish(title: string, content: string, policy: Record<string, unknown>): Promise<string> {
    const source = this.path(`${title}.json`)
    await writeFile(source, content)
    const policyFile = this.path(`${title}.offer.json`)
    await writeFile(policyFile, JSON.stringify(policy))
    const added = await allmendeJson<{ dataset: { id: string } }>([
      'dataset',
      'add',
      '--dir',
      this.dir,
      '--title',
      title,
      '--source',
      source,
      '--policy',
      policyFile,
      '--access',
      'public',
    ])
    return added.dataset.id
  }

  /** The foreign consumer concludes an agreement on `datasetId` over DSP HTTP; returns its id. */
  async agree(datasetId: string): Promise<string> {
    const consumer = this.consumer
    const seen = await consumer.call('GET', `${this.dsp}/catalog/datasets/${encodeURIComponent(datasetId)}`, {
      audience: this.did,
    })
    assert.equal(seen.status, 200, JSON.stringify(seen.body))
    const terms = (seen.body.hasPolicy as Record<string, unknown>[])[0]!
    const consumerPid = `urn:uuid:${randomUUID()}`
    const opened = await consumer.call('POST', `${this.dsp}/negotiations/request`, {
      audience: this.did,
      body: {
        '@context': [DSP_CONTEXT],
        '@type': 'ContractRequestMessage',
        consumerPid,
        offer: { ...terms, '@type': 'Offer', target: datasetId },
        callbackAddress: `${consumer.url}/callback/`,
      },
    })
    assert.equal(opened.status, 201, JSON.stringify(opened.body))
    const providerPid = String(opened.body.providerPid)
    const agreed = await consumer.received(
      (r) => r.path === `/callback/negotiations/${consumerPid}/agreement`,
      'the agreement at the callback',
    )
    const verified = await consumer.call(
      'POST',
      `${this.dsp}/negotiations/${encodeURIComponent(providerPid)}/agreement/verification`,
      {
        audience: this.did,
        body: {
          '@context': [DSP_CONTEXT],
          '@type': 'ContractAgreementVerificationMessage',
          providerPid,
          consumerPid,
        },
      },
    )
    assert.equal(verified.status, 200, JSON.stringify(verified.body))
    await consumer.received(
      (r) => r.path === `/callback/negotiations/${consumerPid}/events`,
      'the FINALIZED event at the callback',
    )
    return String((agreed.body.agreement as { '@id': string })['@id'])
  }

  /** Sends a TransferRequestMessage (a fresh one, or a repeat of `consumerPid`) for an HttpData-PULL. */
  async requestTransfer(
    agreementId: string,
    consumerPid = `urn:uuid:${randomUUID()}`,
  ): Promise<RequestedTransfer> {
    const { status, body } = await this.consumer.call('POST', `${this.dsp}/transfers/request`, {
      audience: this.did,
      body: {
        '@context': [DSP_CONTEXT],
        '@type': 'TransferRequestMessage',
        consumerPid,
        agreementId,
        format: 'HttpData-PULL',
        callbackAddress: `${this.consumer.url}/callback`,
      },
    })
    return { consumerPid, providerPid: String(body.providerPid ?? ''), status, body }
  }

  /** The TransferStartMessages the provider sent for a transfer so far. */
  starts(consumerPid: string): Recorded[] {
    return this.consumer.requests.filter((r) => r.path === `/callback/transfers/${consumerPid}/start`)
  }

  /** Waits for the `n`-th start message of a transfer; returns its pull endpoint and bearer token. */
  async pullAddress(consumerPid: string, n = 1): Promise<{ endpoint: string; token: string }> {
    await this.consumer.received(() => this.starts(consumerPid).length >= n, `start message ${n}`)
    const start = this.starts(consumerPid)[n - 1]!
    const address = start.body.dataAddress as {
      endpoint: string
      endpointProperties: { name: string; value: string }[]
    }
    const token = address.endpointProperties.find((p) => p.name === 'authorization')!.value
    return { endpoint: address.endpoint, token }
  }

  /** Acknowledges every transfer and negotiation callback the provider sends (as a DSP consumer does). */
  private acknowledgeCallbacks(): void {
    this.consumer.respond = (request) => {
      const transfer = /^\/callback\/transfers\/(.+)\/(start|completion|suspension|termination)$/.exec(
        request.path,
      )
      if (transfer !== null) {
        const state = {
          start: 'STARTED',
          completion: 'COMPLETED',
          suspension: 'SUSPENDED',
          termination: 'TERMINATED',
        }[transfer[2]!]!
        const body = {
          '@context': [DSP_CONTEXT],
          '@type': 'TransferProcess',
          providerPid: String(request.body.providerPid),
          consumerPid: transfer[1]!,
          state,
        }
        return { status: 200, body }
      }
      const negotiation = /^\/callback\/negotiations\/(.+)\/(agreement|events|termination)$/.exec(
        request.path,
      )
      if (negotiation === null) return undefined
      const state = { agreement: 'AGREED', events: 'FINALIZED', termination: 'TERMINATED' }[negotiation[2]!]!
      const body = {
        '@context': [DSP_CONTEXT],
        '@type': 'ContractNegotiation',
        providerPid: String(request.body.providerPid),
        consumerPid: negotiation[1]!,
        state,
      }
      return { status: 200, body }
    }
  }
}
