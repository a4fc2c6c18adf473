/** One invalid input, located by JSON pointer (RFC 6901) into the request. */
export interface InputError {
  pointer: string;
  detail: string;
}

/** A problem as plain data, to cross a thread boundary. */
export type ProblemFields = Pick<Problem, 'status' | 'slug' | 'title' | 'detail' | 'errors' | 'headers'>;

const problemBase = 'https://supplier-gateway.example/problems/';

/**
 * The one error base class: every error the API shows knows its HTTP status and its RFC 9457 problem type.
 * `detail` is written by us and never carries a value from the request.
 */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: InputError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'Problem';
  }

  static from({ status, slug, title, detail, errors, headers }: ProblemFields): Problem {
    return new Problem(status, slug, title, detail, errors, headers);
  }

  fields(): ProblemFields {
    return { status: this.status, slug: this.slug, title: this.title, detail: this.detail, errors: this.errors, headers: this.headers };
  }

  toJSON() {
    return { type: problemBase + this.slug, title: this.title, status: this.status, detail: this.detail, ...(this.errors && { errors: this.errors }) };
  }
}

export const problems = {
  badRequest: (detail: string, errors?: InputError[]) => new Problem(400, 'bad-request', 'Bad request', detail, errors),
  notJson: () => problems.badRequest('The body is not well-formed JSON.'),
  unauthorized: () =>
    new Problem(401, 'unauthorized', 'Unauthorized', 'Send a valid API key as "Authorization: Bearer <token>".', undefined, { 'www-authenticate': 'Bearer' }),
  forbiddenRole: (role: string) => new Problem(403, 'forbidden', 'Forbidden', `The ${role} role may not use this resource.`),
  notFound: (detail: string) => new Problem(404, 'not-found', 'Not found', detail),
  conflict: (slug: string, title: string, detail: string) => new Problem(409, slug, title, detail),
  tooLarge: (limit: string) => new Problem(413, 'payload-too-large', 'Payload too large', `The body may be at most ${limit}.`),
  unsupportedMediaType: () => new Problem(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body as application/json.'),
  invalid: (errors: InputError[]) =>
    new Problem(422, 'validation-failed', 'The request is invalid', `${errors.length} field(s) failed validation; see errors.`, errors),
  unavailable: (what: string) =>
    new Problem(503, 'service-unavailable', 'Service unavailable', `${what} is unavailable; retry later with the same Idempotency-Key.`, undefined, { 'retry-after': '2' }),
};
