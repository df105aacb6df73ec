// Elementwise fusion: a chain of elementwise tensor primitives (add(mul(3, pow(x, 2)), x)),
// or a whole sum or mean of one, becomes one loop over the elements, with no buffer for the
// values only the loop reads, when its tensor operands have one shape at run time. The
// per-operation calls stay, as written, for the other case (broadcasting, or an operand
// that turns out not to be a tensor):
//
//   let dx;
//   if (adjoint.sameShapes(x)) {
//     const xs = x.data;
//     dx = adjoint.fusedResult(x);
//     const dxs = dx.data;
//     const n = dxs.length;
//     for (let i = 0; i < n; i++) {
//       const xi = xs[i];
//       const powi = xi * xi;
//       ...
//       dxs[i] = addi + xi;
//     }
//   } else {
//     dx = adjoint.add(adjoint.add(adjoint.mul(3, adjoint.pow(x, 2)), x), x);
//   }
//
// Each primitive's element formula is its runtime kernel's (rules/formulas.ts), computed in
// float64 and rounded once on store, in the dtype the calls would give (runtime/internal/fusion.ts).
// Only what is certain at compile time is fused: an operand is a number when its type says so
// (PassContext.kinds, or a constant computed from numbers); every other operand is a tensor
// the guard checks, so a value that is a number at run time takes the per-operation path.
import * as js from "../js";
import { elementFormula, isElementwisePrimitive, type KernelName } from "../rules/formulas";
import type { PassContext, ValueKind } from "./index";
import type { Namer } from "../naming";
import { declaredNames, forEachStatement, mapExprs, rewriteBlocks } from "./walk";

/**
 * A node of a chain: a number (computed once, outside the loop if it is not a name or literal),
 * a tensor read element by element, a 0-d tensor read once before the loop, or a primitive.
 */
type Node =
  | { readonly kind: "number"; readonly expr: js.Expr }
  | { readonly kind: "tensor"; readonly name: string }
  | { readonly kind: "scalar"; readonly name: string }
  | {
      readonly kind: "op";
      readonly kernel: KernelName | "copy";
      readonly args: readonly Node[];
      readonly tensor: boolean;
    };

/**
 * A chain found in an expression: its tree, the tensors it reads, its 0-d tensors, and those
 * only its guard reads (unbroadcast's operands): of the same shape, or 0-d.
 */
interface Chain {
  readonly root: Node;
  readonly tensors: string[];
  readonly scalars: string[];
  readonly shapeOnly: string[];
  readonly scalarOnly: string[];
  ops: number;
}

const REDUCTIONS = new Set(["sum", "mean"]);

export function fuseElementwise(body: js.Statement[], context: PassContext): js.Statement[] {
  if (!context.namer) return body;
  // Names declared where the statements are (a reduction taken out of an expression) are the function's own.
  const outer = context.namer.clone();
  const kinds = context.kinds ?? new Map<string, ValueKind>();
  const numbers = numberNames(body, kinds);
  const scalars = new Set([...kinds].filter(([, k]) => k === "scalar").map(([n]) => n));
  const accumulators = new Set<string>();
  forEachStatement(body, (s) => {
    if (s.kind === "const" && s.init?.kind === "runtime" && s.init.fn === "accumulator") accumulators.add(s.name);
  });
  return rewriteBlocks(body, (block) => {
    let changed = false;
    const out = block.flatMap((s) => {
      const statements = [...takeOutReductions(s, numbers, scalars, outer)];
      if (statements.length > 1) changed = true;
      return statements.flatMap((x) => {
        // Each loop's names are its own, in the block of its if: they shadow nothing the loop reads.
        // Cloned when the loop takes its first name: most statements fuse nothing.
        let scope: Namer | undefined;
        const fused = fuseStatement(x, numbers, scalars, accumulators, (base) => (scope ??= outer.clone()).fresh(base));
        if (fused) changed = true;
        return fused ?? [x];
      });
    });
    return changed ? out : block;
  });
}

/** A whole sum or mean of a chain inside a larger expression becomes a constant of its own before the statement, to be fused. */
function takeOutReductions(
  s: js.Statement,
  numbers: ReadonlySet<string>,
  scalars: ReadonlySet<string>,
  namer: Namer,
): js.Statement[] {
  if (s.kind === "if" || s.kind === "while" || s.kind === "for") return [s];
  const before: js.Statement[] = [];
  const visit = (e: js.Expr, whole: boolean): js.Expr => {
    if (!whole && isReduction(e) && worthALoop(chainOf(e.args[0]!, numbers, scalars), true)) {
      const name = namer.fresh(e.fn === "sum" ? "total" : "average");
      before.push({ kind: "const", name, init: e });
      return js.name(name);
    }
    return mapChildren(e, (c) => visit(c, false));
  };
  const whole = s.kind === "const" || s.kind === "let" || s.kind === "assign";
  const rewritten = mapExprs(s, (e) => visit(e, whole));
  return before.length === 0 ? [s] : [...before, rewritten];
}

function isReduction(e: js.Expr): e is Extract<js.Expr, { kind: "runtime" }> {
  return e.kind === "runtime" && REDUCTIONS.has(e.fn) && e.args.length === 1;
}

/** One primitive alone is the runtime's own loop already; a reduction of one (or a sum into a buffer) saves its buffer. */
function worthALoop(chain: Chain | undefined, reduction: boolean): chain is Chain {
  return chain !== undefined && chain.ops >= (reduction ? 1 : 2);
}

/** The expression with each direct sub-expression replaced by f of it (those substitution reaches). */
function mapChildren(e: js.Expr, f: (c: js.Expr) => js.Expr): js.Expr {
  switch (e.kind) {
    case "binary":
      return { ...e, left: f(e.left), right: f(e.right) };
    case "neg":
    case "not":
      return { ...e, operand: f(e.operand) };
    case "math":
    case "runtime":
      return { ...e, args: e.args.map(f) };
    case "call":
      return { ...e, callee: f(e.callee), args: e.args.map(f) };
    case "conditional":
      return { ...e, cond: f(e.cond), whenTrue: f(e.whenTrue), whenFalse: f(e.whenFalse) };
    case "array":
      return { ...e, elements: e.elements.map(f) };
    case "object":
      return { ...e, fields: e.fields.map(([k, v]) => [k, f(v)] as const) };
    default:
      return e;
  }
}

/**
 * The names certainly holding numbers: those the types say are numbers, and constants
 * computed from numbers only (an adjoint's name has no type: its definition tells).
 */
function numberNames(body: readonly js.Statement[], kinds: ReadonlyMap<string, ValueKind>): Set<string> {
  const numbers = new Set([...kinds].filter(([, k]) => k === "number").map(([n]) => n));
  const declarations = new Map<string, number>();
  forEachStatement(body, (s) => declaredNames(s).forEach((n) => declarations.set(n, (declarations.get(n) ?? 0) + 1)));
  forEachStatement(body, (s) => {
    if (s.kind === "const" && s.init && declarations.get(s.name) === 1 && !kinds.has(s.name)) {
      if (isNumberExpr(s.init, numbers)) numbers.add(s.name);
    }
  });
  return numbers;
}

/** Whether an expression certainly gives a number: arithmetic and Math on numbers, a runtime elementwise call of numbers. */
function isNumberExpr(e: js.Expr, numbers: ReadonlySet<string>): boolean {
  switch (e.kind) {
    case "num":
    case "mathConstant":
      return true;
    case "name":
      return numbers.has(e.name);
    case "binary":
      return (
        ["+", "-", "*", "/", "**"].includes(e.op) && isNumberExpr(e.left, numbers) && isNumberExpr(e.right, numbers)
      );
    case "neg":
      return isNumberExpr(e.operand, numbers);
    case "math":
      return e.args.every((a) => isNumberExpr(a, numbers));
    case "runtime":
      // reductionSize counts elements; the elementwise primitives give a number for numbers,
      // and so do unbroadcast and sumGrad for a number adjoint (the seed, a literal).
      if (e.fn === "reductionSize") return true;
      if (e.fn === "unbroadcast" || e.fn === "sumGrad") return isNumberExpr(e.args[0]!, numbers);
      return isElementwisePrimitive(e.fn) && e.args.every((a) => isNumberExpr(a, numbers));
    default:
      return false;
  }
}

/** The chain of an expression, if it is one worth a loop of its own. */
function chainOf(e: js.Expr, numbers: ReadonlySet<string>, scalars: ReadonlySet<string>): Chain | undefined {
  const chain: Chain = {
    root: { kind: "number", expr: e },
    tensors: [],
    scalars: [],
    shapeOnly: [],
    scalarOnly: [],
    ops: 0,
  };
  const visit = (x: js.Expr): Node | undefined => {
    if (isNumberExpr(x, numbers)) return { kind: "number", expr: x };
    if (x.kind === "name" && scalars.has(x.name)) {
      if (!chain.scalars.includes(x.name)) chain.scalars.push(x.name);
      return { kind: "scalar", name: x.name };
    }
    if (x.kind === "name") {
      if (!chain.tensors.includes(x.name)) chain.tensors.push(x.name);
      return { kind: "tensor", name: x.name };
    }
    if (x.kind !== "runtime") return undefined;
    // unbroadcast(g, like, ...others) gives g itself when like and others have g's shape: the guard checks them.
    // A 0-d `like` makes it a sum (not fused); a 0-d other operand widens nothing (the guard checks it is 0-d).
    if (x.fn === "unbroadcast") {
      const [g, ...operands] = x.args;
      if (!operands.every((o) => o.kind === "name" && !numbers.has(o.name))) return undefined;
      const [like, ...others] = operands as { name: string }[];
      if (scalars.has(like!.name)) return undefined;
      for (const o of [like!, ...others]) {
        const list = scalars.has(o.name) ? chain.scalarOnly : chain.shapeOnly;
        if (!list.includes(o.name)) list.push(o.name);
      }
      // g itself only when it has like's shape: it must read a tensor the guard checks, not only 0-d ones.
      const node = visit(g!);
      return node && readsTensor(node) ? node : undefined;
    }
    if (!isElementwisePrimitive(x.fn)) return undefined;
    const args: Node[] = [];
    for (const a of x.args) {
      const node = visit(a);
      if (!node) return undefined;
      args.push(node);
    }
    const tensor = args.some(isTensorNode);
    const kernel = kernelOf(x.fn as KernelName, args);
    if (!kernel) return undefined;
    chain.ops++;
    return { kind: "op", kernel, args: kernel === "copy" ? [args[0]!] : kernel === x.fn ? args : [args[0]!], tensor };
  };
  const root = visit(e);
  if (!root || !readsTensor(root)) return undefined;
  return { ...chain, root };
}

/** Whether a node's value is a tensor (0-d ones included), not a number. */
function isTensorNode(n: Node): boolean {
  return n.kind === "tensor" || n.kind === "scalar" || (n.kind === "op" && n.tensor);
}

/** Whether a node reads a tensor element by element: then its value has that tensor's shape (0-d ones broadcast). */
function readsTensor(n: Node): boolean {
  return n.kind === "tensor" || (n.kind === "op" && n.args.some(readsTensor));
}

/**
 * The kernel the runtime runs for a primitive on these operands: pow of a tensor by a
 * literal 2, 3, 1 or -1 takes its fast path (runtime/ops/index.ts); by an exponent only
 * known at run time it may or may not, so it is not fused.
 */
function kernelOf(fn: KernelName, args: readonly Node[]): KernelName | "copy" | undefined {
  if (fn !== "pow" || !isTensorNode(args[0]!) || isTensorNode(args[1]!)) return fn;
  const exponent = args[1]!.kind === "number" ? args[1].expr : undefined;
  if (exponent?.kind !== "num") return undefined;
  const fast: Record<number, KernelName | "copy"> = { 2: "square", 3: "cube", 1: "copy", [-1]: "reciprocal" };
  return fast[exponent.value] ?? "pow";
}

/** The statement that defines a chain's value, fused; undefined when it holds none. */
function fuseStatement(
  s: js.Statement,
  numbers: ReadonlySet<string>,
  scalars: ReadonlySet<string>,
  accumulators: ReadonlySet<string>,
  fresh: (base: string) => string,
): js.Statement[] | undefined {
  let target: string;
  let value: js.Expr;
  /** The accumulator of a running sum the chain is added into (passes/accumulate.ts). */
  let into: string | undefined;
  if ((s.kind === "const" || s.kind === "let") && s.init) [target, value] = [s.name, s.init];
  else if (s.kind === "assign") [target, value] = [s.name, s.value];
  else if (s.kind === "effect" && accumulatorAdd(s.expr, accumulators)) {
    [into, value] = accumulatorAdd(s.expr, accumulators)!;
    target = into;
  } else return undefined;
  const reduction = isReduction(value) ? value : undefined;
  const chain = chainOf(reduction ? reduction.args[0]! : value, numbers, scalars);
  // Added into a sum's own buffer, one primitive is worth a loop, as for a reduction: no buffer for it.
  if (!worthALoop(chain, reduction !== undefined || into !== undefined)) return undefined;
  // A 0-d operand could widen the sum's dtype, and a reduction's 0-d result is not the sum's shape.
  if (into && (reduction || chain.scalars.length > 0 || chain.scalarOnly.length > 0)) return undefined;

  const then: js.Statement[] = [];
  const data = new Map<string, string>();
  for (const t of chain.tensors) {
    const name = fresh(`${t}s`);
    data.set(t, name);
    then.push({ kind: "const", name, init: { kind: "member", object: t, name: "data" } });
  }
  // 0-d tensors are read once; they take part in the result's dtype, not its shape (the first operand's).
  const scalarValues = new Map<string, string>();
  for (const t of chain.scalars) {
    const name = fresh(`${t}v`);
    scalarValues.set(t, name);
    const data: js.Expr = { kind: "member", object: t, name: "data" };
    then.push({ kind: "const", name, init: { kind: "element", array: data, index: js.num(0) } });
  }
  const operands = [...chain.tensors, ...chain.scalars].map((t) => js.name(t));
  const first = data.get(chain.tensors[0]!)!;
  let output: string | undefined;
  let total: string | undefined;
  if (into) {
    output = fresh(`${into}s`);
    then.push({ kind: "const", name: output, init: js.call({ kind: "member", object: into, name: "buffer" }) });
  } else if (reduction) {
    total = fresh("total");
    then.push({ kind: "let", name: total, init: js.num(0) });
  } else {
    then.push({ kind: "assign", name: target, value: js.rt("fusedResult", ...operands) });
    output = fresh(`${target}s`);
    then.push({ kind: "const", name: output, init: { kind: "member", object: target, name: "data" } });
  }

  const i = fresh("i");
  const loop: js.Statement[] = [];
  const elements = new Map<string, string>();
  for (const t of chain.tensors) {
    const name = fresh(`${t}i`);
    elements.set(t, name);
    loop.push({ kind: "const", name, init: { kind: "element", array: js.name(data.get(t)!), index: js.name(i) } });
  }
  /** The operand expression of a node: a literal or a name, its formula's statements emitted first. */
  /** What the loop already computed, by primitive and operands. */
  const computed = new Map<string, js.Expr>();
  const emit = (n: Node, store?: (value: js.Expr) => js.Statement): js.Expr => {
    const named = (value: js.Expr, base: string): js.Expr => {
      if (store) {
        loop.push(store(value));
        return value;
      }
      if (js.isTrivial(value) && value.kind !== "neg") return value;
      const name = fresh(base);
      loop.push({ kind: "const", name, init: value });
      return js.name(name);
    };
    if (n.kind === "tensor") return named(js.name(elements.get(n.name)!), "");
    if (n.kind === "scalar") return named(js.name(scalarValues.get(n.name)!), "");
    if (n.kind === "number") {
      if (js.isTrivial(n.expr) || store) return named(n.expr, "");
      // Computed once, before the loop.
      const name = fresh("c");
      then.push({ kind: "const", name, init: n.expr });
      return js.name(name);
    }
    const args = n.args.map((a) => emit(a));
    if (n.kernel === "copy") return named(args[0]!, "");
    // A primitive the chain applies twice to the same operands (mul(seed, x) in both terms of
    // x·x's adjoint) is computed once per element.
    const key = operandsKey(n.kernel, args);
    const seen = key === undefined ? undefined : computed.get(key);
    if (seen) return store ? named(seen, "") : seen;
    const formula = elementFormula(n.kernel, args, (letName) => fresh(letName));
    for (const [name, init] of formula.lets) loop.push({ kind: "const", name, init });
    const value = named(formula.value, `${n.kernel}i`);
    if (!store && key !== undefined) computed.set(key, value);
    return value;
  };
  if (into) emit(chain.root, (v) => ({ kind: "accumulateElement", array: output!, index: js.name(i), value: v }));
  else if (output) emit(chain.root, (v) => ({ kind: "storeElement", array: output, index: js.name(i), value: v }));
  else emit(chain.root, (v) => ({ kind: "accumulate", name: total!, value: v }));

  // The length is read once: once any ArrayBuffer in the process has been detached (the
  // runtime's WebAssembly memory growing, a transfer to a worker), V8 re-checks a typed array's
  // length on every read, and a bound read each iteration made the loop 1.2–1.4× slower.
  const count = fresh("n");
  then.push({ kind: "const", name: count, init: { kind: "length", array: js.name(output ?? first) } });
  then.push({ kind: "for", index: i, count: js.name(count), body: loop });
  if (reduction) {
    const result =
      reduction.fn === "mean"
        ? js.binary("/", js.name(total!), { kind: "length", array: js.name(first) })
        : js.name(total!);
    then.push({ kind: "assign", name: target, value: js.rt("fusedTotal", result, ...operands) });
  }
  const shaped = [...chain.tensors, ...chain.shapeOnly.filter((n) => !chain.tensors.includes(n))].map((n) =>
    js.name(n),
  );
  if (into) {
    const fits = js.call({ kind: "member", object: into, name: "fits" }, ...shaped);
    return [js.from(s, { kind: "if", cond: fits, then, else: [s] })];
  }
  const sameShapes = js.rt("sameShapes", ...shaped);
  const zeroD = [...chain.scalars, ...chain.scalarOnly.filter((n) => !chain.scalars.includes(n))];
  const guard =
    zeroD.length === 0 ? sameShapes : js.binary("&&", sameShapes, js.rt("allScalars", ...zeroD.map((n) => js.name(n))));
  // The loop and the calls it stands for map where the statement did (the loop's own statements inherit it).
  const fused: js.Statement = js.from(s, {
    kind: "if",
    cond: guard,
    then,
    else: [js.from(s, { kind: "assign", name: target, value })],
  });
  return s.kind === "assign" ? [fused] : [js.from(s, { kind: "let", name: target }), fused];
}

/** `sum.add(value)` on an accumulator of passes/accumulate.ts: the accumulator and the value. */
function accumulatorAdd(e: js.Expr, accumulators: ReadonlySet<string>): [string, js.Expr] | undefined {
  if (e.kind !== "call" || e.callee.kind !== "member" || e.callee.name !== "add" || e.args.length !== 1)
    return undefined;
  return accumulators.has(e.callee.object) ? [e.callee.object, e.args[0]!] : undefined;
}

/** A primitive applied to names and literals, as a key; undefined for any other operand. */
function operandsKey(kernel: string, args: readonly js.Expr[]): string | undefined {
  const parts: string[] = [kernel];
  for (const a of args) {
    if (a.kind === "name") parts.push(`n:${a.name}`);
    else if (a.kind === "num") parts.push(`v:${a.value}`);
    else return undefined;
  }
  return parts.join(" ");
}
