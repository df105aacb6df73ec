// Variables nothing needed reads, found by marking from what the function must do (its
// return value, effects, conditions) through every assignment: a running sum the gradient
// does not need goes with all its updates, and so does a pair of merge variables feeding
// each other around a loop, which read counts alone (dead-code.ts) keep alive. Names are
// matched by name; a loop body recomputed by the backward sweep reuses its names, which
// only makes more of them live, never fewer.
import * as js from "../js";
import { filterStatements, forEachStatement, isPure } from "./walk";

export function dropDeadUpdates(body: js.Statement[]): js.Statement[] {
  const live = liveNames(body);
  return filterStatements(body, (s) => !isDeadUpdate(s, live));
}

function liveNames(body: readonly js.Statement[]): Set<string> {
  /** What each variable's values are computed from. */
  const deps = new Map<string, Set<string>>();
  const live = new Set<string>();
  const work: string[] = [];
  const mark = (names: Iterable<string>): void => {
    for (const n of names) if (!live.has(n)) (live.add(n), work.push(n));
  };
  const depend = (target: string, exprs: readonly js.Expr[]): void => {
    let set = deps.get(target);
    if (!set) deps.set(target, (set = new Set()));
    for (const e of exprs) for (const n of js.namesIn(e)) set.add(n);
  };
  forEachStatement(body, (s) => {
    switch (s.kind) {
      case "const":
      case "let":
      case "assign":
      case "accumulate": {
        const value = "value" in s ? s.value : s.init;
        // A value with an effect is needed, and so is the variable it lands in.
        if (value && !isPure(value)) mark([s.name, ...js.namesIn(value)]);
        depend(s.name, value ? [value] : []);
        break;
      }
      case "destructure":
        if (!isPure(s.init)) mark(js.namesIn(s.init));
        s.names.forEach((n) => n && depend(n, [s.init]));
        break;
      case "storeElement":
      case "accumulateElement":
        depend(s.array, [s.index, s.value]);
        break;
      default:
        // Conditions, effects, throws, the return value: what the function must do.
        mark(js.statementExprs(s).flatMap((e) => js.namesIn(e)));
    }
  });
  while (work.length > 0) mark(deps.get(work.pop()!) ?? []);
  return live;
}

function isDeadUpdate(s: js.Statement, live: ReadonlySet<string>): boolean {
  switch (s.kind) {
    case "let":
    case "const":
      return !live.has(s.name) && (!s.init || isPure(s.init));
    case "assign":
    case "accumulate":
      return !live.has(s.name) && isPure(s.value);
    case "storeElement":
    case "accumulateElement":
      return !live.has(s.array) && isPure(s.index) && isPure(s.value);
    case "destructure":
      // A destructure with a live name keeps its inputs live through that name; with none it goes.
      return s.names.every((n) => !n || !live.has(n)) && isPure(s.init);
    default:
      return false;
  }
}
