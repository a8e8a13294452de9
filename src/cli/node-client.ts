import { readFile } from 'node:fs/promises'
import { nodeDirectory, readApiToken } from '../config/index.js'
import { AllmendeError } from '../protocol/errors.js'

/** The node in a directory is not running, or its API could not be reached. */
export class NodeNotRunningError extends AllmendeError {
  static override name = 'NodeNotRunningError'
  constructor(message: string) {
    super('ALLMENDE_NODE_NOT_RUNNING', message)
  }
}

/** The running node answered with an error. */
export class NodeApiError extends AllmendeError {
  static override name = 'NodeApiError'
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message)
  }
}

/** Talks to the management API of the node running from a directory (URL and token from its files). */
export class NodeClient {
  private constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  static async forDirectory(dir: string): Promise<NodeClient> {
    const directory = nodeDirectory(dir)
    let runtime: { url?: string }
    try {
      runtime = JSON.parse(await readFile(directory.runtimeFile, 'utf8'))
    } catch {
      throw new NodeNotRunningError(
        `no running node in ${directory.root}; start it with: allmende start --dir ${dir}`,
      )
    }
    if (typeof runtime.url !== 'string')
      throw new NodeNotRunningError(`${directory.runtimeFile} has no "url"`)
    return new NodeClient(runtime.url, await readApiToken(directory))
  }

  async get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path)
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body)
  }

  /** A GET whose answer is streamed (a backup), not parsed; throws like {@link request} when not ok. */
  async stream(path: string): Promise<ReadableStream<Uint8Array>> {
    let response: Response
    try {
      response = await fetch(`${this.url}${path}`, { headers: { authorization: `Bearer ${this.token}` } })
    } catch (cause) {
      throw new NodeNotRunningError(`node API ${this.url} does not answer: ${(cause as Error).message}`)
    }
    if (!response.ok || response.body === null) {
      throw new NodeApiError(
        response.status,
        'ALLMENDE_API',
        `node API answered ${response.status} for ${path}`,
      )
    }
    return response.body
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch (cause) {
      throw new NodeNotRunningError(`node API ${this.url} does not answer: ${(cause as Error).message}`)
    }
    const payload = (await response.json().catch(() => ({}))) as {
      error?: { code?: string; message?: string }
    }
    if (!response.ok) {
      throw new NodeApiError(
        response.status,
        payload.error?.code ?? 'ALLMENDE_API',
        payload.error?.message ?? `node API answered ${response.status}`,
      )
    }
    return payload as T
  }
}
