/**
 * A compile database (`compile_commands.json` or `compile_flags.txt`) and the flags of one translation unit that
 * decide includes and `#if`s: `-I`, `-iquote`, `-D`. Pure: the text is given, nothing is read here.
 */
import path from "node:path";

/** Include directories and macros of one translation unit, from the compile database. */
export interface CompileFlags {
  quote: string[];
  include: string[];
  defines: Map<string, string>;
}

/** Splits a compile command the way a POSIX shell would for the common cases (quotes and backslashes). */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let index = 0; index < command.length; index++) {
    const char = command[index];
    if (quote) {
      if (char === quote) quote = null;
      else if (char === "\\" && quote === '"' && index + 1 < command.length) current += command[++index];
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === "\\" && index + 1 < command.length) {
      current += command[++index];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/** The -I, -iquote and -D of one command line, with relative directories taken from `directory`. */
export function flagsOf(args: readonly string[], directory: string): CompileFlags {
  const flags: CompileFlags = { quote: [], include: [], defines: new Map() };
  const take = (option: string, index: number): { value: string; next: number } | null => {
    const argument = args[index];
    if (argument === option) return index + 1 < args.length ? { value: args[index + 1], next: index + 1 } : null;
    return argument.startsWith(option) ? { value: argument.slice(option.length), next: index } : null;
  };
  for (let index = 0; index < args.length; index++) {
    const quote = take("-iquote", index);
    if (quote) {
      flags.quote.push(path.resolve(directory, quote.value));
      index = quote.next;
      continue;
    }
    const include = take("-I", index);
    if (include) {
      flags.include.push(path.resolve(directory, include.value));
      index = include.next;
      continue;
    }
    const define = take("-D", index);
    if (define) {
      const [name, ...value] = define.value.split("=");
      if (name) flags.defines.set(name, value.length > 0 ? value.join("=") : "1");
      index = define.next;
    }
  }
  return flags;
}

interface DatabaseEntry {
  directory?: unknown;
  file?: unknown;
  arguments?: unknown;
  command?: unknown;
}

/** A compile database: `compile_commands.json` entries by absolute file, or `compile_flags.txt` for every file. */
export class CompileDatabase {
  private readonly entries = new Map<string, CompileFlags>();
  private fallback: CompileFlags | null = null;
  /** Problems reading it (shown as notes, never thrown). */
  readonly problems: string[] = [];

  constructor(
    readonly source: string | null,
    text: string | null,
  ) {
    if (!source || text === null) return;
    if (source.endsWith("compile_flags.txt")) {
      const args = text.split(/\r?\n/).filter((line) => line.trim().length > 0);
      this.fallback = flagsOf(args, path.dirname(source));
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      this.problems.push(`${source}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
      return;
    }
    if (!Array.isArray(parsed)) {
      this.problems.push(`${source}: not a JSON array of compile commands`);
      return;
    }
    for (const item of parsed as DatabaseEntry[]) {
      if (typeof item !== "object" || item === null) continue;
      // Relative directories (rare; generators write absolute ones) are taken from the database's own directory.
      const directory = path.resolve(
        path.dirname(path.resolve(source)),
        typeof item.directory === "string" ? item.directory : ".",
      );
      if (typeof item.file !== "string") continue;
      const args = Array.isArray(item.arguments)
        ? item.arguments.filter((argument): argument is string => typeof argument === "string")
        : typeof item.command === "string"
          ? splitCommand(item.command)
          : [];
      this.entries.set(path.resolve(directory, item.file), flagsOf(args, directory));
    }
  }

  /** The flags of a translation unit (null: the database has no entry for it). */
  flagsFor(file: string): CompileFlags | null {
    return this.entries.get(path.resolve(file)) ?? this.fallback;
  }

  get size(): number {
    return this.entries.size + (this.fallback ? 1 : 0);
  }
}
