/**
 * What every feature handler needs: the documents, the settings, the analysis cache, the logger and the rule
 * documentation base. main.ts builds it once; handlers receive it instead of reaching for globals, so unit tests can
 * build their own.
 */
import type { CancellationToken } from "vscode-languageserver/node";
import type { AnalysisService, DocumentAnalysis } from "./analysis-service";
import type { DocumentStore } from "./documents";
import { throwIfCancelled } from "./handler";
import type { Logger } from "./logger";
import type { ObservedRuns } from "./observed-runs";
import type { SettingsCache } from "./settings";

export interface ServerContext {
  store: DocumentStore;
  settings: SettingsCache;
  analyses: AnalysisService;
  logger: Logger;
  /** file:// (or https) URL of docs/rules.md; rule anchors are appended. */
  docsBase: string;
  /** Recorded runs in the workspace (kept `record` traces), for the observed code lens; absent in tests that need none. */
  observed?: ObservedRuns;
}

/** The current analysis of an open document, or null when the document is not open. */
export async function currentAnalysis(
  context: ServerContext,
  uri: string,
  token?: CancellationToken,
): Promise<DocumentAnalysis | null> {
  const entry = context.store.get(uri);
  if (!entry) return null;
  const version = entry.document.version;
  const settings = await context.settings.get(uri);
  throwIfCancelled(token);
  const current = context.store.get(uri);
  if (!current || current.document.version !== version) return null;
  return context.analyses.analyze(current, settings, token);
}
