import express, { type NextFunction, type Request, type Response } from 'express';
import { problems } from '../problem';

const jsonTypes = ['application/json', 'application/*+json'];

/** A body, if sent, must be JSON: anything else is a 415 before it is read. */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction) {
  if (req.is(jsonTypes) === false) throw problems.unsupportedMediaType();
  next();
}

/**
 * The body as text, up to 256 KB; the route parses it where it uses it. Transfer requests are parsed on the
 * intake threads, so the main thread neither parses them nor copies a parsed tree to a thread.
 */
export const jsonText = express.text({ type: jsonTypes, limit: '256kb' });
