/**
 * The settings of vmsplice Lens: one schema with defaults, and a tolerant normaliser (STYLE.md section 5).
 *
 * `SETTINGS_SCHEMA` is the single source of truth: package.json `contributes.configuration.properties` must list the
 * same keys, defaults and enums (a unit test checks it). `normalizeSettings` turns whatever the client sends
 * (missing sections, wrong types, unknown rule ids, strings instead of numbers) into a complete `LensSettings`,
 * never throwing; every value it had to ignore is reported as a warning so the log can say why a setting had no effect.
 * This module is pure: it imports the fact and rule types but no editor, protocol or I/O module.
 *
 * Settings that need a restart of the server: `vmspliceLens.analyzeWorkspace` (the workspace scan runs once at start).
 * `vmspliceLens.trace.server` is read by the client only.
 */
import { KERNEL_MODELS, PAGE_SIZES, type KernelModel, type PageSize } from "./analysis/facts";
import { DEFAULT_MAX_FILE_SIZE } from "./engine/limits";
import { RULES } from "./rules";

export type SeverityOverride = "error" | "warning" | "information" | "hint" | "off";
export const SEVERITY_OVERRIDES: readonly SeverityOverride[] = ["error", "warning", "information", "hint", "off"];

export interface LensSettings {
  enable: boolean;
  kernel: KernelModel;
  pageSize: PageSize;
  /** Per-rule severity overrides; "off" disables the rule. Only known rule ids are kept. */
  severity: Record<string, SeverityOverride>;
  /** Files larger than this many bytes are not analysed (a diagnostic says so). */
  maxFileSize: number;
  /** Delay between the last keystroke and the analysis, in milliseconds. */
  debounceMs: number;
  /** How long the background analysis of a large document may take before it is stopped, in milliseconds. */
  analysisTimeBudgetMs: number;
  codeLens: boolean;
  analyzeWorkspace: boolean;
  /** Extra include directories (absolute, or relative to the project root), searched after the compile database's. */
  includePaths: string[];
}

export const DEFAULT_SETTINGS: Readonly<LensSettings> = Object.freeze({
  enable: true,
  kernel: "rfc-v2",
  pageSize: 4096,
  severity: {},
  maxFileSize: DEFAULT_MAX_FILE_SIZE,
  debounceMs: 75,
  analysisTimeBudgetMs: 30_000,
  codeLens: true,
  analyzeWorkspace: true,
  includePaths: [],
});

export const MAX_DEBOUNCE_MS = 5000;
export const MAX_ANALYSIS_TIME_BUDGET_MS = 600_000;

/** One entry of the schema: the JSON schema fragment package.json carries under `contributes.configuration.properties`. */
export interface SettingSchema {
  type: "boolean" | "string" | "number" | "object" | "array";
  items?: { type: "string" };
  default: unknown;
  enum?: readonly (string | number)[];
  minimum?: number;
  maximum?: number;
  description: string;
  scope?: "resource" | "window";
  /** For the severity map: the allowed values of each rule's entry. */
  additionalProperties?: { type: "string"; enum: readonly string[] };
  properties?: Record<string, { type: "string"; enum: readonly string[] }>;
}

const ruleIds: readonly string[] = RULES.map((record) => record.id);

/** The settings schema, keyed by the full setting name. */
export const SETTINGS_SCHEMA: Readonly<Record<string, SettingSchema>> = {
  "vmspliceLens.enable": {
    type: "boolean",
    default: DEFAULT_SETTINGS.enable,
    description: "Analyse C files for vmsplice calls.",
    scope: "resource",
  },
  "vmspliceLens.kernel": {
    type: "string",
    default: DEFAULT_SETTINGS.kernel,
    enum: KERNEL_MODELS,
    description: "Kernel model the verdicts assume: the RFC v2 zero-copy patch, mainline 6.x, or mainline 3.12.",
    scope: "resource",
  },
  "vmspliceLens.pageSize": {
    type: "number",
    default: DEFAULT_SETTINGS.pageSize,
    enum: PAGE_SIZES,
    description:
      "Page size of the target system in bytes (4096 on x86-64; 16384 or 65536 on some arm64 and ppc64 kernels).",
    scope: "resource",
  },
  "vmspliceLens.severity": {
    type: "object",
    default: {},
    description:
      'Per-rule severity overrides, keyed by rule id (for example {"VMS-PARTIAL": "off"}); "off" disables the rule.',
    additionalProperties: { type: "string", enum: SEVERITY_OVERRIDES },
    scope: "resource",
  },
  "vmspliceLens.maxFileSize": {
    type: "number",
    default: DEFAULT_SETTINGS.maxFileSize,
    minimum: 0,
    description: "Files larger than this many bytes are not analysed.",
    scope: "resource",
  },
  "vmspliceLens.debounceMs": {
    type: "number",
    default: DEFAULT_SETTINGS.debounceMs,
    minimum: 0,
    maximum: MAX_DEBOUNCE_MS,
    description: "Milliseconds to wait after the last edit before analysing.",
    scope: "resource",
  },
  "vmspliceLens.analysisTimeBudgetMs": {
    type: "number",
    default: DEFAULT_SETTINGS.analysisTimeBudgetMs,
    minimum: 100,
    maximum: MAX_ANALYSIS_TIME_BUDGET_MS,
    description:
      "Milliseconds the analysis of a large file (over 512 Ki characters, open or closed, analysed in the background) may take; past it the file shows the findings of the calls analysed so far and an Information line saying how many were left out.",
    scope: "resource",
  },
  "vmspliceLens.codeLens": {
    type: "boolean",
    default: DEFAULT_SETTINGS.codeLens,
    description: "Show the verdict and a Replay link above each vmsplice call.",
    scope: "resource",
  },
  "vmspliceLens.analyzeWorkspace": {
    type: "boolean",
    default: DEFAULT_SETTINGS.analyzeWorkspace,
    description: "Analyse every .c and .h file of the open folders at start (needs a restart of the server).",
    scope: "window",
  },
  "vmspliceLens.includePaths": {
    type: "array",
    default: DEFAULT_SETTINGS.includePaths,
    items: { type: "string" },
    description:
      "Include directories for project headers (absolute, or relative to the project root), searched after the directories of compile_commands.json, as -I would be.",
    scope: "resource",
  },
  "vmspliceLens.trace.server": {
    type: "string",
    default: "off",
    enum: ["off", "messages", "verbose"],
    description: "Traces the communication between VS Code and the vmsplice Lens language server (read by the client).",
    scope: "window",
  },
};

/** The result of normalisation: complete settings plus a sentence per ignored value. */
export interface NormalizedSettings {
  settings: LensSettings;
  warnings: string[];
}

/**
 * Normalises the `vmspliceLens` section as the client returns it from workspace/configuration.
 * Accepts both the nested form (`{kernel: ...}`) and dotted keys (`{"severity.VMS-X": ...}` is not used by VS Code,
 * so only the nested form is read); anything wrong falls back to the default with a warning.
 */
export function normalizeSettings(raw: unknown): NormalizedSettings {
  const warnings: string[] = [];
  const settings: LensSettings = { ...DEFAULT_SETTINGS, severity: {}, includePaths: [] };
  if (raw === null || raw === undefined) return { settings, warnings };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    warnings.push(`vmspliceLens: expected an object of settings, got ${describe(raw)}; using defaults`);
    return { settings, warnings };
  }
  const section = raw as Record<string, unknown>;

  settings.enable = readBoolean(section, "enable", DEFAULT_SETTINGS.enable, warnings);
  settings.codeLens = readBoolean(section, "codeLens", DEFAULT_SETTINGS.codeLens, warnings);
  settings.analyzeWorkspace = readBoolean(section, "analyzeWorkspace", DEFAULT_SETTINGS.analyzeWorkspace, warnings);
  if (section.includePaths !== undefined) {
    const value = section.includePaths;
    if (Array.isArray(value) && value.every((item) => typeof item === "string" && item.length > 0))
      settings.includePaths = [...(value as string[])];
    else warnings.push(`vmspliceLens.includePaths: expected a list of directories, got ${describe(value)}; using none`);
  }

  if (section.kernel !== undefined) {
    if (typeof section.kernel === "string" && (KERNEL_MODELS as readonly string[]).includes(section.kernel))
      settings.kernel = section.kernel as KernelModel;
    else
      warnings.push(
        `vmspliceLens.kernel: ${describe(section.kernel)} is not one of ${KERNEL_MODELS.join(", ")}; using ${DEFAULT_SETTINGS.kernel}`,
      );
  }

  if (section.pageSize !== undefined) {
    const value = typeof section.pageSize === "string" ? Number(section.pageSize) : section.pageSize;
    if (typeof value === "number" && (PAGE_SIZES as readonly number[]).includes(value))
      settings.pageSize = value as PageSize;
    else
      warnings.push(
        `vmspliceLens.pageSize: ${describe(section.pageSize)} is not one of ${PAGE_SIZES.join(", ")}; using ${DEFAULT_SETTINGS.pageSize}`,
      );
  }

  settings.maxFileSize = readNumber(
    section,
    "maxFileSize",
    DEFAULT_SETTINGS.maxFileSize,
    0,
    Number.MAX_SAFE_INTEGER,
    warnings,
  );
  settings.debounceMs = readNumber(section, "debounceMs", DEFAULT_SETTINGS.debounceMs, 0, MAX_DEBOUNCE_MS, warnings);
  settings.analysisTimeBudgetMs = readNumber(
    section,
    "analysisTimeBudgetMs",
    DEFAULT_SETTINGS.analysisTimeBudgetMs,
    100,
    MAX_ANALYSIS_TIME_BUDGET_MS,
    warnings,
  );

  if (section.severity !== undefined) {
    if (section.severity === null || typeof section.severity !== "object" || Array.isArray(section.severity)) {
      warnings.push(
        `vmspliceLens.severity: expected an object mapping rule ids to severities, got ${describe(section.severity)}`,
      );
    } else {
      for (const [id, value] of Object.entries(section.severity as Record<string, unknown>)) {
        const normalizedId = id.trim().toUpperCase();
        if (!ruleIds.includes(normalizedId)) {
          warnings.push(`vmspliceLens.severity: unknown rule id ${JSON.stringify(id)} ignored`);
          continue;
        }
        const severity = normalizeSeverity(value);
        if (severity) settings.severity[normalizedId] = severity;
        else
          warnings.push(
            `vmspliceLens.severity.${normalizedId}: ${describe(value)} is not one of ${SEVERITY_OVERRIDES.join(", ")}; ignored`,
          );
      }
    }
  }
  return { settings, warnings };
}

/** Accepts the documented values plus the common spellings people type ("info", "warn", "none", false). */
function normalizeSeverity(value: unknown): SeverityOverride | null {
  if (value === false) return "off";
  if (typeof value !== "string") return null;
  const lowered = value.trim().toLowerCase();
  const aliases: Record<string, SeverityOverride> = {
    info: "information",
    warn: "warning",
    none: "off",
    disabled: "off",
    ignore: "off",
  };
  if ((SEVERITY_OVERRIDES as readonly string[]).includes(lowered)) return lowered as SeverityOverride;
  return aliases[lowered] ?? null;
}

function readBoolean(section: Record<string, unknown>, key: string, fallback: boolean, warnings: string[]): boolean {
  const value = section[key];
  if (value === undefined) return fallback;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  warnings.push(`vmspliceLens.${key}: expected true or false, got ${describe(value)}; using ${fallback}`);
  return fallback;
}

function readNumber(
  section: Record<string, unknown>,
  key: string,
  fallback: number,
  minimum: number,
  maximum: number,
  warnings: string[],
): number {
  const value = section[key];
  if (value === undefined) return fallback;
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number)) {
    warnings.push(`vmspliceLens.${key}: expected a number, got ${describe(value)}; using ${fallback}`);
    return fallback;
  }
  if (number < minimum || number > maximum) {
    const clamped = Math.min(maximum, Math.max(minimum, number));
    warnings.push(`vmspliceLens.${key}: ${number} is outside ${minimum}..${maximum}; using ${clamped}`);
    return Math.floor(clamped);
  }
  return Math.floor(number);
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
