// Statements nothing reads, by read counts: a const nobody reads, a merge variable nobody
// reads with its assignments, a branch left empty, a loop left only counting down.
import * as js from "../js";
import { assignedNames, countReads, forEachStatement, isPure, mapBlocks } from "./walk";

/** What decides about the names of a block: the reads that count, and the merge variables found dead. */
interface Scope {
  readonly reads: ReadonlyMap<string, number>;
  readonly deadMerges: ReadonlySet<string>;
  /** The function's own body and its branches, not a loop body: the reads are the whole function's. */
  readonly whole: boolean;
}

export function removeDeadCode(body: js.Statement[]): js.Statement[] {
  let changed = false;
  const drop = (): js.Statement[] => ((changed = true), []);

  const go = (list: js.Statement[], scope: Scope): js.Statement[] =>
    list.flatMap((s): js.Statement[] => {
      if (scope.whole && isIdleLoop(s, scope.reads)) return drop();
      if (s.kind === "const" && !scope.reads.get(s.name) && (!s.init || isPure(s.init))) return drop();
      if (s.kind === "let" && scope.deadMerges.has(s.name)) return drop();
      if (s.kind === "assign" && scope.deadMerges.has(s.name) && isPure(s.value)) return drop();
      // A loop body is a block: what it declares is read only inside it, so its own reads
      // decide (the backward sweep recomputes an iteration under the same names in a block of its own).
      if (s.kind === "while") return [mapBlocks(s, (block) => go(block, scopeOf(block, false)))];
      if (s.kind === "if") {
        const then = go(s.then, scope);
        const otherwise = go(s.else, scope);
        // Conditions that call functions were saved in a const by the primal sweep, so an
        // emptied branch can go without losing an effect.
        if (then.length === 0 && otherwise.length === 0) return drop();
        // Turned around without counting as a change: kept only when something else went.
        if (then.length === 0)
          return [js.from(s, { kind: "if", cond: { kind: "not", operand: s.cond }, then: otherwise, else: [] })];
        return [{ ...s, then, else: otherwise }];
      }
      return [s];
    });

  const result = go(body, scopeOf(body, true));
  return changed ? result : body;
}

function scopeOf(block: readonly js.Statement[], whole: boolean): Scope {
  const reads = countReads(block);
  return { reads, deadMerges: deadMerges(block, reads), whole };
}

/** Merge variables (declared without a value, assigned in branches) nothing reads: they go with every assignment to them. */
function deadMerges(block: readonly js.Statement[], reads: ReadonlyMap<string, number>): Set<string> {
  const found = new Set<string>();
  forEachStatement(
    block,
    (s) => {
      if (s.kind === "let" && !s.init && !reads.get(s.name)) found.add(s.name);
    },
    "branches",
  );
  return found;
}

/**
 * A loop that only updates variables nothing after it reads (a backward loop left with
 * nothing to do but count down). Decided with the whole function's reads.
 */
function isIdleLoop(s: js.Statement, reads: ReadonlyMap<string, number>): boolean {
  if (s.kind !== "while" || !isPure(s.cond)) return false;
  if (!s.body.every((x) => (x.kind === "assign" || x.kind === "accumulate") && isPure(x.value))) return false;
  const inside = countReads([s]);
  return [...assignedNames(s.body)].every((n) => (reads.get(n) ?? 0) === (inside.get(n) ?? 0));
}
