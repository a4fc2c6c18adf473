import type { NextFunction, Request, Response } from 'express';
import type winston from 'winston';
import { Problem, problems } from '../problem';
import { DatabaseUnavailableError } from '../store';

/** body-parser's error types, as problems. */
function parserProblem(error: { type?: string }): Problem | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return problems.tooLarge('256 KB');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problems.unsupportedMediaType();
    default:
      return undefined;
  }
}

function toProblem(error: unknown): Problem | undefined {
  if (error instanceof Problem) return error;
  if (error instanceof DatabaseUnavailableError) return problems.unavailable('The database');
  return parserProblem(error as { type?: string });
}

/** The one error handler: problem+json always, never a stack, never a value from the request. */
export function errorHandler(log: winston.Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    let problem = toProblem(error);
    if (!problem) {
      log.error('unhandled error', { route: routeOf(req), error: (error as Error)?.message });
      problem = new Problem(500, 'internal-error', 'Internal error', 'Something failed inside the gateway; the error is logged without your data.');
    }
    res.status(problem.status).set(problem.headers).type('application/problem+json').send(JSON.stringify(problem));
  };
}

/** The route pattern, never the URL: paths and query strings may carry ids of people. */
export function routeOf(req: Request): string {
  return req.route ? `${req.baseUrl}${req.route.path}` : 'unmatched';
}
