/**
 * JSON written in pieces: the same text as `JSON.stringify(value, null, 2)` plus a newline, handed to `write` in chunks of bounded
 * size, so a report larger than the engine's largest string (V8 stops at about 512 MiB: "Invalid string length")
 * still reaches stdout. Pure: the caller's `write` is the only effect.
 */

/** How many characters are gathered before they are handed on. */
const CHUNK = 1 << 16;

export function writeJson(
  value: unknown,
  write: (text: string) => void,
  indentUnit = "  ",
  /** Where the value sits: its lines after the first start with this (an element of an array written around it). */
  at: { indent: string; end: string } = { indent: "", end: "\n" },
): void {
  let pending = "";
  const emit = (text: string) => {
    pending += text;
    if (pending.length >= CHUNK) {
      write(pending);
      pending = "";
    }
  };
  // JSON.stringify's rules: toJSON first; then undefined, functions and symbols are left out of objects (null in arrays).
  const resolve = (item: unknown, key: string): unknown =>
    item !== null && typeof item === "object" && typeof (item as { toJSON?: unknown }).toJSON === "function"
      ? (item as { toJSON: (key: string) => unknown }).toJSON(key)
      : item;
  const absent = (item: unknown) => item === undefined || typeof item === "function" || typeof item === "symbol";
  const visit = (current: unknown, indent: string): void => {
    if (current === null || typeof current !== "object") {
      emit(JSON.stringify(current));
      return;
    }
    const inner = indent + indentUnit;
    if (Array.isArray(current)) {
      if (current.length === 0) return emit("[]");
      current.forEach((element, index) => {
        emit(index === 0 ? `[\n${inner}` : `,\n${inner}`);
        const resolved = resolve(element, String(index));
        if (absent(resolved)) emit("null");
        else visit(resolved, inner);
      });
      return emit(`\n${indent}]`);
    }
    let first = true;
    for (const [name, member] of Object.entries(current)) {
      const resolved = resolve(member, name);
      if (absent(resolved)) continue;
      emit(`${first ? "{" : ","}\n${inner}${JSON.stringify(name)}: `);
      first = false;
      visit(resolved, inner);
    }
    emit(first ? "{}" : `\n${indent}}`);
  };
  const top = resolve(value, "");
  if (!absent(top)) visit(top, at.indent);
  emit(at.end);
  write(pending);
}
