/**
 * The one wrapper around every request and notification handler (STYLE.md section 4).
 *
 * A handler that throws is logged with its stack and answered with a harmless empty value, so one bad request never
 * kills the server or leaves the client waiting. User-invoked requests (commands, replay) instead answer a
 * `ResponseError`, because the user asked for something and must learn that it failed.
 * Cancellation is not a failure: a cancelled request answers the empty value without an error line.
 * This module imports only the protocol library's error types and the engine's cancellation error.
 */
import { LSPErrorCodes, ResponseError, type CancellationToken } from "vscode-languageserver/node";
import { CancelledError } from "../engine/engine";
import { Logger } from "./logger";

export type Handler<P, R> = (params: P, token: CancellationToken) => R | Promise<R>;

// Thrown inside handlers (and by the engine) when the cancellation token fired, to leave loops early.
export { CancelledError };

export function throwIfCancelled(token: CancellationToken | undefined): void {
  if (token?.isCancellationRequested) throw new CancelledError();
}

/** Wraps a query handler (hover, code lens, code action): failures are logged and answered with `fallback`. */
export function guarded<P, R>(
  logger: Logger,
  name: string,
  fallback: R,
  handler: Handler<P, R>,
): (params: P, token: CancellationToken) => Promise<R> {
  return async (params, token) => {
    try {
      return await handler(params, token);
    } catch (error) {
      if (!(error instanceof CancelledError)) logger.error(`${name} failed`, error);
      return fallback;
    }
  };
}

/** Wraps a notification handler (didOpen, didChange, ...): failures are logged; there is nobody to answer. */
export function guardedNotification<P>(
  logger: Logger,
  name: string,
  handler: (params: P) => void | Promise<void>,
): (params: P) => Promise<void> {
  return async (params) => {
    try {
      await handler(params);
    } catch (error) {
      logger.error(`${name} failed`, error);
    }
  };
}

/**
 * Wraps a user-invoked request: a `ResponseError` thrown on purpose passes through with its code, anything else is
 * logged and answered as an internal error whose message the client can show.
 */
export function guardedCommand<P, R>(
  logger: Logger,
  name: string,
  handler: Handler<P, R>,
): (params: P, token: CancellationToken) => Promise<R | ResponseError<void>> {
  return async (params, token) => {
    try {
      return await handler(params, token);
    } catch (error) {
      if (error instanceof ResponseError) {
        logger.warn(`${name}: ${error.message}`);
        return error as ResponseError<void>;
      }
      if (error instanceof CancelledError)
        return new ResponseError(LSPErrorCodes.RequestCancelled, "request cancelled");
      logger.error(`${name} failed`, error);
      const message = error instanceof Error ? error.message : String(error);
      return new ResponseError(-32603, `${name} failed: ${message}`);
    }
  };
}
