// The settings schema in server/src/config.ts: tolerant normalisation, and package.json contributes.configuration
// matching it key by key (type, default, enum).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_SETTINGS, MAX_DEBOUNCE_MS, normalizeSettings, SETTINGS_SCHEMA } from "../../server/src/config";
import { SETTINGS_SECTION } from "../../server/src/protocol/ext";

describe("normalizeSettings", () => {
  test("missing settings give the defaults without warnings", () => {
    for (const raw of [undefined, null, {}]) {
      const { settings, warnings } = normalizeSettings(raw);
      assert.deepEqual(settings, { ...DEFAULT_SETTINGS, severity: {} });
      assert.deepEqual(warnings, []);
    }
  });

  test("valid values are kept, numbers given as strings are accepted", () => {
    const { settings, warnings } = normalizeSettings({
      kernel: "mainline-6.x",
      pageSize: "16384",
      maxFileSize: 1000,
      debounceMs: "20",
      enable: false,
      codeLens: false,
    });
    assert.equal(settings.kernel, "mainline-6.x");
    assert.equal(settings.pageSize, 16384);
    assert.equal(settings.maxFileSize, 1000);
    assert.equal(settings.debounceMs, 20);
    assert.equal(settings.enable, false);
    assert.equal(settings.codeLens, false);
    assert.deepEqual(warnings, []);
  });

  test("wrong values fall back to defaults and say why", () => {
    const { settings, warnings } = normalizeSettings({
      kernel: 3,
      pageSize: 8192,
      enable: "yes",
      maxFileSize: "big",
      debounceMs: 999999,
    });
    assert.equal(settings.kernel, DEFAULT_SETTINGS.kernel);
    assert.equal(settings.pageSize, DEFAULT_SETTINGS.pageSize);
    assert.equal(settings.enable, true);
    assert.equal(settings.maxFileSize, DEFAULT_SETTINGS.maxFileSize);
    assert.equal(settings.debounceMs, MAX_DEBOUNCE_MS);
    assert.equal(warnings.length, 5);
    assert.ok(warnings.some((warning) => warning.startsWith("vmspliceLens.pageSize: 8192")));
  });

  test("a non-object section is ignored with a warning", () => {
    const { settings, warnings } = normalizeSettings("rfc-v2");
    assert.deepEqual(settings, { ...DEFAULT_SETTINGS, severity: {} });
    assert.equal(warnings.length, 1);
  });

  test("severity overrides keep known rule ids, accept common spellings and drop the rest", () => {
    const { settings, warnings } = normalizeSettings({
      severity: {
        "VMS-PARTIAL": "off",
        "vms-align-src": "Info",
        "VMS-FORK": "warn",
        "VMS-NOPE": "error",
        "VMS-ZERO-PAGE": 7,
      },
    });
    assert.deepEqual(settings.severity, {
      "VMS-PARTIAL": "off",
      "VMS-ALIGN-SRC": "information",
      "VMS-FORK": "warning",
    });
    assert.equal(warnings.length, 2);
    assert.ok(warnings.some((warning) => warning.includes("VMS-NOPE")));
  });
});

describe("package.json contributes.configuration", () => {
  const manifest = JSON.parse(readFileSync(path.resolve(__dirname, "..", "..", "package.json"), "utf8")) as {
    contributes?: {
      configuration?:
        | { properties?: Record<string, Record<string, unknown>> }
        | { properties?: Record<string, Record<string, unknown>> }[];
    };
  };

  function properties(): Record<string, Record<string, unknown>> {
    const configuration = manifest.contributes?.configuration;
    assert.ok(configuration, "package.json has no contributes.configuration");
    const sections = Array.isArray(configuration) ? configuration : [configuration];
    return Object.assign({}, ...sections.map((section) => section.properties ?? {}));
  }

  test("lists exactly the schema's keys, all under the one prefix", () => {
    const keys = Object.keys(properties()).sort();
    assert.deepEqual(keys, Object.keys(SETTINGS_SCHEMA).sort());
    for (const key of keys) assert.ok(key.startsWith(`${SETTINGS_SECTION}.`), key);
  });

  test("types, defaults and enums match the schema", () => {
    const contributed = properties();
    for (const [key, schema] of Object.entries(SETTINGS_SCHEMA)) {
      const entry = contributed[key];
      assert.ok(entry, key);
      assert.equal(entry.type, schema.type, `${key} type`);
      assert.deepEqual(entry.default, schema.default, `${key} default`);
      assert.deepEqual(entry.enum, schema.enum, `${key} enum`);
      assert.deepEqual(entry.additionalProperties, schema.additionalProperties, `${key} additionalProperties`);
      assert.equal(entry.minimum, schema.minimum, `${key} minimum`);
      assert.equal(entry.maximum, schema.maximum, `${key} maximum`);
    }
  });

  test("the schema's defaults are what normalisation produces", () => {
    const { settings } = normalizeSettings({});
    assert.equal(SETTINGS_SCHEMA["vmspliceLens.kernel"].default, settings.kernel);
    assert.equal(SETTINGS_SCHEMA["vmspliceLens.pageSize"].default, settings.pageSize);
    assert.equal(SETTINGS_SCHEMA["vmspliceLens.maxFileSize"].default, settings.maxFileSize);
    assert.equal(SETTINGS_SCHEMA["vmspliceLens.debounceMs"].default, settings.debounceMs);
    assert.equal(SETTINGS_SCHEMA["vmspliceLens.enable"].default, settings.enable);
    assert.equal(SETTINGS_SCHEMA["vmspliceLens.codeLens"].default, settings.codeLens);
    assert.equal(SETTINGS_SCHEMA["vmspliceLens.analyzeWorkspace"].default, settings.analyzeWorkspace);
  });
});
