import type { ErrorObject } from 'ajv';

/** One invalid input, located by JSON pointer (RFC 6901) into the request. */
export interface InputError {
  pointer: string;
  detail: string;
}

/**
 * Request keys are named in errors only when they look like a field name: any other key may be a person's
 * data (an e-mail address, a name) that an error must not echo.
 */
const fieldName = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export function isFieldName(key: string): boolean {
  return fieldName.test(key);
}

/**
 * A path into the request (keys and array indices) as a JSON pointer (RFC 6901). It names keys only while
 * they look like a field name and stops at the parent of the first that does not; the empty pointer is the
 * whole request. A field name holds neither `~` nor `/`, so no segment needs escaping.
 */
export function pointerTo(path: readonly (string | number)[]): string {
  let pointer = '';
  for (const segment of path) {
    if (typeof segment === 'string' && !isFieldName(segment)) break;
    pointer += `/${segment}`;
  }
  return pointer;
}

/** A JSON Schema validator's errors about a request body of ours, as input errors; `what` names the body for an unknown field. */
export function schemaErrors(errors: ErrorObject[], what: string): InputError[] {
  return errors
    .filter((error) => error.keyword !== 'if')
    .map((error) => {
      const params = error.params as { missingProperty?: string; additionalProperty?: string };
      // The path is the body's own schema's: its fields all have field names.
      const at = error.instancePath;
      if (params.missingProperty) return { pointer: `${at}/${params.missingProperty}`, detail: 'is required' };
      const unknown = params.additionalProperty;
      if (unknown === undefined) return { pointer: at, detail: error.message ?? 'is invalid' };
      return isFieldName(unknown)
        ? { pointer: `${at}/${unknown}`, detail: `is not a field of ${what}` }
        : { pointer: at, detail: `has a field that is not part of ${what}, whose name is not a field name (letters, digits, _ and -)` };
    });
}

/** An answer lists at most this many input errors: a 256 KB body could otherwise ask for megabytes of them. */
const maxListedErrors = 100;

/** Each error once: keys that are not field names collapse onto their parent's pointer, and repeat there. */
function distinct(errors: InputError[]): InputError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = JSON.stringify([error.pointer, error.detail]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

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

  toJSON() {
    return { type: problemBase + this.slug, title: this.title, status: this.status, detail: this.detail, ...(this.errors && { errors: this.errors }) };
  }
}

export const problems = {
  badRequest: (detail: string, errors?: InputError[]) => new Problem(400, 'bad-request', 'Bad request', detail, errors && distinct(errors).slice(0, maxListedErrors)),
  notJson: () => problems.badRequest('The body is not well-formed JSON.'),
  unauthorized: (detail = 'Send a valid API key as "Authorization: Bearer <token>".') =>
    new Problem(401, 'unauthorized', 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer' }),
  forbiddenRole: (role: string) => new Problem(403, 'forbidden', 'Forbidden', `The ${role} role may not use this resource.`),
  crossSite: () => new Problem(403, 'cross-site', 'Cross-site request refused', "This form may be sent only from the gateway's own page."),
  notFound: (detail: string) => new Problem(404, 'not-found', 'Not found', detail),
  methodNotAllowed: (detail: string, allowed: string) => new Problem(405, 'method-not-allowed', 'Method not allowed', detail, undefined, { allow: allowed }),
  conflict: (slug: string, title: string, detail: string) => new Problem(409, slug, title, detail),
  tooLarge: (limit: string) => new Problem(413, 'payload-too-large', 'Payload too large', `The body may be at most ${limit}.`),
  unsupportedMediaType: (detail = 'Send the body as application/json.') => new Problem(415, 'unsupported-media-type', 'Unsupported media type', detail),
  invalid: (errors: InputError[]) => {
    const listed = distinct(errors);
    const first = listed.length > maxListedErrors ? ` (the first ${maxListedErrors})` : '';
    return new Problem(422, 'validation-failed', 'The request is invalid', `${listed.length} field(s) failed validation; see errors${first}.`, listed.slice(0, maxListedErrors));
  },
  unavailable: (what: string) =>
    new Problem(503, 'service-unavailable', 'Service unavailable', `${what} is unavailable: retry later (a transfer request with the same Idempotency-Key).`, undefined, { 'retry-after': '2' }),
};
