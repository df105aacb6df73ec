// In a backward loop, `const dyNext = dy; dy = 0; ...; dy += dyNext * x;` hands a carried
// adjoint from one iteration to the one before. When nothing in between reads or writes dy
// otherwise, the copy goes: the iteration reads dy itself and assigns it once, at its end
// (`dy = dy * x`), and not at all when it passes through unchanged (an accumulator's).
import * as js from "../js";
import { assignedNames, containsRead, mapExprsDeep, readsInOpaque, rewriteBlocks } from "./walk";

export function dropIdentityShuffles(body: js.Statement[]): js.Statement[] {
  return rewriteBlocks(body, dropInBlock);
}

function dropInBlock(block: js.Statement[]): js.Statement[] {
  let out = block;
  for (let i = 0; i + 1 < out.length; i++) {
    const copy = out[i]!;
    const reset = out[i + 1]!;
    if (copy.kind !== "const" || copy.init?.kind !== "name") continue;
    const carried = copy.init.name;
    if (reset.kind !== "assign" || reset.name !== carried || reset.value.kind !== "num" || reset.value.value !== 0)
      continue;
    const rest = out.slice(i + 2);
    const isUpdate = (x: js.Statement): x is js.Statement & { kind: "accumulate" } =>
      x.kind === "accumulate" && x.name === carried;
    const others = rest.filter((x) => !isUpdate(x));
    const updates = rest.filter(isUpdate);
    // The copy is renamed away, which substitution cannot do inside an expression kept as written.
    if (readsInOpaque(rest, copy.name) || containsRead(others, carried) || assignedNames(others).has(carried)) continue;
    if (updates.some((u) => js.namesIn(u.value).includes(carried))) continue;
    // Each update's value is evaluated at the end instead: nothing it reads may change after it.
    const movable = rest.every(
      (x, j) => !isUpdate(x) || !js.namesIn(x.value).some((n) => assignedNames(rest.slice(j + 1)).has(n)),
    );
    if (!movable) continue;
    const rename = (e: js.Expr): js.Expr => js.substitute(e, (n) => (n === copy.name ? js.name(carried) : undefined));
    const total = js.sum(updates.map((u) => rename(u.value)));
    const assign: js.Statement[] =
      total.kind === "name" && total.name === carried
        ? []
        : [js.from(updates[0] ?? reset, { kind: "assign", name: carried, value: total })];
    out = [...out.slice(0, i), ...mapExprsDeep(others, rename), ...assign];
    i--;
  }
  return out;
}
