import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { issueIdToken, TokenVerifier } from '../../src/credentials/index.js'
import type { NodeKey } from '../../src/identity/index.js'
import { eventually } from './cli-process.js'

export const DSP_CONTEXT = 'https://w3id.org/dspace/2025/1/context.jsonld'

export interface Recorded {
  method: string
  path: string
  body: Record<string, unknown>
  caller: string | undefined
}
export type Responder = (request: Recorded) => { status: number; body?: unknown } | undefined

/**
 * A foreign DSP party, written with plain fetch and a node:http server (not our binding): a did:key
 * of its own, a server on 127.0.0.1 answering by the `respond` hook, every request recorded with the
 * DID its ID token proved (or undefined).
 */
export class ForeignParty {
  readonly requests: Recorded[] = []
  respond: Responder = () => undefined
  /** Its data plane: answers a raw request itself (true) or leaves it to `respond` (false). */
  data: (req: IncomingMessage, res: ServerResponse) => boolean = () => false
  private server?: Server
  private verifier?: TokenVerifier
  private urlVerifier?: TokenVerifier
  url = ''

  constructor(readonly key: NodeKey) {}

  get did(): string {
    return this.key.did
  }

  async start(): Promise<void> {
    this.verifier = new TokenVerifier({ audience: this.key.did })
    this.server = createHttpServer((req, res) => {
      if (this.data(req, res)) return
      void this.answer(req).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(body === undefined ? '' : JSON.stringify(body))
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()))
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`
    // A consumer that knows only the URL addresses its catalog request to the DSP base.
    this.urlVerifier = new TokenVerifier({ audience: `${this.url}/dsp/2025-1` })
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) =>
      this.server === undefined ? resolve() : this.server.close(() => resolve()),
    )
  }

  /** A fresh ID token of this party for `audience`. */
  token(audience: string, options: { now?: Date } = {}): Promise<string> {
    return issueIdToken(this.key, { audience, lifetimeSeconds: 120, ...options })
  }

  /** Posts (or gets) JSON with a fresh token for `audience`; returns status and parsed body. */
  async call(
    method: 'GET' | 'POST',
    url: string,
    options: {
      audience?: string
      body?: unknown
      authorization?: string
      headers?: Record<string, string>
    } = {},
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers }
    if (options.authorization !== undefined) headers.authorization = options.authorization
    else if (options.audience !== undefined)
      headers.authorization = `Bearer ${await this.token(options.audience)}`
    const response = await fetch(url, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    })
    const text = await response.text()
    return {
      status: response.status,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      headers: response.headers,
    }
  }

  /** Waits until a request matching `predicate` arrived. */
  received(predicate: (request: Recorded) => boolean, what: string): Promise<Recorded> {
    return eventually(async () => this.requests.find(predicate), { what, timeoutMs: 60_000 })
  }

  private async answer(req: IncomingMessage): Promise<{ status: number; body?: unknown }> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    let caller: string | undefined
    const header = req.headers.authorization
    if (header?.startsWith('Bearer ')) {
      const token = header.slice(7)
      caller = await this.verifier!.verifyIdToken(token).then(
        (claims) => claims.iss,
        () =>
          this.urlVerifier!.verifyIdToken(token).then(
            (claims) => claims.iss,
            () => undefined,
          ),
      )
    }
    const recorded: Recorded = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(new URL(req.url ?? '/', this.url).pathname),
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      caller,
    }
    this.requests.push(recorded)
    if (recorded.path === '/.well-known/dspace-version') {
      return {
        status: 200,
        body: { protocolVersions: [{ version: '2025-1', path: '/dsp/2025-1', binding: 'HTTPS' }] },
      }
    }
    if (caller === undefined)
      return { status: 401, body: { code: 'UNAUTHORIZED', reason: ['no valid token'] } }
    return this.respond(recorded) ?? { status: 404, body: { code: 'NOT_FOUND', reason: ['unknown'] } }
  }
}
