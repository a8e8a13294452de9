import { readFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { nodeDirectory, readApiToken } from '../config/node-directory.js'
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
    private readonly root: string,
  ) {}

  static async forDirectory(dir: string): Promise<NodeClient> {
    const directory = nodeDirectory(dir)
    const notRunning = (why: string) =>
      new NodeNotRunningError(
        `the node in ${directory.root} is not running (${why}); start it with: allmende start --dir ${dir}`,
      )
    let runtime: { url?: string; pid?: number }
    try {
      runtime = JSON.parse(await readFile(directory.runtimeFile, 'utf8'))
    } catch {
      throw notRunning('no api.json')
    }
    if (typeof runtime.url !== 'string') throw notRunning('its api.json has no "url"')
    // A node killed with -9 leaves its api.json behind: a dead pid says so before any request.
    if (typeof runtime.pid === 'number' && !processAlive(runtime.pid)) {
      throw notRunning(`process ${runtime.pid} ended without stopping the node`)
    }
    return new NodeClient(runtime.url, await readApiToken(directory), directory.root)
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
    const text = await this.requestText(method, path, body)
    try {
      return JSON.parse(text) as T
    } catch {
      return {} as T // an answer without a body
    }
  }

  /** A GET whose answer is not JSON (Turtle, JSON-LD as written): the body as text. */
  async getText(path: string): Promise<string> {
    return this.requestText('GET', path)
  }

  private async requestText(method: string, path: string, body?: unknown): Promise<string> {
    let response: { status: number; text: string }
    try {
      response = await send(new URL(path, this.url), method, this.token, body)
    } catch (cause) {
      throw new NodeNotRunningError(
        `the node in ${this.root} is not running: its API ${this.url} does not answer (${(cause as Error).message})`,
      )
    }
    if (response.status >= 200 && response.status <= 299) return response.text
    let payload: { error?: { code?: string; message?: string; details?: unknown } } = {}
    try {
      payload = JSON.parse(response.text)
    } catch {
      // Not JSON: the status below says what went wrong.
    }
    throw new NodeApiError(
      response.status,
      payload.error?.code ?? 'ALLMENDE_API',
      payload.error?.message ?? `node API answered ${response.status}`,
      payload.error?.details,
    )
  }
}

/** Whether a process with this id exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to another user (a container's node seen from the host).
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * One request to the local management API over node:http: `fetch` would load its HTTP stack on
 * first use, which costs more than the whole answer of `allmende status`.
 */
function send(
  url: URL,
  method: string,
  token: string,
  body: unknown,
): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}
