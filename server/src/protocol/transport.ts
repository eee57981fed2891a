/**
 * The language server's stdio transport: vscode-jsonrpc's stream reader and writer, plus the two lifecycle rules the
 * library leaves to the server (LSP 3.17 "shutdown" and "Base Protocol").
 *
 * - After a `shutdown` request every further request is answered with `InvalidRequest` and every notification but `exit`
 *   is dropped, here, before any handler sees it (one place instead of a check in every handler).
 * - A framing error (a header without a usable `Content-Length`, or a header that is not `key: value`) ends the process
 *   with status 1 after logging why. The base protocol has no resynchronisation point: once a length is wrong, the
 *   reader cannot know where the next message starts, and vscode-jsonrpc keeps reading its buffer from the wrong place
 *   (the server stays alive but never answers again). Exiting lets the client see the crash and restart the server
 *   (vscode-languageclient restarts a crashed server), which recovers; guessing a restart point could run bytes of a
 *   message body as a request.
 *   A body that is not JSON, with a correct length, is not a framing error: it is logged and the server keeps working.
 *
 * Owns no handlers and no analysis; imports only the protocol library.
 */
import {
  AbstractMessageReader,
  ErrorCodes,
  Message,
  StreamMessageReader,
  StreamMessageWriter,
  type DataCallback,
  type Disposable,
  type MessageReader,
} from "vscode-languageserver/node";
import { Transform, type TransformCallback } from "node:stream";

/** vscode-jsonrpc's words for a broken frame (lib/common/messageReader.js, messageBuffer.js), pinned by the lockfile. */
const FRAMING_ERRORS = [/Content-Length/i, /must separate key and value/i, /header/i];

export function isFramingError(error: Error): boolean {
  return FRAMING_ERRORS.some((pattern) => pattern.test(error.message));
}

export class LifecycleReader extends AbstractMessageReader implements MessageReader {
  private shutdownReceived = false;

  constructor(
    private readonly inner: MessageReader,
    private readonly writer: StreamMessageWriter,
    private readonly onFramingError: (error: Error) => void,
  ) {
    super();
    inner.onError((error) => (isFramingError(error) ? this.onFramingError(error) : this.fireError(error)));
    inner.onClose(() => this.fireClose());
    inner.onPartialMessage((info) => this.firePartialMessage(info));
  }

  get shutdown(): boolean {
    return this.shutdownReceived;
  }

  listen(callback: DataCallback): Disposable {
    return this.inner.listen((message) => {
      if (this.shutdownReceived && Message.isRequest(message)) {
        void this.writer.write({
          jsonrpc: "2.0",
          id: message.id,
          error: {
            code: ErrorCodes.InvalidRequest,
            message: `'${message.method}' after 'shutdown': the server answers no more requests, only 'exit'`,
          },
        } as Message);
        return;
      }
      if (this.shutdownReceived && Message.isNotification(message) && message.method !== "exit") return;
      if (Message.isRequest(message) && message.method === "shutdown") this.shutdownReceived = true;
      callback(message);
    });
  }

  override dispose(): void {
    super.dispose();
    this.inner.dispose();
  }
}

export interface StdioTransport {
  reader: LifecycleReader;
  writer: StreamMessageWriter;
}

/**
 * The transport over the process's stdin and stdout. `exit(code)` ends the process; the reader's end (stdin closed)
 * exits with 0 after `shutdown` and 1 otherwise, as the library does for the streams it creates itself.
 */
export function createStdioTransport(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  logError: (text: string) => void,
  exit: (code: number) => void,
): StdioTransport {
  const writer = new StreamMessageWriter(output);
  let failing = false;
  // vscode-jsonrpc takes any integer parseInt finds as a length: a negative one (`-7`) sends its buffer reading from
  // the wrong place without an error on some chunkings, and the server goes deaf. Lengths are checked here first.
  const checked = new FrameCheck((message) => onFramingError(new Error(message)));
  input.pipe(checked);
  const reader: LifecycleReader = new LifecycleReader(new StreamMessageReader(checked), writer, (error) =>
    onFramingError(error),
  );
  function onFramingError(error: Error): void {
    if (failing) return;
    failing = true;
    const text = `vmsplice Lens: broken message framing (${error.message.split("\n")[0]}); exiting with status 1 so the client restarts the server`;
    logError(text);
    // The log goes out first (the writer is intact, only the input is lost), then the process ends.
    writer
      .write({ jsonrpc: "2.0", method: "window/logMessage", params: { type: 1, message: text } } as Message)
      .catch(() => undefined)
      .finally(() => exit(1));
  }
  reader.onClose(() => exit(reader.shutdown ? 0 : 1));
  return { reader, writer };
}

/** A header section larger than this has no end in sight: a framing error. */
const MAX_HEADER_BYTES = 64 * 1024;
const HEADER_END = Buffer.from("\r\n\r\n");

/**
 * Passes the input through unchanged while following its frames: at each header section, a `Content-Length` that is
 * not a whole decimal number (negative, fractional, with trailing junk) is reported as a framing error. A missing
 * header, or a line without a colon, is left to vscode-jsonrpc, which reports those itself.
 */
export class FrameCheck extends Transform {
  private header: Buffer = Buffer.alloc(0);
  private bodyLeft = 0;
  private broken = false;

  constructor(private readonly onBroken: (message: string) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (!this.broken) this.follow(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    done(null, chunk);
  }

  private follow(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.broken) {
      if (this.bodyLeft > 0) {
        const taken = Math.min(this.bodyLeft, chunk.length - at);
        this.bodyLeft -= taken;
        at += taken;
        continue;
      }
      const seen = this.header.length;
      this.header = Buffer.concat([this.header, chunk.subarray(at)]);
      const end = this.header.indexOf(HEADER_END, Math.max(0, seen - 3));
      if (end < 0) {
        if (this.header.length > MAX_HEADER_BYTES) this.fail(`a header section of over ${MAX_HEADER_BYTES} bytes`);
        return;
      }
      const length = this.lengthIn(this.header.toString("latin1", 0, end));
      at += end + HEADER_END.length - seen;
      this.header = Buffer.alloc(0);
      if (length === null) return;
      this.bodyLeft = length;
    }
  }

  /** The frame's length; null after a failure, or when the header has no Content-Length (the library says so). */
  private lengthIn(header: string): number | null {
    for (const line of header.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== "content-length") continue;
      const value = line.slice(colon + 1).trim();
      if (!/^[0-9]{1,15}$/.test(value)) {
        this.fail(`Content-Length value must be a whole number of bytes. Got ${JSON.stringify(value.slice(0, 40))}`);
        return null;
      }
      return Number(value);
    }
    return null;
  }

  private fail(message: string): void {
    this.broken = true;
    this.onBroken(message);
  }
}
