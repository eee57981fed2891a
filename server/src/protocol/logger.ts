/**
 * A levelled logger that writes through the LSP connection (window/logMessage), never to stdout.
 *
 * stdout carries the protocol, so a stray write corrupts the stream; this module is the only way the server reports
 * what it is doing. It depends on a tiny sink interface rather than the connection type, so unit tests can capture lines.
 * It must not import the analysis core's internals or Node's I/O.
 */

export type LogLevel = "error" | "warn" | "info" | "debug";

/** The part of `connection.console` the logger needs. */
export interface LogSink {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  log(message: string): void;
}

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export class Logger {
  private level: LogLevel;

  constructor(
    private readonly sink: LogSink,
    level: LogLevel = "info",
  ) {
    this.level = level;
  }

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  error(message: string, cause?: unknown): void {
    this.write("error", cause === undefined ? message : `${message}: ${describeError(cause)}`);
  }

  warn(message: string): void {
    this.write("warn", message);
  }

  info(message: string): void {
    this.write("info", message);
  }

  debug(message: string): void {
    this.write("debug", message);
  }

  private write(level: LogLevel, message: string): void {
    if (ORDER[level] > ORDER[this.level]) return;
    // A failing sink (the connection is closing) must not turn a log line into a crash.
    try {
      if (level === "error") this.sink.error(message);
      else if (level === "warn") this.sink.warn(message);
      else if (level === "info") this.sink.info(message);
      else this.sink.log(message);
    } catch {
      // Nothing else can be done with a log line that cannot be delivered.
    }
  }
}

/** The message and stack of anything thrown, so a logged failure can be traced to its line. */
export function describeError(cause: unknown): string {
  if (cause instanceof Error) return cause.stack ?? `${cause.name}: ${cause.message}`;
  try {
    return typeof cause === "string" ? cause : JSON.stringify(cause);
  } catch {
    return String(cause);
  }
}
