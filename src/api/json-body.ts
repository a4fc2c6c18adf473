import type { ValidateFunction } from 'ajv';
import express, { type NextFunction, type Request, type Response } from 'express';
import { pointerTo, problems, schemaErrors } from '../problem';
import { firstValueTooDeep } from '../transfers/json-nesting';

const jsonTypes = ['application/json', 'application/*+json'];
const bodyLimit = '256kb';

/** A body, if sent, must be JSON, and JSON is UTF-8 (RFC 8259): another type or charset is a 415 before the body is read. */
function checkMediaType(req: Request): void {
  const type = req.is(jsonTypes);
  if (type === false) throw problems.unsupportedMediaType();
  const charset = type && charsetOf(req.get('content-type')!);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw problems.unsupportedMediaType('JSON is UTF-8 (RFC 8259): send the body as application/json without a charset, or with charset=utf-8.');
  }
}

/** A parameter of a media type: a token, `=`, then a token or a quoted string (RFC 9110 §5.6.6). */
const parameter = /;\s*([^\s;=]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;]*)/g;

/** The charset parameter of a Content-Type, unquoted and in lower case, if there is one. */
function charsetOf(contentType: string): string | undefined {
  for (const [, name, value] of contentType.matchAll(parameter)) {
    if (name.toLowerCase() === 'charset') return (value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value).toLowerCase();
  }
  return undefined;
}

const rawBody = express.raw({ type: jsonTypes, limit: bodyLimit });
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The JSON body as text, up to 256 KB, after any Content-Encoding; the route parses it where it uses it. Its
 * bytes are decoded here, as UTF-8 or not at all: a replacement character would change what the caller sent.
 */
export function jsonText(req: Request, res: Response, next: NextFunction) {
  checkMediaType(req);
  rawBody(req, res, (error?: unknown) => {
    if (error) return next(bodyProblem(error));
    try {
      req.body = Buffer.isBuffer(req.body) ? utf8.decode(req.body) : '';
    } catch {
      return next(problems.badRequest('The body is not valid UTF-8.'));
    }
    next();
  });
}

/** body-parser's errors, as problems; a body that cannot be read as its headers say is the caller's error, not ours. */
function bodyProblem(error: unknown): unknown {
  const { type, status } = error as { type?: string; status?: number };
  if (type === 'entity.too.large') return problems.tooLarge('256 KB');
  if (type === 'encoding.unsupported') return problems.unsupportedMediaType('Send the body uncompressed, or with Content-Encoding gzip, deflate or br.');
  if (status !== undefined && status >= 400 && status < 500) {
    return problems.badRequest('The body could not be read as its headers say: check its Content-Encoding (is it really compressed that way?) and Content-Length.');
  }
  return error;
}

/** How deep a JSON body of an ops route may nest: its schemas go two levels down. */
const maxBodyNesting = 8;

/**
 * A JSON body read by `jsonText`, checked against its schema: 400 when it is not JSON or nests too deep,
 * 422 listing every schema error by pointer. `what` names the body in an error about an unknown field.
 */
export function parseJsonBody<T>(text: string, validate: ValidateFunction<T>, what: string): T {
  const tooDeep = firstValueTooDeep(text, maxBodyNesting);
  if (tooDeep) throw problems.badRequest(`The body nests deeper than ${maxBodyNesting} levels.`, [{ pointer: pointerTo(tooDeep), detail: `is nested deeper than ${maxBodyNesting} levels` }]);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw problems.notJson();
  }
  if (!validate(body)) throw problems.invalid(schemaErrors(validate.errors ?? [], what));
  return body;
}
