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
  /**
   * Base URI of the rule pages (`<RULE-ID>.md` is appended): the bundled dist/docs/ folder as a file URL, or the base
   * the client asked for in `initializationOptions.ruleDocumentationBase` (the VS Code client serves the same pages).
   */
  docsBase: string;
  /** A client command that opens a rule's page given its id (`initializationOptions.ruleDocumentationCommand`). */
  ruleDocsCommand?: string | null;
  /** True when the client renders no markdown in hovers (`textDocument.hover.contentFormat` lacks it). */
  hoverPlainText?: boolean;
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
  return context.analyses.analyzeAsync(current, settings, token);
}
