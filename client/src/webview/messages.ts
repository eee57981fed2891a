/**
 * The messages between the extension host and the simulator webview: one discriminated union per direction.
 *
 * This module owns the wire shapes only. It imports only the leaf list of kernel models and page sizes
 * (server/src/models.ts; not `vscode`, not the DOM), so the host code, the browser bundle and the unit tests share it
 * without dragging either environment into the other.
 * The trace itself is typed loosely (`unknown`) on the wire: the webview's view-model validates it field by field,
 * because a webview must never trust the shape of data that crossed a process boundary.
 */

import { KERNEL_MODELS, PAGE_SIZES, type KernelModel, type PageSize } from "../../../server/src/models";

export type KernelModelName = KernelModel;
export const KERNEL_MODEL_NAMES: readonly KernelModelName[] = KERNEL_MODELS;
export type PageSizeValue = PageSize;
export const PAGE_SIZE_VALUES: readonly PageSizeValue[] = PAGE_SIZES;

/** What the panel is replaying: a call site in a C file, or a whole `.vmsim` scenario file. */
export type ReplaySubject =
  | {
      kind: "call-site";
      uri: string;
      line: number;
      character: number;
      label: string;
      /** A recorded call to replay instead of the static facts ("Replay observed"). */
      observed?: { trace: string; observation?: number };
    }
  | { kind: "scenario"; uri: string; label: string };

/** Messages the extension host posts to the webview. */
export type HostToWebview =
  | { type: "loading"; subject: ReplaySubject; kernel: KernelModelName; pageSize: PageSizeValue }
  /**
   * `requestId` identifies the replay: the host re-sends the same message when a hidden panel is shown again, and the
   * webview then restores the step it was on instead of starting over.
   */
  | {
      type: "trace";
      requestId: number;
      subject: ReplaySubject;
      kernel: KernelModelName;
      pageSize: PageSizeValue;
      trace: unknown;
    }
  | { type: "error"; subject: ReplaySubject | null; message: string }
  /** The replayed document changed after the replay: the panel says so and offers to replay again. */
  | { type: "stale"; requestId: number };

/** Messages the webview posts to the extension host. */
export type WebviewToHost =
  | { type: "ready" }
  | { type: "changeOptions"; kernel: KernelModelName; pageSize: PageSizeValue }
  | { type: "rendered"; summary: RenderSummary }
  /** The user asked to replay the same subject again (after the source changed). */
  | { type: "replayAgain" }
  /** The user clicked a rule id: open its documentation. */
  | { type: "openRule"; rule: string };

/**
 * What the webview reports after each render. The host keeps the latest one so end-to-end tests can check,
 * through the extension's exported test API, that the webview really ran its script and drew the trace.
 */
export interface RenderSummary {
  kernel: string;
  pageSize: number;
  step: number;
  stepCount: number;
  writerTiles: number;
  ringSlots: number;
  readerTiles: number;
  copiedPages: number;
  movedPages: number;
  /** Chunks moved unsafely (onto the wrong page or into the wrong mapping). */
  unsafePages: number;
  /** The step's caption and the rule ids shown as links in it. */
  caption: string;
  captionRules: string[];
  /** Reader tiles drawn as unsafe in the current step. */
  unsafeTiles: number;
  /** The code lens's page count for the call replayed (null for a scenario), and the tiles of that call's side. */
  lensPages: number | null;
  focusTiles: number;
  /** True while the panel shows "source changed — replay again". */
  stale: boolean;
  error: string | null;
}

export function isKernelModelName(value: unknown): value is KernelModelName {
  return typeof value === "string" && (KERNEL_MODEL_NAMES as readonly string[]).includes(value);
}

export function isPageSizeValue(value: unknown): value is PageSizeValue {
  return typeof value === "number" && (PAGE_SIZE_VALUES as readonly number[]).includes(value);
}

/** Validates a message from the webview; anything malformed is dropped by the host rather than trusted. */
export function parseWebviewMessage(value: unknown): WebviewToHost | null {
  if (typeof value !== "object" || value === null) return null;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case "ready":
      return { type: "ready" };
    case "changeOptions":
      return isKernelModelName(message.kernel) && isPageSizeValue(message.pageSize)
        ? { type: "changeOptions", kernel: message.kernel, pageSize: message.pageSize }
        : null;
    case "replayAgain":
      return { type: "replayAgain" };
    case "openRule":
      return typeof message.rule === "string" && /^VMS-[A-Z0-9-]{1,40}$/.test(message.rule)
        ? { type: "openRule", rule: message.rule }
        : null;
    case "rendered": {
      const summary = message.summary;
      if (typeof summary !== "object" || summary === null) return null;
      return { type: "rendered", summary: summary as RenderSummary };
    }
    default:
      return null;
  }
}
