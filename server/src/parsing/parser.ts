/**
 * web-tree-sitter initialisation and the C grammar.
 *
 * This module owns loading the tree-sitter runtime wasm and `tree-sitter-c.wasm`. Both are copied beside the bundle by
 * scripts/build.mjs and are resolved relative to the running script, so nothing is fetched from the network.
 * It is the only place in the server, besides the protocol layer, that touches the file system.
 */
import { Language, Parser, type Edit, type Tree } from "web-tree-sitter";
import { existsSync } from "node:fs";
import { CPP_EXTENSIONS, languageOf, type SourceLanguage } from "../analysis/language";
import path from "node:path";

export type { Tree, Edit };
export { CPP_EXTENSIONS, languageOf, type SourceLanguage } from "../analysis/language";

let languagePromise: Promise<Language> | null = null;
let loadedLanguage: Language | null = null;

/** Directories searched for the wasm files: beside the bundle (dist/), then the packages in node_modules (tests run from source). */
function wasmCandidates(file: string): string[] {
  const here = typeof __dirname === "string" ? __dirname : process.cwd();
  const candidates = [
    path.join(here, file),
    path.join(here, "..", "dist", file),
    path.join(here, "..", "..", "..", "dist", file),
  ];
  const packageFile =
    file === "tree-sitter.wasm"
      ? "web-tree-sitter/tree-sitter.wasm"
      : file === "tree-sitter-cpp.wasm"
        ? "tree-sitter-cpp/tree-sitter-cpp.wasm"
        : "tree-sitter-c/tree-sitter-c.wasm";
  try {
    candidates.push(require.resolve(packageFile));
  } catch {
    // Not resolvable from a bundle; the copies beside the bundle are used instead.
  }
  return candidates;
}

function locateWasm(file: string): string {
  const found = wasmCandidates(file).find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`cannot find ${file} beside the bundle or in node_modules; run \`npm run build\``);
  return found;
}

/** Loads the runtime and the C grammar once per process. */
export function loadCLanguage(): Promise<Language> {
  if (!languagePromise) {
    languagePromise = (async () => {
      const runtime = locateWasm("tree-sitter.wasm");
      await Parser.init({ locateFile: () => runtime });
      loadedLanguage = await Language.load(locateWasm("tree-sitter-c.wasm"));
      return loadedLanguage;
    })();
  }
  return languagePromise;
}

/** A ready C parser. Parsers are cheap; one per document keeps incremental reparses independent. */
export async function createCParser(): Promise<Parser> {
  const language = await loadCLanguage();
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

/**
 * A C parser made synchronously, for the engine's parser factory; `loadCLanguage()` must have finished first
 * (the front ends await it once at start).
 */
export function newCParser(): Parser {
  if (!loadedLanguage) throw new Error("the C grammar is not loaded yet: await loadCLanguage() first");
  const parser = new Parser();
  parser.setLanguage(loadedLanguage);
  return parser;
}

let cppPromise: Promise<Language> | null = null;
let loadedCpp: Language | null = null;

/** Loads the C++ grammar once per process (after the runtime). */
export function loadCppLanguage(): Promise<Language> {
  if (!cppPromise) {
    cppPromise = (async () => {
      await loadCLanguage();
      loadedCpp = await Language.load(locateWasm("tree-sitter-cpp.wasm"));
      return loadedCpp;
    })();
  }
  return cppPromise;
}

/** C and C++ sources and headers, by name (what `check DIR` and the workspace scan analyse). */
export function isSourceName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.endsWith(".c") || lower.endsWith(".h") || CPP_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

/** Loads the grammars files of these names need. */
export async function loadLanguagesFor(files: Iterable<string>): Promise<void> {
  await loadCLanguage();
  for (const file of files) if (languageOf(file) === "cpp") return void (await loadCppLanguage());
}

/**
 * A parser for the language, made synchronously (the grammar must be loaded: `loadLanguagesFor`). The engine's and
 * the project's parser factory.
 */
export function newParser(language: SourceLanguage = "c"): Parser {
  if (language === "c") return newCParser();
  if (!loadedCpp) throw new Error("the C++ grammar is not loaded yet: await loadCppLanguage() first");
  const parser = new Parser();
  parser.setLanguage(loadedCpp);
  return parser;
}

/**
 * Parses text, reusing `oldTree` when given (the caller must have applied `tree.edit` for every change first).
 * Returns null only if tree-sitter gives up (it does not for any input, but the type says it may).
 */
export function parseC(parser: Parser, text: string, oldTree?: Tree | null): Tree | null {
  return parser.parse(text, oldTree ?? null);
}
