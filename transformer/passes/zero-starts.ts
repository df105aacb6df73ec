// An adjoint declared (or set) to 0 and first added to after that, in the same block or
// inside a branch (`let dz = 0; if (c) { dz = adjoint.add(dz, g) }`), starts from its first
// addend (`dz = g`): adding to a 0 only copies the tensor, and the fusion pass would guard a loop
// on dz's shape that a number never has. Tensors are never written in place once made
// (the accumulator and fused loops write only buffers they allocate), so sharing one is safe.
import * as js from "../js";
import { assignedNames, containsRead, rewriteBlocks } from "./walk";

export function startFromFirstAddend(body: js.Statement[]): js.Statement[] {
  return rewriteBlocks(body, (block) => {
    let out = block;
    for (let k = 0; k < out.length; k++) {
      const s = out[k]!;
      // let dz = 0, or dz = 0 (a loop's carried adjoint, cleared for the next trip once passed on).
      const zero = s.kind === "let" ? s.init : s.kind === "assign" ? s.value : undefined;
      if ((s.kind !== "let" && s.kind !== "assign") || zero?.kind !== "num" || zero.value !== 0) continue;
      const rest = startIn(out.slice(k + 1), s.name);
      if (rest === undefined) continue;
      // Added to first in this same block: the 0 is never read, and the addend takes its place.
      const first = rest.findIndex((r, j) => r !== out[k + 1 + j]);
      const direct = rest[first]!;
      if (direct.kind === "assign" && direct.name === s.name) {
        const merged: js.Statement =
          s.kind === "let" ? js.from(direct, { kind: "let", name: s.name, init: direct.value }) : direct;
        out = [...out.slice(0, k), ...rest.slice(0, first), merged, ...rest.slice(first + 1)];
        k--; // the statement after the 0 is at k now
      } else out = [...out.slice(0, k + 1), ...rest];
    }
    return out;
  });
}

/** `list` with the first statement that touches `d` rewritten, if it is d's first addition (at any depth of ifs); undefined otherwise. */
function startIn(list: readonly js.Statement[], d: string): js.Statement[] | undefined {
  const k = list.findIndex((s) => containsRead([s], d) || assignedNames([s]).has(d));
  if (k < 0) return undefined;
  const s = list[k]!;
  let rewritten: js.Statement | undefined;
  if (s.kind === "assign" && s.name === d) {
    const addend = firstAddend(s.value, d);
    if (addend) rewritten = { ...s, value: addend };
  } else if (s.kind === "if" && !js.namesIn(s.cond).includes(d)) {
    const [then, otherwise] = [startIn(s.then, d), startIn(s.else, d)];
    if (then || otherwise) rewritten = { ...s, then: then ?? s.then, else: otherwise ?? s.else };
  }
  return rewritten && [...list.slice(0, k), rewritten, ...list.slice(k + 1)];
}

/** X in `adjoint.add(d, X)` when X does not read d. */
function firstAddend(e: js.Expr, d: string): js.Expr | undefined {
  if (e.kind !== "runtime" || e.fn !== "add" || e.args.length !== 2) return undefined;
  const [sum, addend] = e.args as [js.Expr, js.Expr];
  return sum.kind === "name" && sum.name === d && !js.namesIn(addend).includes(d) ? addend : undefined;
}
