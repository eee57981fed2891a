/**
 * Reads the few settings the client itself needs (the kernel model and page size a replay starts with) from the
 * `vmspliceLens` section, per resource, falling back to the defaults of server/src/config.ts when a value is missing or wrong.
 *
 * The server owns the schema and its normalisation; this module only repeats the two defaults the webview needs before
 * the first answer, and validates rather than trusts the values.
 */
import * as vscode from "vscode";
import { SETTINGS_SECTION } from "../../server/src/protocol/ext";
import { isKernelModelName, isPageSizeValue, type KernelModelName, type PageSizeValue } from "./webview/messages";

export interface ReplayDefaults {
  kernel: KernelModelName;
  pageSize: PageSizeValue;
}

export function replayDefaults(resource: vscode.Uri | undefined): ReplayDefaults {
  const section = vscode.workspace.getConfiguration(SETTINGS_SECTION, resource);
  const kernel = section.get<unknown>("kernel");
  const pageSize = Number(section.get<unknown>("pageSize"));
  return {
    kernel: isKernelModelName(kernel) ? kernel : "rfc-v2",
    pageSize: isPageSizeValue(pageSize) ? pageSize : 4096,
  };
}
