import type { NextFunction, Request, Response } from 'express';
import type winston from 'winston';
import { Problem, problems } from '../problem';
import { isRedisConnectionError } from '../queue/redis-watch';
import { DatabaseUnavailableError } from '../store';

function toProblem(error: unknown): Problem | undefined {
  if (error instanceof Problem) return error;
  if (error instanceof DatabaseUnavailableError) return problems.unavailable('The database');
  if (error instanceof Error && isRedisConnectionError(error)) return problems.unavailable('Redis');
  // Express's own refusal of a path segment that is not valid percent-encoding: the caller's error, not ours.
  if (error instanceof URIError && (error as { status?: number }).status === 400) return problems.badRequest('The URL could not be decoded: check its percent-encoding.');
  return undefined;
}

/** The one error handler: problem+json always, never a stack, never a value from the request. */
export function errorHandler(log: winston.Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    let problem = toProblem(error);
    if (!problem) {
      log.error('unhandled error', { route: routeOf(req), error });
      problem = new Problem(500, 'internal-error', 'Internal error', 'Something failed inside the gateway; the error is logged without your data.');
    }
    res.status(problem.status).set(problem.headers).type('application/problem+json').send(JSON.stringify(problem));
  };
}

/** The route pattern, never the URL: paths and query strings may carry ids of people. */
export function routeOf(req: Request): string {
  return req.route ? `${req.baseUrl}${req.route.path}` : 'unmatched';
}
