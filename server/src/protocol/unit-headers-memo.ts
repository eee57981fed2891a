/**
 * The analysis worker's memory of `readUnitHeaders` per document (issue 12): reading a document's unit takes its whole
 * text as one string and scans it for words, which on a 270k-line document joined ten megabytes of pieces and scanned
 * them on every keystroke, several times the cost of the rest of the keystroke.
 *
 * The argument for skipping a call: `readUnitHeaders` reads the text only through (a) the top level of its tree, which
 * the engine's `structureStamp` vouches for, (b) whether it holds a NUL character, and (c) whether it contains each of
 * a list of words (`UnitTextReads.words`, all runs of identifier characters), unless it says its outcome rests on more
 * (`textDependent`: a probe analysis, a reduced parse). Everything else it reads (headers, the project's facts) belongs
 * to the project object, which the worker makes afresh when the server's project generation moves on. An edit can
 * change whether the text contains a word of identifier characters only through an occurrence overlapping it, which
 * lies inside the run of identifier characters around the edit, before or after it (reads.ts `editWindowWords`). So
 * when the same project asks again, the stamp is the same, there is no NUL, and no edit since the last call had a word
 * in its windows, the call would do exactly what it did last time, and is skipped.
 * Pure bookkeeping: no I/O.
 */
import type { Engine, SourceText, TextEdit } from "../engine/engine";
import { editWindowWords } from "../engine/reads";
import { readUnitHeaders, type Project, type UnitTextReads } from "../project/project";

interface Remembered {
  project: Project;
  stamp: number;
  words: string[];
  /** An edit since the call may have changed its outcome. */
  dirty: boolean;
}

export class UnitHeadersMemo {
  private readonly documents = new Map<string, Remembered>();
  /** Calls skipped (for tests). */
  skipped = 0;

  /** One edit applied to a document (`text` after it); null: the whole text was replaced. */
  edited(uri: string, edit: TextEdit | null, text: SourceText): void {
    const remembered = this.documents.get(uri);
    if (!remembered || remembered.dirty) return;
    if (!edit) {
      remembered.dirty = true;
      return;
    }
    const words = remembered.words;
    for (const word of editWindowWords(edit, text)) {
      if (words.some((wanted) => word.includes(wanted))) {
        remembered.dirty = true;
        return;
      }
    }
  }

  forget(uri: string): void {
    this.documents.delete(uri);
  }

  /** `readUnitHeaders` for the document, unless the last call for it is known to hold still. */
  read(engine: Engine, uri: string, file: string, text: SourceText, project: Project): void {
    const stamp = engine.structureStamp(uri);
    const remembered = this.documents.get(uri);
    if (
      remembered &&
      !remembered.dirty &&
      remembered.project === project &&
      remembered.stamp === stamp &&
      text.nulCount === 0
    ) {
      this.skipped++;
      return;
    }
    const observed: UnitTextReads = { words: [], textDependent: true };
    readUnitHeaders(engine, uri, file, text.getText(), project, false, observed);
    const reusable = !observed.textDependent && observed.words.every(isIdentifierWord);
    if (!reusable) {
      this.documents.delete(uri);
      return;
    }
    // The stamp after the call: reading the unit may reparse, which does not move the stamp.
    this.documents.set(uri, { project, stamp: engine.structureStamp(uri), words: observed.words, dirty: false });
  }
}

function isIdentifierWord(word: string): boolean {
  return word.length > 0 && /^[A-Za-z0-9_]+$/.test(word);
}
