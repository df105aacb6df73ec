// A const read exactly once, later in the same block, is folded into its use, so
// `const z = x * y + Math.sin(x)` comes back as written when the backward sweep needs
// neither product nor sine. One inlining per call: the next one needs the reads again.
import * as js from "../js";
import type { PassContext } from "./index";
import { assignedNames, containsRead, countReads, isPure, mapBlocks, mapExprs } from "./walk";

/** Names not `inlinable` (see PassContext) fold only into the merge they feed. */
export function inlineOnce(body: js.Statement[], { inlinable }: PassContext): js.Statement[] {
  const go = (list: js.Statement[], reads: ReadonlyMap<string, number>): js.Statement[] => {
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.kind === "if" || s.kind === "while") {
        // A loop body is a block: the names it declares are read only inside it (the backward
        // loop recomputes an iteration under the same names), so its own reads decide.
        const inner = mapBlocks(s, (block) => go(block, s.kind === "while" ? countReads(block) : reads));
        if (inner !== s) return [...list.slice(0, i), inner, ...list.slice(i + 1)];
        continue;
      }
      const inlined = inlineAt(list, i, reads, inlinable);
      if (inlined) return inlined;
    }
    return list;
  };
  return go(body, countReads(body));
}

/** The block with list[i] folded into its one use, if it can be. */
function inlineAt(
  list: readonly js.Statement[],
  i: number,
  reads: ReadonlyMap<string, number>,
  inlinable: ReadonlySet<string>,
): js.Statement[] | undefined {
  const s = list[i]!;
  if (s.kind !== "const" || !s.init || reads.get(s.name) !== 1 || !isPure(s.init)) return undefined;
  const { name, init } = s;
  const readsOf = (x: js.Statement): boolean => js.statementExprs(x).some((e) => js.namesIn(e).includes(name));
  const initReads = new Set(js.namesIn(init));
  for (let j = i + 1; j < list.length; j++) {
    const user = list[j]!;
    // Loop-carried variables and accumulators are reassigned: never move a read past that.
    const writes = assignedNames([user]);
    if ([...initReads].some((n) => writes.has(n)) && !(user.kind === "assign" && readsOf(user))) return undefined;
    if (user.kind === "if" || user.kind === "while") {
      if (containsRead([user], name)) return undefined;
      continue;
    }
    if (!readsOf(user)) continue;
    // Substitution cannot reach into an expression kept as written.
    if (js.statementExprs(user).some((e) => js.readsInOpaque(e, name))) return undefined;
    // Temporaries fold into their one use; a named value only into the merge it feeds.
    if (!inlinable.has(name) && user.kind !== "assign") return undefined;
    const replaced = mapExprs(user, (e) => js.substitute(e, (n) => (n === name ? init : undefined)));
    return [...list.slice(0, i), ...list.slice(i + 1, j), replaced, ...list.slice(j + 1)];
  }
  return undefined;
}
