/**
 * Settings per resource: read through workspace/configuration, normalised by config.ts, cached per URI and cleared
 * when the client says the configuration changed (STYLE.md section 5).
 *
 * Clients without the configuration capability push settings with didChangeConfiguration instead; those become the
 * fallback for every URI. Warnings from normalisation are logged once per distinct warning, not on every keystroke.
 * This module knows nothing about the connection: it receives a fetch function from main.ts.
 */
import { normalizeSettings, DEFAULT_SETTINGS, type LensSettings } from "../config";
import type { Logger } from "./logger";

/** Fetches the raw `vmspliceLens` section for a resource (null: the window-level value). */
export type ConfigurationFetch = (uri: string | null) => Promise<unknown>;

export class SettingsCache {
  private readonly cache = new Map<string, Promise<LensSettings>>();
  private fallback: LensSettings = { ...DEFAULT_SETTINGS, severity: {} };
  private readonly warned = new Set<string>();
  private generation = 0;

  constructor(
    private readonly logger: Logger,
    private fetch: ConfigurationFetch | null = null,
  ) {}

  /** Switches to pulling settings from the client (when it supports workspace/configuration). */
  usePull(fetch: ConfigurationFetch): void {
    this.fetch = fetch;
    this.clear();
  }

  /** Settings pushed by didChangeConfiguration (the whole `settings` object or just our section). */
  setPushed(raw: unknown): void {
    const section =
      raw && typeof raw === "object" && "vmspliceLens" in raw ? (raw as Record<string, unknown>).vmspliceLens : raw;
    this.fallback = this.normalize(section);
    this.clear();
  }

  clear(): void {
    this.cache.clear();
    this.generation++;
  }

  /** A number that changes whenever the cache is cleared, so derived caches know to recompute. */
  get version(): number {
    return this.generation;
  }

  get(uri: string | null): Promise<LensSettings> {
    const key = uri ?? "";
    const cached = this.cache.get(key);
    if (cached) return cached;
    const pending = this.load(uri);
    this.cache.set(key, pending);
    return pending;
  }

  private async load(uri: string | null): Promise<LensSettings> {
    if (!this.fetch) return this.fallback;
    try {
      return this.normalize(await this.fetch(uri));
    } catch (error) {
      this.logger.error(`reading settings for ${uri ?? "the window"} failed; using the last known settings`, error);
      return this.fallback;
    }
  }

  private normalize(raw: unknown): LensSettings {
    const { settings, warnings } = normalizeSettings(raw);
    for (const warning of warnings) {
      if (this.warned.has(warning)) continue;
      this.warned.add(warning);
      this.logger.warn(warning);
    }
    return settings;
  }
}
