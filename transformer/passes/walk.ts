// One walk over the generated statements for every clean-up pass, in the spirit of
// TypeScript's visitEachChild: a pass says what it does to one statement (or one block),
// and the walk takes it into if branches and loop bodies. A statement kind with blocks of
// its own is added here, once, and every pass follows.
//
// Every rewrite returns its input itself when it changes nothing: the fixed point in
// index.ts stops on that.
import * as js from "../js";
import { containsCall } from "../sites";

type Statement = js.Statement;

/**
 * Which nested blocks a walk enters: all of them, or only the branches of ifs. A loop body
 * is a scope of its own for the passes that reason about where a name is declared (the
 * backward sweep recomputes an iteration under the primal's names, in a loop of its own).
 */
export type Enter = "all" | "branches";

/** The blocks nested in a statement: an if's two branches, a loop's body. */
export function blocksOf(s: Statement, enter: Enter = "all"): readonly Statement[][] {
  if (s.kind === "if") return [s.then, s.else];
  if ((s.kind === "while" || s.kind === "for") && enter === "all") return [s.body];
  return [];
}

/** The statement with each nested block replaced by f(block); the statement itself when f changed none. */
export function mapBlocks(s: Statement, f: (block: Statement[]) => Statement[], enter: Enter = "all"): Statement {
  if (s.kind === "if") {
    const then = f(s.then);
    const otherwise = f(s.else);
    return then === s.then && otherwise === s.else ? s : { ...s, then, else: otherwise };
  }
  if ((s.kind === "while" || s.kind === "for") && enter === "all") {
    const body = f(s.body);
    return body === s.body ? s : { ...s, body };
  }
  return s;
}

/** Calls visit on every statement, each before those nested in it (then-branch before else-branch). */
export function forEachStatement(
  list: readonly Statement[],
  visit: (s: Statement) => void,
  enter: Enter = "all",
): void {
  for (const s of list) {
    visit(s);
    for (const block of blocksOf(s, enter)) forEachStatement(block, visit, enter);
  }
}

/** Whether some statement, at any depth, satisfies the test. */
export function someStatement(list: readonly Statement[], test: (s: Statement) => boolean): boolean {
  return list.some((s) => test(s) || blocksOf(s).some((block) => someStatement(block, test)));
}

/**
 * Replaces every statement by what f returns for it (none, itself, several), outer
 * statements first: the walk then enters the blocks of what f returned, so a statement
 * f removes is never entered.
 */
export function flatMapStatements(
  list: Statement[],
  f: (s: Statement) => readonly Statement[],
  enter: Enter = "all",
): Statement[] {
  let changed = false;
  const out = list.flatMap((s) => {
    const replaced = f(s).map((r) => mapBlocks(r, (block) => flatMapStatements(block, f, enter), enter));
    if (replaced.length !== 1 || replaced[0] !== s) changed = true;
    return replaced;
  });
  return changed ? out : list;
}

/** The statements, at any depth, that keep passes; those it refuses go, with what they hold. */
export function filterStatements(
  list: Statement[],
  keep: (s: Statement) => boolean,
  enter: Enter = "all",
): Statement[] {
  return flatMapStatements(list, (s) => (keep(s) ? [s] : []), enter);
}

/** Rewrites every block (the body, each branch, each loop body) with f, the blocks nested in it first. */
export function rewriteBlocks(list: Statement[], f: (block: Statement[]) => Statement[]): Statement[] {
  let changed = false;
  const inner = list.map((s) => {
    const r = mapBlocks(s, (block) => rewriteBlocks(block, f));
    if (r !== s) changed = true;
    return r;
  });
  return f(changed ? inner : list);
}

/** The statement with its own expressions (not those of nested blocks) replaced by f of each. */
export function mapExprs(s: Statement, f: (e: js.Expr) => js.Expr): Statement {
  switch (s.kind) {
    case "const":
    case "let":
      return s.init ? { ...s, init: f(s.init) } : s;
    case "destructure":
      return { ...s, init: f(s.init) };
    case "assign":
    case "accumulate":
    case "return":
      return { ...s, value: f(s.value) };
    case "effect":
    case "throw":
      return { ...s, expr: f(s.expr) };
    case "accumulateElement":
    case "storeElement":
      return { ...s, index: f(s.index), value: f(s.value) };
    case "if":
    case "while":
      return { ...s, cond: f(s.cond) };
    case "for":
      return { ...s, count: f(s.count) };
    case "comment":
      return s;
  }
}

/** Every expression of the statements, at any depth, replaced by f of it. */
export function mapExprsDeep(list: Statement[], f: (e: js.Expr) => js.Expr): Statement[] {
  return flatMapStatements(list, (s) => [mapExprs(s, f)]);
}

// ---- what statements read and write ----

/** The names a statement reads itself (not in its nested blocks), once per read. */
export function namesRead(s: Statement): string[] {
  const names: string[] = [];
  for (const e of js.statementExprs(s)) js.namesIn(e, names);
  // An array written element by element is in use while anything writes it.
  if (s.kind === "storeElement") names.push(s.array);
  return names;
}

/** How many times each name is read, at any depth. An update (x = ..., x += ...) is no read of x. */
export function countReads(list: readonly Statement[]): Map<string, number> {
  const reads = new Map<string, number>();
  for (const s of list) addCounts(reads, readsAtAnyDepth(s));
  return reads;
}

/**
 * The read counts of one statement and the blocks nested in it, kept for as long as the
 * statement lives: passes never mutate a statement (they make a new one), and the rounds of
 * the fixed point count the reads of the same unchanged statements again and again.
 */
const statementReads = new WeakMap<Statement, ReadonlyMap<string, number>>();

function readsAtAnyDepth(s: Statement): ReadonlyMap<string, number> {
  let reads = statementReads.get(s);
  if (!reads) {
    const counts = new Map<string, number>();
    for (const n of namesRead(s)) counts.set(n, (counts.get(n) ?? 0) + 1);
    for (const block of blocksOf(s)) for (const x of block) addCounts(counts, readsAtAnyDepth(x));
    statementReads.set(s, (reads = counts));
  }
  return reads;
}

function addCounts(into: Map<string, number>, counts: ReadonlyMap<string, number>): void {
  for (const [n, c] of counts) into.set(n, (into.get(n) ?? 0) + c);
}

export function containsRead(list: readonly Statement[], name: string): boolean {
  return (countReads(list).get(name) ?? 0) > 0;
}

/** Names assigned (=, +=) anywhere in the statements, arrays written element by element included. */
export function assignedNames(list: readonly Statement[]): Set<string> {
  const out = new Set<string>();
  forEachStatement(list, (s) => {
    if (s.kind === "assign" || s.kind === "accumulate") out.add(s.name);
    if (s.kind === "storeElement" || s.kind === "accumulateElement") out.add(s.array);
  });
  return out;
}

/** The names a statement declares (const, let, destructure). */
export function declaredNames(s: Statement): string[] {
  if (s.kind === "const" || s.kind === "let") return [s.name];
  if (s.kind === "destructure") return s.names.filter((n): n is string => n !== undefined);
  return [];
}

/** Whether `name` is read inside an expression kept as written, at any depth, where substitution cannot reach. */
export function readsInOpaque(list: readonly Statement[], name: string): boolean {
  return someStatement(list, (s) => js.statementExprs(s).some((e) => js.readsInOpaque(e, name)));
}

/**
 * Whether an expression may be dropped or moved. Differentiated functions are pure by
 * contract, so their calls may; an expression kept as written may have effects only if it
 * calls something.
 */
export function isPure(e: js.Expr): boolean {
  let pure = purity.get(e);
  if (pure === undefined) {
    pure = !(e.kind === "opaque" && containsCall(e.node)) && js.children(e).every(isPure);
    purity.set(e, pure);
  }
  return pure;
}

/** isPure of each expression met, which every pass asks of the same expressions in every round (never mutated either). */
const purity = new WeakMap<js.Expr, boolean>();
