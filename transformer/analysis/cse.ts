// Common subexpressions: the same primitive of the same operands, computed earlier in the
// same block, is the same value, so that x[i] read three times in a loop body is one read
// with one adjoint. The table is filled while lowering emits each let rather than by a
// pass afterwards, because a let never emitted claims no name: removing duplicates later
// would shift the name of every variable after them.
import type { Atom, Stmt, VarId } from "../ir";

/**
 * Markers whose second use is not the first one again: a hook or a user's backward sees
 * each use's gradient separately, so two calls are never merged.
 */
const MARKERS_WITH_EFFECTS = new Set(["gradHook", "customGradient", "customGradientWithTangent"]);

/**
 * A key equal for two applications of a primitive to the same operands; undefined when the
 * value may not be reused: a marker with effects, a read of an array the function writes (a
 * store may come between), or an operand that is an outer expression.
 */
export function valueKey(prim: string, args: readonly Atom[], writtenArrays: ReadonlySet<VarId>): string | undefined {
  if (MARKERS_WITH_EFFECTS.has(prim)) return undefined;
  if (prim === "index" && args[0]?.kind === "var" && writtenArrays.has(args[0].id)) return undefined;
  const parts = [prim];
  for (const a of args) {
    if (a.kind === "var") parts.push(`v${a.id}`);
    else if (a.kind === "number") parts.push(Object.is(a.value, -0) ? "n-0" : `n${a.value}`);
    else return undefined;
  }
  return parts.join(" ");
}

/** The primitives each block has computed so far, by operation and operands. A nested block starts empty. */
export class CommonSubexpressions {
  private readonly computed = new WeakMap<readonly Stmt[], Map<string, VarId>>();

  constructor(private readonly writtenArrays: ReadonlySet<VarId>) {}

  /** The variable an earlier let of `block` holds prim(args) in, if any. */
  find(block: readonly Stmt[], prim: string, args: readonly Atom[]): VarId | undefined {
    const key = valueKey(prim, args, this.writtenArrays);
    return key === undefined ? undefined : this.computed.get(block)?.get(key);
  }

  /** `target`, a let just added to `block`, holds prim(args). */
  record(block: readonly Stmt[], prim: string, args: readonly Atom[], target: VarId): void {
    const key = valueKey(prim, args, this.writtenArrays);
    if (key === undefined) return;
    let seen = this.computed.get(block);
    if (!seen) this.computed.set(block, (seen = new Map()));
    seen.set(key, target);
  }
}
