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
    /** Structured findings the node sent with the error (the validator's codes and params). */
    readonly details?: unknown,
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

  /** A GET whose answer is not JSON (Turtle, JSON-LD as written): the body as text. */
  async getText(path: string): Promise<string> {
    let response: Response
    try {
      response = await fetch(`${this.url}${path}`, { headers: { authorization: `Bearer ${this.token}` } })
    } catch (cause) {
      throw new NodeNotRunningError(`node API ${this.url} does not answer: ${(cause as Error).message}`)
    }
    const text = await response.text()
    if (!response.ok) {
      let error: { code?: string; message?: string } | undefined
      try {
        error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error
      } catch {
        error = undefined
      }
      throw new NodeApiError(
        response.status,
        error?.code ?? 'ALLMENDE_API',
        error?.message ?? `node API answered ${response.status}`,
      )
    }
    return text
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body)
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
      error?: { code?: string; message?: string; details?: unknown }
    }
    if (!response.ok) {
      throw new NodeApiError(
        response.status,
        payload.error?.code ?? 'ALLMENDE_API',
        payload.error?.message ?? `node API answered ${response.status}`,
        payload.error?.details,
      )
    }
    return payload as T
  }
}
