// Running sums of tensors in loops, added into in place. The backward sweep of a loop adds
// each trip's contribution to a gradient, `dw = add(dw, g)`, and so does a primal loop
// that sums; each call allocates a buffer of dw's size that only the next trip reads. When
// a loop touches a name only through such sums, the sum is handed to a runtime accumulator
// (runtime/internal/accumulator.ts), which owns its buffer and adds into it:
//
//   const dwSum = adjoint.accumulator(dw);
//   while (trip > 0) { ...; dwSum.add(g); }
//   dw = dwSum.value();
//
// Nothing inside the loop can see the buffer, because nothing there reads dw: that is the
// condition, checked over the whole loop body with its nested loops and branches. The
// outermost loop that meets it takes the sum; the gradient is the same to the last bit.
import * as js from "../js";
import type { Namer } from "../naming";
import type { PassContext } from "./index";
import { declaredNames, flatMapStatements, forEachStatement, mapBlocks, namesRead } from "./walk";

type Statement = js.Statement;
type While = Extract<Statement, { kind: "while" }>;

export function accumulateInPlace(body: Statement[], context: PassContext): Statement[] {
  if (!context.namer) return body;
  const namer = context.namer.clone();
  // The passes before this one name things with namers of their own: avoid every name in use.
  forEachStatement(body, (s) => [...namesRead(s), ...declaredNames(s)].forEach((n) => namer.reserve(n)));
  return inLoops(body, namer);
}

function inLoops(list: Statement[], namer: Namer): Statement[] {
  return flatMapStatements(list, (s) => {
    if (s.kind !== "while") return [s];
    const sums = runningSums(s);
    if (sums.length === 0) return [s];
    const accumulators = new Map(sums.map((n) => [n, namer.fresh(`${n}Sum`)]));
    const loop = { ...s, body: replaceSums(s.body, accumulators) };
    return [
      ...sums.map((n): Statement =>
        js.from(s, { kind: "const", name: accumulators.get(n)!, init: js.rt("accumulator", js.name(n)) }),
      ),
      loop,
      ...sums.map((n): Statement =>
        js.from(s, { kind: "assign", name: n, value: method(accumulators.get(n)!, "value") }),
      ),
    ];
  });
}

/** `name = add(name, addend)`, or undefined for any other statement. */
function runningSum(s: Statement): { name: string; addend: js.Expr } | undefined {
  if (s.kind !== "assign" || s.value.kind !== "runtime" || s.value.fn !== "add") return undefined;
  const [sum, addend] = s.value.args;
  return sum?.kind === "name" && sum.name === s.name && addend ? { name: s.name, addend } : undefined;
}

/** The names the loop touches only by adding into them (not even the addends read them), in order of first sum. */
function runningSums(loop: While): string[] {
  const summed = new Set<string>();
  const touched = new Set<string>(js.namesIn(loop.cond));
  let returns = false;
  forEachStatement(loop.body, (s) => {
    const sum = runningSum(s);
    if (sum) {
      summed.add(sum.name);
      js.namesIn(sum.addend).forEach((n) => touched.add(n));
      return;
    }
    if (s.kind === "return") returns = true;
    namesRead(s).forEach((n) => touched.add(n));
    declaredNames(s).forEach((n) => touched.add(n));
    if (s.kind === "assign" || s.kind === "accumulate") touched.add(s.name);
    if (s.kind === "accumulateElement") touched.add(s.array);
    if (s.kind === "for") touched.add(s.index);
  });
  // A return inside would leave the loop without handing the sum back.
  return returns ? [] : [...summed].filter((n) => !touched.has(n));
}

function replaceSums(list: Statement[], accumulators: ReadonlyMap<string, string>): Statement[] {
  return list.map((s) => {
    const sum = runningSum(s);
    const accumulator = sum && accumulators.get(sum.name);
    if (accumulator) return js.from(s, { kind: "effect", expr: method(accumulator, "add", sum!.addend) });
    return mapBlocks(s, (block) => replaceSums(block, accumulators));
  });
}

function method(object: string, name: "add" | "value", ...args: js.Expr[]): js.Expr {
  return js.call({ kind: "member", object, name }, ...args);
}
