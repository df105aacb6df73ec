// A const read exactly once, later in the same block, is folded into its use, so
// `const z = x * y + Math.sin(x)` comes back as written when the backward sweep needs
// neither product nor sine. One inlining per call: the next one needs the reads again.
import * as js from "../js";
import type { PassContext } from "./index";
import { assignedNames, containsRead, countReads, declaredNames, isPure, mapBlocks, mapExprs } from "./walk";

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
  const found = findUse(list, i, reads, inlinable);
  if (!found) return undefined;
  const { j, replaced } = found;
  return [...list.slice(0, i), ...list.slice(i + 1, j), replaced, ...list.slice(j + 1)];
}

/** Where list[i] folds into its one use (list[j], which becomes `replaced`), if it can. */
function findUse(
  list: readonly js.Statement[],
  i: number,
  reads: ReadonlyMap<string, number>,
  inlinable: ReadonlySet<string>,
): { j: number; replaced: js.Statement } | undefined {
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
    return { j, replaced: mapExprs(user, (e) => js.substitute(e, (n) => (n === name ? init : undefined))) };
  }
  return undefined;
}

/**
 * inlineOnce again and again, as the fixed point in index.ts calls it, for as long as the
 * passes it runs in between (dead code, identity shuffles, literal variables, dead updates)
 * would find nothing to do: the same inlinings in the same order, without a walk of the whole
 * body for each. It stops after the first call whose inlining could give those passes work
 * (see unsettles), and returns, so that they run then, as they would have.
 *
 * Each call of inlineOnce walks every block from its start; here each block keeps a cursor
 * before which nothing can inline, because an inlining changes only its own block, leaves
 * every other name's read count as it was, and can enable only an earlier const that its
 * value reads (whose one use moved), to which the cursor goes back.
 */
export function inlineWhileSettled(body: js.Statement[], { inlinable }: PassContext): js.Statement[] {
  const root = new BlockState(body, countReads(body), undefined, false);
  let settled = true;

  /** One call of inlineOnce's walk over a block, from its cursor. */
  const step = (list: js.Statement[], block: BlockState): js.Statement[] => {
    for (let i = block.cursor; i < list.length; i++) {
      const s = list[i]!;
      if (s.kind === "if" || s.kind === "while") {
        const nested = block.nestedOf(s);
        let k = 0;
        const inner = mapBlocks(s, (b) => step(b, nested[k++]!));
        if (inner !== s) {
          block.nested.set(inner, nested);
          block.nested.delete(s);
          block.cursor = i;
          return [...list.slice(0, i), inner, ...list.slice(i + 1)];
        }
        block.cursor = i + 1;
        continue;
      }
      const found = findUse(list, i, block.reads, inlinable);
      if (!found) {
        block.cursor = i + 1;
        continue;
      }
      const { j, replaced } = found;
      const x = s as js.Statement & { kind: "const"; init: js.Expr };
      if (unsettles(list, i, replaced, x.name, block)) settled = false;
      if (block.loopBody) block.othersThanUpdates--;
      block.cursor = Math.min(i, block.firstEnabled(list, i, js.namesIn(x.init)));
      return [...list.slice(0, i), ...list.slice(i + 1, j), replaced, ...list.slice(j + 1)];
    }
    return list;
  };

  let current = body;
  for (;;) {
    const next = step(current, root);
    if (!settled) return next;
    if (next === current) {
      if (current !== body) settledResults.add(current);
      return current;
    }
    current = next;
  }
}

/** Results of inlineWhileSettled that it ended settled, with nothing left to inline. */
const settledResults = new WeakSet<readonly js.Statement[]>();

/**
 * Whether `body` came out of inlineWhileSettled settled, with nothing left to inline: the
 * passes before it in the fixed point would find nothing to do (that is what settled means),
 * nor would it, so the body is already simplify's fixed point.
 */
export function endedSettled(body: readonly js.Statement[]): boolean {
  return settledResults.has(body);
}

/**
 * Whether folding `const x` (list[i]) into its use, which becomes `replaced`, could give work
 * to a pass that runs between two calls of inlineOnce, each of which found nothing to do
 * before it. The reads of every other name keep their count, and their liveness (what was
 * live through x is live through the use), so what is left is what a pass matches by shape:
 * - another declaration of x that counted this read (dead code) or is a literal (literals);
 * - a use that becomes a literal or a name: a literal variable, or the copy or the reset of an
 *   identity shuffle (`const dyNext = dy; dy = 0`);
 * - a copy that becomes adjacent to what follows x's declaration (a shuffle again);
 * - an update of a shuffled variable that now reads what x read (the shuffle's conditions);
 * - a loop body left with only updates, which may now be an idle loop (dead code).
 */
function unsettles(
  list: readonly js.Statement[],
  i: number,
  replaced: js.Statement,
  x: string,
  block: BlockState,
): boolean {
  const facts = block.root.facts;
  if ((facts.declaredIn.get(x)?.length ?? 0) > 1) {
    // Dead code counts a declaration's reads in its scope (a loop body or the function): this
    // read counted in every scope around it.
    const scopes = new Set<BlockState>();
    for (let b: BlockState | undefined = block; b; b = b.parent) if (b.loopBody || !b.parent) scopes.add(b);
    if (facts.declaredIn.get(x)!.filter((scope) => scopes.has(scope)).length > 1) return true;
    if (facts.literals.has(x)) return true;
  }
  const value = js.statementExprs(replaced)[0];
  if (value && (value.kind === "num" || value.kind === "name")) return true;
  const before = list[i - 1];
  if (before?.kind === "const" && before.init?.kind === "name") return true;
  if (replaced.kind === "accumulate" && block.shuffled.has(replaced.name)) return true;
  return block.loopBody && block.othersThanUpdates === 1;
}

/** What the batched inlining keeps of a block between calls, made for every block at the start. */
class BlockState {
  /** Statements before it cannot inline (and nothing nested in them), until firstEnabled says otherwise. */
  cursor = 0;
  /** Statements other than assignments and updates, for the idle-loop check of a loop body. */
  othersThanUpdates: number;
  /** Variables reset after a copy in this block, as an identity shuffle starts. */
  readonly shuffled = new Set<string>();
  /** The states of the blocks nested in each if (its two branches) and loop (its body). */
  readonly nested = new Map<js.Statement, BlockState[]>();
  readonly root: BlockState;
  /** Of the whole body, on the root: where each name is declared (its scope), and the literal variables. */
  readonly facts = { declaredIn: new Map<string, BlockState[]>(), literals: new Set<string>() };

  constructor(
    list: readonly js.Statement[],
    /** The read counts inlineOnce decides with: the whole function's, or a loop body's own. */
    readonly reads: ReadonlyMap<string, number>,
    readonly parent: BlockState | undefined,
    /** Whether it is a loop's body: a scope of its own for the reads that count. */
    readonly loopBody: boolean,
  ) {
    this.root = parent?.root ?? this;
    const scope = loopBody || !parent ? this : this.scope();
    this.othersThanUpdates = 0;
    list.forEach((s, k) => {
      if (s.kind !== "assign" && s.kind !== "accumulate") this.othersThanUpdates++;
      const next = list[k + 1];
      if (s.kind === "const" && s.init?.kind === "name" && next?.kind === "assign" && next.name === s.init.name)
        this.shuffled.add(next.name);
      for (const n of declaredNames(s)) {
        const { declaredIn, literals } = this.root.facts;
        declaredIn.set(n, [...(declaredIn.get(n) ?? []), scope]);
        if (!parent && (s.kind === "const" || s.kind === "let") && s.init?.kind === "num") literals.add(n);
      }
      if (s.kind === "if" || s.kind === "while") this.nestedOf(s);
    });
  }

  /** The states of the blocks nested in s; made anew for a statement met a second time in the block after it changed. */
  nestedOf(s: js.Statement & { kind: "if" | "while" }): BlockState[] {
    let states = this.nested.get(s);
    if (!states) {
      states =
        s.kind === "if"
          ? [new BlockState(s.then, this.reads, this, false), new BlockState(s.else, this.reads, this, false)]
          : [new BlockState(s.body, countReads(s.body), this, true)];
      this.nested.set(s, states);
    }
    return states;
  }

  /** The loop body this block is in, or the root. */
  private scope(): BlockState {
    let b: BlockState = this;
    while (b.parent && !b.loopBody) b = b.parent;
    return b;
  }

  /**
   * The first const before position i, read once, named in `names` (what a value that moved
   * past it reads): its one use may have moved, so it is looked at again; i if there is none.
   */
  firstEnabled(list: readonly js.Statement[], i: number, names: readonly string[]): number {
    let first = i;
    for (const n of new Set(names)) {
      if (this.reads.get(n) !== 1) continue;
      for (let k = i - 1; k >= 0; k--) {
        const s = list[k]!;
        if (s.kind === "const" && s.name === n) {
          first = Math.min(first, k);
          break;
        }
      }
    }
    return first;
  }
}
