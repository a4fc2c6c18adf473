/** What `sgw` exits with; scripts rely on these (DESIGN §4). */
export const exitCodes = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;

/** An error that ends the command with its message on stderr and its exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** An RFC 9457 problem, as the gateway answers every error. */
interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: { pointer: string; detail: string }[];
}

type Query = Record<string, string | number | undefined>;

/** The gateway's HTTP API at `SGW_URL` with the token in `SGW_TOKEN`. */
export class GatewayClient {
  private constructor(
    private readonly baseUrl: URL,
    private readonly token: string,
  ) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): GatewayClient {
    const token = env.SGW_TOKEN?.trim();
    if (!token) throw new CliError(exitCodes.usage, 'SGW_TOKEN is not set: give it the token of an ops key (sgw keys create --name NAME --role ops)');
    const url = env.SGW_URL?.trim() || 'http://127.0.0.1:8080';
    let baseUrl: URL;
    try {
      // A trailing slash keeps a path prefix (a gateway behind a proxy at /sgw/) when routes are resolved against it.
      baseUrl = new URL(url.endsWith('/') ? url : `${url}/`);
    } catch {
      throw new CliError(exitCodes.usage, `SGW_URL is not a URL: ${url}`);
    }
    if (!/^https?:$/.test(baseUrl.protocol)) throw new CliError(exitCodes.usage, `SGW_URL must be an http:// or https:// URL: ${url}`);
    return new GatewayClient(baseUrl, token);
  }

  get<T>(route: string, query: Query = {}): Promise<T> {
    const url = this.url(route);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
    return this.request<T>('GET', url);
  }

  post<T>(route: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', this.url(route), body);
  }

  private url(route: string): URL {
    return new URL(route.replace(/^\//, ''), this.baseUrl);
  }

  private async request<T>(method: string, url: URL, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let status: number;
    let text: string;
    try {
      const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      status = response.status;
      text = await response.text();
    } catch (error) {
      // fetch rejects only when no whole answer came: refused connection, unknown host, timeout, a cut connection.
      const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(exitCodes.unreachable, `cannot reach the gateway at ${this.baseUrl.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message} (SGW_URL says where it is)`);
    }
    const answer = parseJson(text);
    if (status >= 200 && status < 300) {
      if (answer === undefined) throw new CliError(exitCodes.refused, `${method} ${url.pathname} answered ${status} without JSON: is SGW_URL the gateway?`);
      return answer as T;
    }
    throw new CliError(exitCodes.refused, describeProblem({ status, ...(answer as Problem | undefined) }));
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `Conflict (409): detail`, then one line per input error. */
function describeProblem({ title = 'Error', status, detail, errors = [] }: Problem): string {
  return [`${title} (${status})${detail ? `: ${detail}` : ''}`, ...errors.map((error) => `  ${error.pointer || '/'}: ${error.detail}`)].join('\n');
}
