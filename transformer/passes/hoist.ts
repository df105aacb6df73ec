// A primal value computed inside a branch and read by the backward sweep (whose branches
// are other blocks) is declared before the outermost `if` that holds it, and assigned
// where it is computed. A loop body inside the branch keeps its declarations: they are
// read only inside it.
import * as js from "../js";
import { countReads, declaredNames, flatMapStatements, forEachStatement, rewriteBlocks } from "./walk";

export function hoistBranchValues(body: js.Statement[]): js.Statement[] {
  // Every block gets the same treatment, inner blocks first (loop bodies, branches).
  return rewriteBlocks(body, hoistInBlock);
}

function hoistInBlock(block: js.Statement[]): js.Statement[] {
  const out: js.Statement[] = [];
  for (const [i, s] of block.entries()) {
    if (s.kind !== "if") {
      out.push(s);
      continue;
    }
    const declared = new Set<string>();
    forEachStatement([s], (x) => declaredNames(x).forEach((n) => declared.add(n)), "branches");
    const readAfter = countReads(block.slice(i + 1));
    const hoisted = [...declared].filter((n) => (readAfter.get(n) ?? 0) > 0);
    if (hoisted.length === 0) {
      out.push(s);
      continue;
    }
    const names = new Set(hoisted);
    // The declaration moves out: an initialised one becomes an assignment, a bare one (a
    // merge variable) goes, so that nothing inside shadows the hoisted variable.
    const [rewritten] = flatMapStatements(
      [s],
      (x): js.Statement[] => {
        if ((x.kind === "const" || x.kind === "let") && names.has(x.name))
          return x.init ? [js.from(x, { kind: "assign", name: x.name, value: x.init })] : [];
        return [x];
      },
      "branches",
    );
    for (const n of hoisted) out.push(js.from(s, { kind: "let", name: n }));
    out.push(rewritten!);
  }
  return out;
}
