import type { NextFunction, Request, Response } from 'express';
import { problems } from '../problem';
import type { Reader } from '../shares/consultations';
import type { ApiKey, ApiKeyStore, ApiRole } from './api-keys';

declare module 'express-serve-static-core' {
  interface Request {
    apiKey?: ApiKey;
  }
}

export function authenticate(keys: ApiKeyStore) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const match = /^Bearer (\S+)$/i.exec(req.get('authorization') ?? '');
    const key = match ? keys.authenticate(match[1]) : undefined;
    if (!key) throw problems.unauthorized();
    req.apiKey = key;
    next();
  };
}

/** Admin may do everything; other roles only what the route names. */
export const isAllowed = (role: ApiRole, allowed: ApiRole[]) => role === 'admin' || allowed.includes(role);

function permit(permitted: (role: ApiRole) => boolean) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const role = req.apiKey!.role;
    if (!permitted(role)) throw problems.forbiddenRole(role);
    next();
  };
}

export const allow = (...allowed: ApiRole[]) => permit((role) => isAllowed(role, allowed));

/** Only the roles named, admin too unless named: for a route that answers with personal data, which admin does not need. */
export const allowOnly = (...allowed: ApiRole[]) => permit((role) => allowed.includes(role));

/** Who reads, for the record of reads: the key of an authenticated request. */
export const readerOf = (req: Request): Reader => ({ apiKeyId: req.apiKey!.id, apiKeyName: req.apiKey!.name });
