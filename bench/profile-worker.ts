import { performance } from "node:perf_hooks";
import { Engine } from "../server/src/engine/engine";
import { ItemTables } from "../server/src/engine/regions";
import { newParser, loadLanguagesFor } from "../server/src/parsing/parser";
import { DocumentStore } from "../server/src/protocol/documents";
import { Project } from "../server/src/project/project";
import { UnitHeadersMemo } from "../server/src/protocol/unit-headers-memo";
import { generateC } from "./keystroke";
import { TextDocument } from "vscode-languageserver-textdocument";

const where = (process.argv[2] ?? "far") as "far" | "inside";
const lines = Number(process.argv[3] ?? 270000);
async function main() {
  await loadLanguagesFor(["x.c"]);
  const text = generateC(lines, 3, lines);
  const live = process.env.LIVE === "1" ? 512 * 1024 : Number.POSITIVE_INFINITY;
  const store = new DocumentStore(new Engine(newParser, false, Number.POSITIVE_INFINITY, new ItemTables(), live));
  const uri = "file:///bench/userwait.c";
  const memo = new UnitHeadersMemo();
  store.onEdit = (u, e, d) => memo.edited(u, e, d);
  await store.open(uri, "c", 1, text);
  const project = new Project("/bench", newParser, { includePaths: [] });
  const options = { kernel: "rfc-v2" as const, pageSize: 4096 as const, maxFileSize: 64 << 20 };
  const run = () => {
    const entry = store.get(uri)!;
    if (process.env.NOPROJECT !== "1") memo.read(store.engine, uri, "/bench/userwait.c", entry.document, project);
    return store.engine.analysis(uri, options);
  };
  let t = performance.now();
  const first = run();
  console.log(
    "first",
    (performance.now() - t).toFixed(1),
    "calls",
    first.calls.length,
    "findings",
    first.findings.length,
  );
  const anchor = process.env.ANCHOR ?? (where === "far" ? "checksum = (checksum" : "memset(buf, 0, page");
  const all: number[] = [];
  for (let at = text.indexOf(anchor); at >= 0; at = text.indexOf(anchor, at + 1)) all.push(at + anchor.length);
  let doc = TextDocument.create(uri, "c", 1, text);
  let version = 1;
  const times: number[] = [];
  for (let i = 0; i < Number(process.env.N ?? 40); i++) {
    const offset = all[(i * 7919) % all.length];
    for (const insert of [true, false]) {
      version++;
      const start = doc.positionAt(offset);
      const end = insert ? start : doc.positionAt(offset + 1);
      const change = { range: { start, end }, text: insert ? "x" : "" };
      doc = TextDocument.update(doc, [change], version);
      t = performance.now();
      store.change(uri, version, [change]);
      const r = run();
      times.push(performance.now() - t);
      if (r.calls.length !== first.calls.length) console.log("calls differ");
    }
  }
  times.sort((a, b) => a - b);
  console.log(
    where,
    "p50",
    times[times.length >> 1].toFixed(2),
    "min",
    times[0].toFixed(2),
    "max",
    times[times.length - 1].toFixed(2),
  );
  console.log(JSON.stringify(store.engine.statistics), "memo skipped", memo.skipped);
}
void main();
