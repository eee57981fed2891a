/**
 * Which grammar reads a file: C, or C++ (tree-sitter-cpp extends the C grammar, so the analyzer's node types are the
 * same, plus classes, references, `this`, namespaces and brace initialisation). Pure.
 */
export type SourceLanguage = "c" | "cpp";

/** File extensions read as C++ (headers included from C++ files are parsed with the unit's grammar). */
export const CPP_EXTENSIONS = [".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++"] as const;

/** The grammar of a file (a path or a URI), by its extension. */
export function languageOf(file: string): SourceLanguage {
  const lower = file.toLowerCase();
  return CPP_EXTENSIONS.some((extension) => lower.endsWith(extension)) ? "cpp" : "c";
}
