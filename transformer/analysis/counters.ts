// Loop counters: a carried variable that every iteration moves by the same integer is,
// at the start of iteration k, start + step · k exactly (from an integer start), so the
// backward loop recomputes it instead of reading a tape (Carried.counterStep).
//
// The step is read off the lowered loop, from the block each path of an iteration ends in.
// It is computed as lowering builds the loop, not on the finished IR: where every path
// ends with the same value no merge records the paths, and which blocks the paths ended in
// decides whether the step is found, so a later pass would find other counters than today
// and change the emitted code.
import type { Atom, Stmt, VarId } from "../ir";

/** One way an iteration ends: the carried variable's value there and the block that computed it. */
export interface IterationEnd {
  readonly value: Atom;
  readonly block: readonly Stmt[];
  /** A break (or a return) leaves the loop: no iteration follows, so it may leave the value as it is. */
  readonly broke: boolean;
}

/**
 * The integer every path that goes on to another iteration adds to `carried`, following
 * v = (c + 1) - 2 ... back to the carried variable within each path's block; undefined if
 * some path steps by anything else, or the paths disagree. The caller checks the start is an integer.
 */
export function counterStep(carried: VarId, ends: readonly IterationEnd[]): number | undefined {
  const steps = new Set<number>();
  for (const e of ends) {
    if (e.broke) continue;
    let v = e.value;
    let step = 0;
    while (!(v.kind === "var" && v.id === carried)) {
      const def = v.kind === "var" ? findLet(e.block, v.id) : undefined;
      const op = def?.op.kind === "prim" && (def.op.prim === "+" || def.op.prim === "-") ? def.op : undefined;
      const [a, b] = op ? op.args : [];
      if (a?.kind !== "var" || b?.kind !== "number" || !Number.isInteger(b.value)) return undefined;
      step += op!.prim === "-" ? -b.value : b.value;
      v = a;
    }
    steps.add(step);
  }
  return steps.size === 1 ? [...steps][0] : undefined;
}

/** The let defining a variable, in a block or the ifs nested in it. */
export function findLet(block: readonly Stmt[], id: VarId): (Stmt & { kind: "let" }) | undefined {
  for (const s of block) {
    if (s.kind === "let" && s.target === id) return s;
    const inner = s.kind === "if" ? (findLet(s.then, id) ?? findLet(s.else, id)) : undefined;
    if (inner) return inner;
  }
  return undefined;
}
