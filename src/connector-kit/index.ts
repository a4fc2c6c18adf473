export * from './connector';
export * from './errors';
export type { Logger } from './logger';
export { sha256Hex } from './digest';
export { abortedError, unlessAborted } from './abort';
export { type HttpAnswer, type HttpCall, JsonHttpClient, isSuccess } from './http-client';
export { SECURE_BASE_URL_PATTERN, parseSecureBaseUrl, parseRetryAfterMs, transportFailure } from './http';
export { type Operation, type Transport, connectorFromOperations } from './operations';
