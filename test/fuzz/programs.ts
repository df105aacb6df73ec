// Random differentiable number programs for differential testing: a fast-check generator
// of a small AST, a printer to TypeScript (what the transformer sees), and an independent
// forward-mode evaluator on dual numbers (what the gradient is checked against). The
// evaluator shares no code with the transformer.
import fc from "fast-check";

export type Unary = "sin" | "cos" | "tanh" | "atan" | "expSin" | "logSq" | "sqrtSq" | "abs" | "square" | "cube" | "neg";
export type Binary = "+" | "-" | "*" | "safeDiv" | "max" | "min" | "hypot" | "atan2";

export type Expr =
  | { k: "var"; name: string }
  | { k: "num"; v: number }
  | { k: "unary"; op: Unary; a: Expr }
  | { k: "binary"; op: Binary; a: Expr; b: Expr }
  /** (a > b ? c : d) */
  | { k: "cond"; a: Expr; b: Expr; c: Expr; d: Expr }
  | { k: "call"; helper: number; args: Expr[] }
  | { k: "stop"; a: Expr }
  | { k: "reverse"; a: Expr; lambda: number }
  /** gradHook(a, (g) => scale * g) */
  | { k: "hook"; a: Expr; scale: number };

export type Stmt =
  | { k: "let"; name: string; e: Expr; mutable: boolean }
  | { k: "assign"; name: string; op: "=" | "+=" | "-=" | "*="; e: Expr }
  | { k: "if"; a: Expr; b: Expr; then: Stmt[]; else: Stmt[] }
  /** for (let i = 0; i < count; i++) { body; if (i === skip) continue; ...; if (a > b) break } */
  | { k: "for"; count: number; body: Stmt[]; skip?: number; breakIf?: { a: Expr; b: Expr } }
  | { k: "return"; e: Expr };

export interface Fn {
  readonly params: string[];
  readonly body: Stmt[];
  readonly result: Expr;
}

export interface Program {
  /** Helpers h0, h1, ...: each may call only the ones before it. */
  readonly helpers: Fn[];
  readonly main: Fn;
  readonly wrt: number[];
}

// ---- generation ----

const UNARY: Unary[] = ["sin", "cos", "tanh", "atan", "expSin", "logSq", "sqrtSq", "abs", "square", "cube", "neg"];
const BINARY: Binary[] = ["+", "-", "*", "safeDiv", "max", "min", "hypot", "atan2"];
const literal = fc.oneof(fc.constantFrom(0, 1, 2, -1, 0.5, 3), fc.double({ min: -3, max: 3, noNaN: true }).map((v) => Math.round(v * 100) / 100));

function exprArb(vars: readonly string[], helpers: readonly Fn[], depth: number): fc.Arbitrary<Expr> {
  const leaf = vars.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...vars).map((name): Expr => ({ k: "var", name })) }, { weight: 1, arbitrary: literal.map((v): Expr => ({ k: "num", v })) }) : literal.map((v): Expr => ({ k: "num", v }));
  if (depth <= 0) return leaf;
  const sub = exprArb(vars, helpers, depth - 1);
  const options: fc.WeightedArbitrary<Expr>[] = [
    { weight: 3, arbitrary: leaf },
    { weight: 3, arbitrary: fc.record({ k: fc.constant("unary" as const), op: fc.constantFrom(...UNARY), a: sub }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant("binary" as const), op: fc.constantFrom(...BINARY), a: sub, b: sub }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("cond" as const), a: sub, b: sub, c: sub, d: sub }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("stop" as const), a: sub }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("reverse" as const), a: sub, lambda: fc.constantFrom(1, 0.5, -2) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("hook" as const), a: sub, scale: fc.constantFrom(-1, 2, 0.5) }) },
  ];
  if (helpers.length > 0) {
    const call = fc.integer({ min: 0, max: helpers.length - 1 }).chain((h) =>
      fc.tuple(...helpers[h]!.params.map(() => sub)).map((args): Expr => ({ k: "call", helper: h, args })),
    );
    options.push({ weight: 2, arbitrary: call });
  }
  return fc.oneof(...options);
}

function bodyArb(params: readonly string[], helpers: readonly Fn[], prefix: string): fc.Arbitrary<{ body: Stmt[]; result: Expr }> {
  // Statements are generated as a sequence; names are introduced in order so every read is
  // of a variable already assigned on every path.
  return fc.integer({ min: 0, max: 4 }).chain((count) => {
    const step = (i: number, vars: readonly string[], mutables: readonly string[]): fc.Arbitrary<Stmt[]> => {
      if (i >= count) return fc.constant([]);
      const e = exprArb(vars, helpers, 3);
      const name = `${prefix}v${i}`;
      const declare = fc.tuple(e, fc.boolean()).chain(([expr, mutable]) =>
        step(i + 1, [...vars, name], mutable ? [...mutables, name] : mutables).map((rest): Stmt[] => [{ k: "let", name, e: expr, mutable }, ...rest]),
      );
      const options: fc.Arbitrary<Stmt[]>[] = [declare];
      if (mutables.length > 0) {
        options.push(
          fc.tuple(fc.constantFrom(...mutables), fc.constantFrom("=" as const, "+=" as const, "-=" as const, "*=" as const), e).chain(([target, op, expr]) =>
            step(i + 1, vars, mutables).map((rest): Stmt[] => [{ k: "assign", name: target, op, e: expr }, ...rest]),
          ),
        );
        const assignIn = (m: string) => exprArb(vars, helpers, 2).map((expr): Stmt[] => [{ k: "assign", name: m, op: "=", e: expr }]);
        // A loop updating mutable variables a few times (contracting, so values stay bounded).
        options.push(
          fc.tuple(
            fc.integer({ min: 0, max: 3 }),
            fc.constantFrom(...mutables),
            exprArb(vars, helpers, 2),
            fc.constantFrom(...mutables),
            fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
            fc.option(fc.record({ a: exprArb(vars, helpers, 1), b: exprArb(vars, helpers, 1) }), { nil: undefined }),
          ).chain(([count, m1, e1, m2, skip, breakIf]) =>
            step(i + 1, vars, mutables).map((rest): Stmt[] => [
              {
                k: "for",
                count,
                skip,
                breakIf,
                body: [
                  { k: "assign", name: m1, op: "=", e: { k: "unary", op: "tanh", a: { k: "binary", op: "+", a: { k: "var", name: m1 }, b: e1 } } },
                  { k: "assign", name: m2, op: "*=", e: { k: "num", v: 0.9 } },
                ],
              },
              ...rest,
            ]),
          ),
        );
        options.push(
          fc.tuple(exprArb(vars, helpers, 2), exprArb(vars, helpers, 2), fc.constantFrom(...mutables), fc.constantFrom(...mutables), fc.boolean(), exprArb(vars, helpers, 2)).chain(
            ([a, b, m1, m2, early, returned]) =>
              fc.tuple(assignIn(m1), assignIn(m2)).chain(([thenS, elseS]) =>
                step(i + 1, vars, mutables).map((rest): Stmt[] => [
                  { k: "if", a, b, then: early ? [...thenS, { k: "return", e: returned }] : thenS, else: elseS },
                  ...rest,
                ]),
              ),
          ),
        );
      }
      return fc.oneof(...options);
    };
    return step(0, params, []).chain((body) => {
      const declared = [...params, ...body.flatMap((s) => (s.k === "let" ? [s.name] : []))];
      return exprArb(declared, helpers, 3).map((result) => ({ body, result }));
    });
  });
}

export const programArb: fc.Arbitrary<Program> = fc.integer({ min: 0, max: 2 }).chain((helperCount) => {
  const helpersArb = (i: number, done: Fn[]): fc.Arbitrary<Fn[]> => {
    if (i >= helperCount) return fc.constant(done);
    return fc.integer({ min: 1, max: 2 }).chain((arity) => {
      const params = Array.from({ length: arity }, (_, k) => `a${k}`);
      return bodyArb(params, done, `h${i}`).chain(({ body, result }) => helpersArb(i + 1, [...done, { params, body, result }]));
    });
  };
  return helpersArb(0, []).chain((helpers) =>
    fc.integer({ min: 1, max: 3 }).chain((arity) => {
      const params = Array.from({ length: arity }, (_, k) => `p${k}`);
      return fc.tuple(bodyArb(params, helpers, ""), fc.subarray(params.map((_, k) => k), { minLength: 1 }), fc.boolean()).map(([{ body, result }, wrt, reversed]) => ({
        helpers,
        main: { params, body, result },
        wrt: reversed ? [...wrt].reverse() : wrt,
      }));
    }),
  );
});

// ---- printing ----

/** A literal as source; -0 kept (atan2 tells it from 0). */
function literalText(v: number): string {
  if (Object.is(v, -0)) return "(-0)";
  return v < 0 ? `(${v})` : String(v);
}

function printExpr(e: Expr): string {
  const p = printExpr;
  switch (e.k) {
    case "var":
      return e.name;
    case "num":
      return literalText(e.v);
    case "unary":
      switch (e.op) {
        case "expSin":
          return `Math.exp(Math.sin(${p(e.a)}))`;
        case "logSq":
          return `Math.log(1 + (${p(e.a)}) ** 2)`;
        case "sqrtSq":
          return `Math.sqrt(1 + (${p(e.a)}) * (${p(e.a)}))`;
        case "square":
          return `(${p(e.a)}) ** 2`;
        case "cube":
          return `Math.pow(${p(e.a)}, 3)`;
        case "neg":
          return `-(${p(e.a)})`;
        default:
          return `Math.${e.op}(${p(e.a)})`;
      }
    case "binary":
      switch (e.op) {
        case "safeDiv":
          return `(${p(e.a)}) / (2 + Math.cos(${p(e.b)}))`;
        case "max":
        case "min":
        case "hypot":
        case "atan2":
          return `Math.${e.op}(${p(e.a)}, ${p(e.b)})`;
        default:
          return `(${p(e.a)} ${e.op} ${p(e.b)})`;
      }
    case "cond":
      return `(${p(e.a)} > ${p(e.b)} ? ${p(e.c)} : ${p(e.d)})`;
    case "call":
      return `h${e.helper}(${e.args.map(p).join(", ")})`;
    case "stop":
      return `stopGradient(${p(e.a)})`;
    case "reverse":
      return `reverseGradient(${p(e.a)}, ${e.lambda})`;
    case "hook":
      return `gradHook(${p(e.a)}, (g) => ${e.scale} * g)`;
  }
}

function printBody(body: readonly Stmt[], indent: string): string[] {
  return body.flatMap((s): string[] => {
    switch (s.k) {
      case "let":
        return [`${indent}${s.mutable ? "let" : "const"} ${s.name} = ${printExpr(s.e)};`];
      case "assign":
        return [`${indent}${s.name} ${s.op} ${printExpr(s.e)};`];
      case "return":
        return [`${indent}return ${printExpr(s.e)};`];
      case "for": {
        const [first, ...others] = printBody(s.body, indent + "  ");
        return [
          `${indent}for (let i = 0; i < ${s.count}; i++) {`,
          ...(first ? [first] : []),
          ...(s.skip !== undefined ? [`${indent}  if (i === ${s.skip}) continue;`] : []),
          ...others,
          ...(s.breakIf ? [`${indent}  if (${printExpr(s.breakIf.a)} > ${printExpr(s.breakIf.b)}) break;`] : []),
          `${indent}}`,
        ];
      }
      case "if":
        return [
          `${indent}if (${printExpr(s.a)} > ${printExpr(s.b)}) {`,
          ...printBody(s.then, indent + "  "),
          `${indent}} else {`,
          ...printBody(s.else, indent + "  "),
          `${indent}}`,
        ];
    }
  });
}

function printFn(name: string, fn: Fn, exported: boolean): string {
  return [
    `${exported ? "export " : ""}function ${name}(${fn.params.map((p) => `${p}: number`).join(", ")}): number {`,
    ...printBody(fn.body, "  "),
    `  return ${printExpr(fn.result)};`,
    `}`,
  ].join("\n");
}

/** The program as TypeScript, exporting f and df = grad(f, { wrt }). */
export function printProgram(program: Program): string {
  return [
    `import { grad, stopGradient, reverseGradient, gradHook } from "adjoint";`,
    ...program.helpers.map((h, i) => printFn(`h${i}`, h, false)),
    printFn("f", program.main, true),
    `export const df = grad(f, { wrt: [${program.wrt.join(", ")}] });`,
  ].join("\n");
}

// ---- the forward-mode reference ----

/** A dual number: value and derivative along one direction. */
interface Dual {
  readonly v: number;
  readonly d: number;
}

/** Distance to the nearest kink met while evaluating (finite differences are unreliable near one). */
export interface Evaluation {
  readonly value: number;
  readonly gradient: number[];
  readonly kink: number;
  /** A periodic function of a huge argument was met: nothing can be compared. */
  readonly unstable: boolean;
}

class ReturnSignal {
  constructor(readonly value: Dual) {}
}

function unaryValue(op: Unary, v: number): number {
  switch (op) {
    case "expSin":
      return Math.exp(Math.sin(v));
    case "logSq":
      return Math.log(1 + v ** 2);
    case "sqrtSq":
      return Math.sqrt(1 + v * v);
    case "square":
      return v ** 2;
    case "cube":
      return Math.pow(v, 3);
    case "neg":
      return -v;
    default:
      return Math[op](v);
  }
}

function binaryValue(op: Binary, a: number, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "safeDiv":
      return a / (2 + Math.cos(b));
    default:
      return Math[op](a, b);
  }
}

/**
 * `bothBranches`: evaluate both sides of a conditional (for tensor programs, whose `where`
 * computes both, so a singular derivative on the side not taken still meets 0·∞).
 */
export function evaluate(program: Program, inputs: readonly number[], bothBranches = false): Evaluation {
  const cube = (v: number): number => Math.pow(v, 3);
  let kink = Infinity;
  const near = (distance: number) => {
    kink = Math.min(kink, Math.abs(distance));
  };
  // sin or cos of a huge argument turns a last-bit difference (x·x·x against Math.pow) into
  // any value at all: such a program has no stable value to compare.
  let unstable = false;
  const periodic = (v: number) => {
    if (Math.abs(v) > 1e6) unstable = true;
  };
  const run = (fn: Fn, args: readonly Dual[]): Dual => {
    const env = new Map<string, Dual>(fn.params.map((p, i) => [p, args[i]!]));
    const expr = (e: Expr): Dual => {
      switch (e.k) {
        case "var":
          return env.get(e.name)!;
        case "num":
          return { v: e.v, d: 0 };
        case "unary": {
          const a = expr(e.a);
          // No tangent in, none out: reverse mode never evaluates the rule on a value no
          // gradient depends on, so neither does the reference (0/0 there is not a NaN gradient).
          if (e.op === "sin" || e.op === "cos" || e.op === "expSin") periodic(a.v);
          if (a.d === 0) return { v: e.op === "cube" ? cube(a.v) : unaryValue(e.op, a.v), d: 0 };
          switch (e.op) {
            case "sin":
              return { v: Math.sin(a.v), d: Math.cos(a.v) * a.d };
            case "cos":
              return { v: Math.cos(a.v), d: -Math.sin(a.v) * a.d };
            case "tanh": {
              const t = Math.tanh(a.v);
              return { v: t, d: (1 - t * t) * a.d };
            }
            case "atan":
              return { v: Math.atan(a.v), d: a.d / (1 + a.v * a.v) };
            case "expSin": {
              const v = Math.exp(Math.sin(a.v));
              return { v, d: v * Math.cos(a.v) * a.d };
            }
            case "logSq": {
              const q = 1 + a.v ** 2;
              return { v: Math.log(q), d: ((2 * a.v) / q) * a.d };
            }
            case "sqrtSq": {
              const s = Math.sqrt(1 + a.v * a.v);
              return { v: s, d: (a.v / s) * a.d };
            }
            case "abs":
              near(a.v);
              return { v: Math.abs(a.v), d: Math.sign(a.v) * a.d };
            case "square":
              return { v: a.v ** 2, d: 2 * a.v * a.d };
            case "cube":
              return { v: cube(a.v), d: 3 * a.v * a.v * a.d };
            case "neg":
              return { v: -a.v, d: -a.d };
          }
          break;
        }
        case "binary": {
          const a = expr(e.a);
          const b = expr(e.b);
          if (a.d === 0 && b.d === 0) {
            // Kinks and singular points count even without a tangent: reverse mode still
            // evaluates the rule there when the operand is active on another path.
            if (e.op === "max" || e.op === "min") near(a.v - b.v);
            if (e.op === "hypot" || e.op === "atan2") near(Math.hypot(a.v, b.v));
            return { v: binaryValue(e.op, a.v, b.v), d: 0 };
          }
          switch (e.op) {
            case "+":
              return { v: a.v + b.v, d: a.d + b.d };
            case "-":
              return { v: a.v - b.v, d: a.d - b.d };
            case "*":
              return { v: a.v * b.v, d: a.d * b.v + a.v * b.d };
            case "safeDiv": {
              periodic(b.v);
              const q = 2 + Math.cos(b.v);
              return { v: a.v / q, d: a.d / q + (a.v * Math.sin(b.v) * b.d) / (q * q) };
            }
            case "max":
            case "min": {
              near(a.v - b.v);
              const v = e.op === "max" ? Math.max(a.v, b.v) : Math.min(a.v, b.v);
              // Ties split the gradient evenly (PyTorch).
              const d = a.v === b.v ? (a.d + b.d) / 2 : v === a.v ? a.d : b.d;
              return { v, d };
            }
            case "hypot": {
              const h = Math.hypot(a.v, b.v);
              near(h);
              return { v: h, d: (a.v * a.d + b.v * b.d) / h };
            }
            case "atan2": {
              const r = a.v * a.v + b.v * b.v;
              near(Math.sqrt(r));
              return { v: Math.atan2(a.v, b.v), d: (b.v * a.d - a.v * b.d) / r };
            }
          }
          break;
        }
        case "cond": {
          const a = expr(e.a);
          const b = expr(e.b);
          near(a.v - b.v);
          if (bothBranches) {
            const [c, d] = [expr(e.c), expr(e.d)];
            return a.v > b.v ? c : d;
          }
          return a.v > b.v ? expr(e.c) : expr(e.d);
        }
        case "call":
          return run(program.helpers[e.helper]!, e.args.map(expr));
        case "stop":
          return { v: expr(e.a).v, d: 0 };
        case "reverse": {
          const a = expr(e.a);
          return { v: a.v, d: -e.lambda * a.d };
        }
        case "hook": {
          const a = expr(e.a);
          return { v: a.v, d: e.scale * a.d };
        }
      }
      throw new Error("unreachable");
    };
    const block = (body: readonly Stmt[]): void => {
      for (const s of body) {
        switch (s.k) {
          case "let":
            env.set(s.name, expr(s.e));
            break;
          case "assign": {
            const value = expr(s.e);
            const old = env.get(s.name)!;
            env.set(
              s.name,
              s.op === "="
                ? value
                : s.op === "+="
                  ? { v: old.v + value.v, d: old.d + value.d }
                  : s.op === "-="
                    ? { v: old.v - value.v, d: old.d - value.d }
                    : { v: old.v * value.v, d: old.d * value.v + old.v * value.d },
            );
            break;
          }
          case "return":
            throw new ReturnSignal(expr(s.e));
          case "if": {
            const a = expr(s.a);
            const b = expr(s.b);
            near(a.v - b.v);
            block(a.v > b.v ? s.then : s.else);
            break;
          }
          case "for":
            for (let i = 0; i < s.count; i++) {
              const [first, ...others] = s.body;
              if (first) block([first]);
              if (s.skip === i) continue;
              block(others);
              if (s.breakIf) {
                const [a, b] = [expr(s.breakIf.a), expr(s.breakIf.b)];
                near(a.v - b.v);
                if (a.v > b.v) break;
              }
            }
            break;
        }
      }
    };
    try {
      block(fn.body);
      return expr(fn.result);
    } catch (signal) {
      if (signal instanceof ReturnSignal) return signal.value;
      throw signal;
    }
  };
  let value = NaN;
  const gradient = program.wrt.map((i) => {
    const out = run(
      program.main,
      inputs.map((v, k) => ({ v, d: k === i ? 1 : 0 })),
    );
    value = out.v;
    return out.d;
  });
  return { value, gradient, kink, unstable };
}

// ---- tensor programs ----
//
// The same programs over tensors: even-numbered parameters are tensors of 3 elements, odd
// ones numbers; every operation is elementwise (numbers broadcast), so output element j
// depends only on element j of each tensor, and the reference is the number evaluator run
// once per element. Branching is elementwise (where), not by if/return.

const TENSOR_UNARY: Partial<Record<Unary, Unary>> = { atan: "tanh" };
const TENSOR_BINARY: Partial<Record<Binary, Binary>> = { atan2: "hypot" };

function toTensorExpr(e: Expr): Expr {
  switch (e.k) {
    case "unary":
      return { ...e, op: TENSOR_UNARY[e.op] ?? e.op, a: toTensorExpr(e.a) };
    case "binary":
      return { ...e, op: TENSOR_BINARY[e.op] ?? e.op, a: toTensorExpr(e.a), b: toTensorExpr(e.b) };
    case "cond":
      return { ...e, a: toTensorExpr(e.a), b: toTensorExpr(e.b), c: toTensorExpr(e.c), d: toTensorExpr(e.d) };
    case "call":
      return { ...e, args: e.args.map(toTensorExpr) };
    case "stop":
    case "reverse":
    case "hook":
      return { ...e, a: toTensorExpr(e.a) };
    default:
      return e;
  }
}

function toTensorFn(fn: Fn): Fn {
  const body = fn.body.flatMap((s): Stmt[] => {
    if (s.k === "let" || s.k === "assign") return [{ ...s, e: toTensorExpr(s.e) }];
    return []; // if / return: scalar control flow, not part of the tensor programs
  });
  return { params: fn.params, body, result: toTensorExpr(fn.result) };
}

export const tensorProgramArb: fc.Arbitrary<Program> = programArb.map((p) => ({
  helpers: p.helpers.map(toTensorFn),
  main: toTensorFn(p.main),
  wrt: p.wrt,
}));

export const isTensorParam = (i: number): boolean => i % 2 === 0;

function printTensorExpr(e: Expr): string {
  const p = printTensorExpr;
  switch (e.k) {
    case "var":
      return e.name;
    case "num":
      return literalText(e.v);
    case "unary":
      switch (e.op) {
        case "expSin":
          return `exp(sin(${p(e.a)}))`;
        case "logSq":
          return `log(add(1, square(${p(e.a)})))`;
        case "sqrtSq":
          return `sqrt(add(1, mul(${p(e.a)}, ${p(e.a)})))`;
        case "cube":
          return `pow(${p(e.a)}, 3)`;
        default:
          return `${e.op}(${p(e.a)})`;
      }
    case "binary":
      switch (e.op) {
        case "+":
          return `add(${p(e.a)}, ${p(e.b)})`;
        case "-":
          return `sub(${p(e.a)}, ${p(e.b)})`;
        case "*":
          return `mul(${p(e.a)}, ${p(e.b)})`;
        case "safeDiv":
          return `div(${p(e.a)}, add(2, cos(${p(e.b)})))`;
        case "max":
          return `maximum(${p(e.a)}, ${p(e.b)})`;
        case "min":
          return `minimum(${p(e.a)}, ${p(e.b)})`;
        default:
          return `sqrt(add(square(${p(e.a)}), square(${p(e.b)})))`;
      }
    case "cond":
      return `where(greater(${p(e.a)}, ${p(e.b)}), ${p(e.c)}, ${p(e.d)})`;
    case "call":
      return `h${e.helper}(${e.args.map(p).join(", ")})`;
    case "stop":
      return `stopGradient(${p(e.a)})`;
    case "reverse":
      return `reverseGradient(${p(e.a)}, ${e.lambda})`;
    case "hook":
      return `gradHook(${p(e.a)}, (g) => mul(${e.scale}, g))`;
  }
}

function printTensorFn(name: string, fn: Fn, main: boolean): string {
  const type = (i: number) => (main ? (isTensorParam(i) ? "Tensor" : "number") : "Operand");
  const body = fn.body.map((s) => {
    if (s.k === "let") return `  ${s.mutable ? "let" : "const"} ${s.name}: Operand = ${printTensorExpr(s.e)};`;
    if (s.k !== "assign") throw new Error("tensor programs have no control flow statements");
    const e = printTensorExpr(s.e);
    const op = { "=": e, "+=": `add(${s.name}, ${e})`, "-=": `sub(${s.name}, ${e})`, "*=": `mul(${s.name}, ${e})` }[s.op];
    return `  ${s.name} = ${op};`;
  });
  const result = main ? `sum(mul(${printTensorExpr(fn.result)}, ones([3])))` : printTensorExpr(fn.result);
  return [`${main ? "export " : ""}function ${name}(${fn.params.map((p, i) => `${p}: ${type(i)}`).join(", ")}): Operand {`, ...body, `  return ${result};`, `}`].join("\n");
}

export function printTensorProgram(program: Program): string {
  return [
    `import { grad, stopGradient, reverseGradient, gradHook, type Operand, type Tensor, ones, add, sub, mul, div, pow, neg, exp, log, sin, cos, tanh, sqrt, abs, square, maximum, minimum, where, greater, sum } from "adjoint";`,
    ...program.helpers.map((h, i) => printTensorFn(`h${i}`, h, false)),
    printTensorFn("f", program.main, true),
    `export const df = grad(f, { wrt: [${program.wrt.join(", ")}] });`,
  ].join("\n");
}

/**
 * The reference for a tensor program: the number evaluator once per element j, with each
 * tensor parameter's element j; value and number-parameter gradients sum over j.
 */
export function evaluateTensor(
  program: Program,
  inputs: readonly (number | readonly number[])[],
): { value: number; gradient: (number | number[])[]; kink: number; unstable: boolean } {
  let value = 0;
  let kink = Infinity;
  let unstable = false;
  const gradient: (number | number[])[] = program.wrt.map((i) => (isTensorParam(i) ? [0, 0, 0] : 0));
  for (let j = 0; j < 3; j++) {
    const scalars = inputs.map((x) => (typeof x === "number" ? x : x[j]!));
    const r = evaluate(program, scalars, true);
    value += r.value;
    kink = Math.min(kink, r.kink);
    unstable ||= r.unstable;
    r.gradient.forEach((g, k) => {
      const slot = gradient[k]!;
      if (typeof slot === "number") gradient[k] = slot + g;
      else slot[j] = g;
    });
  }
  return { value, gradient, kink, unstable };
}
