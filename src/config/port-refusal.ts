import { ConfigError } from './config-error';

/** Why the API could not listen, as one line naming the setting to change; any other error as it is. */
export function portRefusal(error: Error, port: number, host: string): Error {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new ConfigError('PORT', `${port} is in use on ${host} (HOST) by another process; stop it or choose another PORT`);
    case 'EACCES':
      return new ConfigError('PORT', `${port} on ${host} (HOST) needs privileges this process lacks; choose a PORT above 1023`);
    case 'EADDRNOTAVAIL':
      return new ConfigError('HOST', `${host} is not an address of this machine; use one of its addresses, or 0.0.0.0 for all`);
    default:
      return error;
  }
}
