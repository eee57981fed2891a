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
  const reader: LifecycleReader = new LifecycleReader(new StreamMessageReader(input), writer, (error) => {
    if (failing) return;
    failing = true;
    const text = `vmsplice Lens: broken message framing (${error.message.split("\n")[0]}); exiting with status 1 so the client restarts the server`;
    logError(text);
    // The log goes out first (the writer is intact, only the input is lost), then the process ends.
    writer
      .write({ jsonrpc: "2.0", method: "window/logMessage", params: { type: 1, message: text } } as Message)
      .catch(() => undefined)
      .finally(() => exit(1));
  });
  reader.onClose(() => exit(reader.shutdown ? 0 : 1));
  return { reader, writer };
}
