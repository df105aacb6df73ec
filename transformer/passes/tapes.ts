// A carried variable whose replayed value the backward sweep never reads (an accumulator
// such as a running sum) needs no tape: its declaration, growth and stores go. The
// statements that only maintain a tape are marked `tapeOf` by the sweep; they read the
// tape themselves, so read counts alone would keep every tape.
import type * as js from "../js";
import { countReads, filterStatements } from "./walk";

export function dropUnusedTapes(body: js.Statement[]): js.Statement[] {
  const tapes = new Set<string>();
  const withoutMaintenance = filterStatements(body, (s) => {
    const tape = maintainedTape(s);
    if (tape) tapes.add(tape);
    return !tape;
  });
  const reads = countReads(withoutMaintenance);
  const unused = new Set([...tapes].filter((t) => !reads.get(t)));
  if (unused.size === 0) return body;
  return filterStatements(body, (s) => {
    const tape = maintainedTape(s);
    if (tape && unused.has(tape)) return false;
    return !((s.kind === "let" || s.kind === "const") && unused.has(s.name));
  });
}

function maintainedTape(s: js.Statement): string | undefined {
  return s.kind === "if" || s.kind === "storeElement" ? s.tapeOf : undefined;
}
