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
  | {
      k: "for";
      count: number;
      body: Stmt[];
      skip?: number;
      breakIf?: { a: Expr; b: Expr };
      /** if (a > b) return e; at the end of the body */
      returnIf?: { a: Expr; b: Expr; e: Expr };
      /** Inside for (let r = 0; r < 2; r++) { ... }, so that a return leaves two loops. */
      nested?: boolean;
    }
  /**
   * Over the array parameter xs, by for...of or by index, with v its element:
   * m = tanh(m + e), skipped by continue when v > skipAbove.
   */
  | { k: "overArray"; byIndex: boolean; name: string; e: Expr; skipAbove?: number }
  /**
   * An array the function creates and overwrites: const s = [m, a, b]; then
   * s[j] = tanh(0.5·s[j] + s[j−1]) for j = 1, 2; s[0] += s[2]; m = s[2] − 0.5·s[0].
   */
  | { k: "scratch"; array: string; name: string; a: Expr; b: Expr }
  /**
   * A loop in which `target` changes only on an exit path (`if (exit) { target = set; break }`,
   * or `return ret`), read in the body through stopGradient or by a condition:
   *   [let target = declare;] for (let i = start; i < start + count; i++) {
   *     name = tanh(name + e · stopGradient(target))   or   if (target > threshold) name = tanh(name + e) else name = tanh(name − e)
   *     if (i === start + exitAt  |  a > b) { target = set; break | return ret; }
   *   }
   * `e` may read i; with `declare` (an integer) target is a new variable, counted with step 0.
   */
  | {
      k: "exitLoop";
      target: string;
      declare?: number;
      name: string;
      e: Expr;
      read: "stop" | "cond";
      threshold: number;
      start: number;
      count: number;
      exitAt?: number;
      exitIf?: { a: Expr; b: Expr };
      set: Expr;
      /** A return instead of a break. */
      ret?: Expr;
      nested: boolean;
    }
  /**
   * A loop copying a loop-invariant value into a carried variable:
   * for (let i = 0; i < count; i++) { name = tanh(name + e); target = source; } (or the copy first),
   * `source` a variable the loop does not assign, or an expression of such variables.
   */
  | {
      k: "copyLoop";
      name: string;
      e: Expr;
      target: string;
      source: Expr;
      copyFirst: boolean;
      count: number;
      breakAt?: number;
    }
  /**
   * Array literals reading elements of an array the function writes, and an allocation only read:
   *   const array = [name, a, b]; array[k] = tanh(0.5·array[0] + array[2]);
   *   const lit = [array[r1] · 2, c]; [const zeros = new Float64Array(3);]
   *   for (const v of [d, array[r2], lit[1](, zeros[1])]) name = tanh(name + 0.5 · v);
   *   [array[k] = 0.5 · name;] name = name + 0.25 · lit[0] + 0.1 · array[r3] (+ zeros[2]);
   * With `repeat`, everything from lit on is the body of a loop run twice.
   */
  | {
      k: "literals";
      array: string;
      lit: string;
      zeros?: string;
      name: string;
      a: Expr;
      b: Expr;
      c: Expr;
      d: Expr;
      written: number;
      reads: [number, number, number];
      writeAfter: boolean;
      repeat?: boolean;
    }
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
  /** Parameter indices; main's array parameter xs, when it has one, comes after its numbers. */
  readonly wrt: number[];
  /** Whether main takes `xs: number[]` (3 elements), read as xs[0]! ... and by loops over it. */
  readonly array?: boolean;
}

/** The elements of main's array parameter, as the expressions read them (leaves like variables). */
export const ELEMENTS = ["xs[0]!", "xs[1]!", "xs[2]!"];

// ---- generation ----

const UNARY: Unary[] = ["sin", "cos", "tanh", "atan", "expSin", "logSq", "sqrtSq", "abs", "square", "cube", "neg"];
const BINARY: Binary[] = ["+", "-", "*", "safeDiv", "max", "min", "hypot", "atan2"];
const literal = fc.oneof(
  fc.constantFrom(0, 1, 2, -1, 0.5, 3),
  fc.double({ min: -3, max: 3, noNaN: true }).map((v) => Math.round(v * 100) / 100),
);

function exprArb(vars: readonly string[], helpers: readonly Fn[], depth: number): fc.Arbitrary<Expr> {
  const leaf =
    vars.length > 0
      ? fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...vars).map((name): Expr => ({ k: "var", name })) },
          { weight: 1, arbitrary: literal.map((v): Expr => ({ k: "num", v })) },
        )
      : literal.map((v): Expr => ({ k: "num", v }));
  if (depth <= 0) return leaf;
  const sub = exprArb(vars, helpers, depth - 1);
  const options: fc.WeightedArbitrary<Expr>[] = [
    { weight: 3, arbitrary: leaf },
    { weight: 3, arbitrary: fc.record({ k: fc.constant("unary" as const), op: fc.constantFrom(...UNARY), a: sub }) },
    {
      weight: 4,
      arbitrary: fc.record({ k: fc.constant("binary" as const), op: fc.constantFrom(...BINARY), a: sub, b: sub }),
    },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("cond" as const), a: sub, b: sub, c: sub, d: sub }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("stop" as const), a: sub }) },
    {
      weight: 1,
      arbitrary: fc.record({ k: fc.constant("reverse" as const), a: sub, lambda: fc.constantFrom(1, 0.5, -2) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ k: fc.constant("hook" as const), a: sub, scale: fc.constantFrom(-1, 2, 0.5) }),
    },
  ];
  if (helpers.length > 0) {
    const call = fc
      .integer({ min: 0, max: helpers.length - 1 })
      .chain((h) =>
        fc.tuple(...helpers[h]!.params.map(() => sub)).map((args): Expr => ({ k: "call", helper: h, args })),
      );
    options.push({ weight: 2, arbitrary: call });
  }
  return fc.oneof(...options);
}

function bodyArb(
  params: readonly string[],
  helpers: readonly Fn[],
  prefix: string,
  array = false,
  numbers = false,
): fc.Arbitrary<{ body: Stmt[]; result: Expr }> {
  // Statements are generated as a sequence; names are introduced in order so every read is
  // of a variable already assigned on every path.
  return fc.integer({ min: 0, max: 4 }).chain((count) => {
    const step = (i: number, vars: readonly string[], mutables: readonly string[]): fc.Arbitrary<Stmt[]> => {
      if (i >= count) return fc.constant([]);
      const e = exprArb(vars, helpers, 3);
      const name = `${prefix}v${i}`;
      const declare = fc
        .tuple(e, fc.boolean())
        .chain(([expr, mutable]) =>
          step(i + 1, [...vars, name], mutable ? [...mutables, name] : mutables).map((rest): Stmt[] => [
            { k: "let", name, e: expr, mutable },
            ...rest,
          ]),
        );
      const options: fc.Arbitrary<Stmt[]>[] = [declare];
      if (mutables.length > 0) {
        options.push(
          fc
            .tuple(
              fc.constantFrom(...mutables),
              fc.constantFrom("=" as const, "+=" as const, "-=" as const, "*=" as const),
              e,
            )
            .chain(([target, op, expr]) =>
              step(i + 1, vars, mutables).map((rest): Stmt[] => [{ k: "assign", name: target, op, e: expr }, ...rest]),
            ),
        );
        const assignIn = (m: string) =>
          exprArb(vars, helpers, 2).map((expr): Stmt[] => [{ k: "assign", name: m, op: "=", e: expr }]);
        // A loop updating mutable variables a few times (contracting, so values stay bounded).
        options.push(
          fc
            .tuple(
              fc.integer({ min: 0, max: 3 }),
              fc.constantFrom(...mutables),
              exprArb(vars, helpers, 2),
              fc.constantFrom(...mutables),
              fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
              fc.option(fc.record({ a: exprArb(vars, helpers, 1), b: exprArb(vars, helpers, 1) }), { nil: undefined }),
              fc.option(
                fc.record({ a: exprArb(vars, helpers, 1), b: exprArb(vars, helpers, 1), e: exprArb(vars, helpers, 1) }),
                { nil: undefined },
              ),
              fc.boolean(),
            )
            .chain(([count, m1, e1, m2, skip, breakIf, returnIf, nested]) =>
              step(i + 1, vars, mutables).map((rest): Stmt[] => [
                {
                  k: "for",
                  count,
                  skip,
                  breakIf,
                  returnIf,
                  nested,
                  body: [
                    {
                      k: "assign",
                      name: m1,
                      op: "=",
                      e: { k: "unary", op: "tanh", a: { k: "binary", op: "+", a: { k: "var", name: m1 }, b: e1 } },
                    },
                    { k: "assign", name: m2, op: "*=", e: { k: "num", v: 0.9 } },
                  ],
                },
                ...rest,
              ]),
            ),
        );
        options.push(
          fc
            .tuple(fc.constantFrom(...mutables), exprArb(vars, helpers, 2), exprArb(vars, helpers, 2))
            .chain(([name, a, b]) =>
              step(i + 1, vars, mutables).map((rest): Stmt[] => [
                { k: "scratch", array: `${prefix}s${i}`, name, a, b },
                ...rest,
              ]),
            ),
        );
        if (numbers) options.push(...exitShapes(i, vars, mutables, helpers, prefix, (v, m) => step(i + 1, v, m)));
        if (array) {
          options.push(
            fc
              .tuple(
                fc.boolean(),
                fc.constantFrom(...mutables),
                exprArb([...vars, "v"], helpers, 2),
                fc.option(fc.constantFrom(-0.5, 0, 0.5), { nil: undefined }),
              )
              .chain(([byIndex, name, e, skipAbove]) =>
                step(i + 1, vars, mutables).map((rest): Stmt[] => [
                  { k: "overArray", byIndex, name, e, skipAbove },
                  ...rest,
                ]),
              ),
          );
        }
        options.push(
          fc
            .tuple(
              exprArb(vars, helpers, 2),
              exprArb(vars, helpers, 2),
              fc.constantFrom(...mutables),
              fc.constantFrom(...mutables),
              fc.boolean(),
              exprArb(vars, helpers, 2),
            )
            .chain(([a, b, m1, m2, early, returned]) =>
              fc
                .tuple(assignIn(m1), assignIn(m2))
                .chain(([thenS, elseS]) =>
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
    const leaves = array ? [...params, ...ELEMENTS] : params;
    return step(0, leaves, []).chain((body) => {
      const declared = [...leaves, ...body.flatMap((s) => (s.k === "let" ? [s.name] : []))];
      return exprArb(declared, helpers, 3).map((result) => ({ body, result }));
    });
  });
}

/**
 * Number programs only (the tensor programs drop loops): a variable changed only on exit
 * paths, copies of loop-invariant values into carried variables, array literals reading
 * elements of local arrays. `rest` continues with the variables and mutables after them.
 */
function exitShapes(
  i: number,
  vars: readonly string[],
  mutables: readonly string[],
  helpers: readonly Fn[],
  prefix: string,
  rest: (vars: readonly string[], mutables: readonly string[]) => fc.Arbitrary<Stmt[]>,
): fc.Arbitrary<Stmt[]>[] {
  const fresh = `${prefix}g${i}`;
  const exitLoop = fc
    .record({
      declare: fc.option(fc.constantFrom(0, 1, 2, 3), { nil: undefined }),
      existing: fc.constantFrom(...mutables),
      name: fc.constantFrom(...mutables),
      read: fc.constantFrom("stop" as const, "cond" as const),
      threshold: fc.constantFrom(0.5, 1.5, 2.5),
      start: fc.constantFrom(0, 1, 2),
      count: fc.integer({ min: 0, max: 4 }),
      exitAt: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      exitIf: fc.record({ a: exprArb(vars, helpers, 1), b: exprArb(vars, helpers, 1) }),
      returns: fc.boolean(),
      nested: fc.boolean(),
    })
    .chain((r) => {
      const target = r.declare === undefined ? r.existing : fresh;
      const inLoop = [...vars, ...(r.declare === undefined ? [] : [fresh]), "i"];
      return fc
        .tuple(exprArb(inLoop, helpers, 2), exprArb(inLoop, helpers, 1), exprArb(inLoop, helpers, 2))
        .chain(([e, set, ret]) => {
          const stmt: Stmt = {
            k: "exitLoop",
            target,
            ...(r.declare === undefined ? {} : { declare: r.declare }),
            name: r.name,
            e,
            read: r.read,
            threshold: r.threshold,
            start: r.start,
            count: r.count,
            ...(r.exitAt === undefined ? { exitIf: r.exitIf } : { exitAt: r.exitAt }),
            set,
            ...(r.returns ? { ret } : {}),
            nested: r.nested,
          };
          const declared = r.declare === undefined ? [] : [fresh];
          return rest([...vars, ...declared], [...mutables, ...declared]).map((after): Stmt[] => [stmt, ...after]);
        });
    });
  const copyLoop = fc
    .record({
      name: fc.constantFrom(...mutables),
      target: fc.constantFrom(...mutables),
      copyFirst: fc.boolean(),
      count: fc.integer({ min: 0, max: 3 }),
      breakAt: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
      plain: fc.boolean(),
    })
    .chain((r) => {
      // Not assigned by the loop: neither of its two variables.
      const invariant = vars.filter((v) => v !== r.name && v !== r.target);
      const source =
        r.plain && invariant.length > 0
          ? fc.constantFrom(...invariant).map((name): Expr => ({ k: "var", name }))
          : exprArb(invariant, helpers, 2);
      return fc.tuple(exprArb(vars, helpers, 2), source).chain(([e, src]) =>
        rest(vars, mutables).map((after): Stmt[] => [
          {
            k: "copyLoop",
            name: r.name,
            e,
            target: r.target,
            source: src,
            copyFirst: r.copyFirst,
            count: r.count,
            ...(r.breakAt === undefined ? {} : { breakAt: r.breakAt }),
          },
          ...after,
        ]),
      );
    });
  const index = fc.integer({ min: 0, max: 2 });
  const literals = fc
    .record({
      name: fc.constantFrom(...mutables),
      a: exprArb(vars, helpers, 2),
      b: exprArb(vars, helpers, 2),
      c: exprArb(vars, helpers, 2),
      d: exprArb(vars, helpers, 2),
      zeros: fc.boolean(),
      written: index,
      reads: fc.tuple(index, index, index),
      writeAfter: fc.boolean(),
      repeat: fc.boolean(),
    })
    .chain((r) =>
      rest(vars, mutables).map((after): Stmt[] => [
        {
          k: "literals",
          array: `${prefix}b${i}`,
          lit: `${prefix}w${i}`,
          ...(r.zeros ? { zeros: `${prefix}z${i}` } : {}),
          name: r.name,
          a: r.a,
          b: r.b,
          c: r.c,
          d: r.d,
          written: r.written,
          reads: r.reads,
          writeAfter: r.writeAfter,
          ...(r.repeat ? { repeat: true } : {}),
        },
        ...after,
      ]),
    );
  return [exitLoop, copyLoop, literals];
}

function makeProgramArb(arrays: boolean): fc.Arbitrary<Program> {
  return fc.integer({ min: 0, max: 2 }).chain((helperCount) => {
    const helpersArb = (i: number, done: Fn[]): fc.Arbitrary<Fn[]> => {
      if (i >= helperCount) return fc.constant(done);
      return fc.integer({ min: 1, max: 2 }).chain((arity) => {
        const params = Array.from({ length: arity }, (_, k) => `a${k}`);
        return bodyArb(params, done, `h${i}`, false, arrays).chain(({ body, result }) =>
          helpersArb(i + 1, [...done, { params, body, result }]),
        );
      });
    };
    return helpersArb(0, []).chain((helpers) =>
      fc.tuple(fc.integer({ min: 1, max: 3 }), arrays ? fc.boolean() : fc.constant(false)).chain(([arity, array]) => {
        const params = Array.from({ length: arity }, (_, k) => `p${k}`);
        const indices = Array.from({ length: arity + (array ? 1 : 0) }, (_, k) => k);
        return fc
          .tuple(bodyArb(params, helpers, "", array, arrays), fc.subarray(indices, { minLength: 1 }), fc.boolean())
          .map(([{ body, result }, wrt, reversed]) => ({
            helpers,
            main: { params, body, result },
            wrt: reversed ? [...wrt].reverse() : wrt,
            ...(array ? { array } : {}),
          }));
      }),
    );
  });
}

export const programArb: fc.Arbitrary<Program> = makeProgramArb(true);

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
        const inner = s.nested ? indent + "  " : indent;
        const [first, ...others] = printBody(s.body, inner + "  ");
        const loop = [
          `${inner}for (let i = 0; i < ${s.count}; i++) {`,
          ...(first ? [first] : []),
          ...(s.skip !== undefined ? [`${inner}  if (i === ${s.skip}) continue;`] : []),
          ...others,
          ...(s.breakIf ? [`${inner}  if (${printExpr(s.breakIf.a)} > ${printExpr(s.breakIf.b)}) break;`] : []),
          ...(s.returnIf
            ? [
                `${inner}  if (${printExpr(s.returnIf.a)} > ${printExpr(s.returnIf.b)}) return ${printExpr(s.returnIf.e)};`,
              ]
            : []),
          `${inner}}`,
        ];
        return s.nested ? [`${indent}for (let r = 0; r < 2; r++) {`, ...loop, `${indent}}`] : loop;
      }
      case "scratch":
        return [
          `${indent}const ${s.array} = [${s.name}, ${printExpr(s.a)}, ${printExpr(s.b)}];`,
          `${indent}for (let j = 1; j < 3; j++) ${s.array}[j] = Math.tanh(0.5 * ${s.array}[j]! + ${s.array}[j - 1]!);`,
          `${indent}${s.array}[0] += ${s.array}[2]!;`,
          `${indent}${s.name} = ${s.array}[2]! - 0.5 * ${s.array}[0]!;`,
        ];
      case "exitLoop": {
        const inner = s.nested ? indent + "  " : indent;
        const t = s.target;
        const read =
          s.read === "stop"
            ? [`${inner}  ${s.name} = Math.tanh(${s.name} + ${printExpr(s.e)} * stopGradient(${t}));`]
            : [
                `${inner}  if (${t} > ${s.threshold}) {`,
                `${inner}    ${s.name} = Math.tanh(${s.name} + ${printExpr(s.e)});`,
                `${inner}  } else {`,
                `${inner}    ${s.name} = Math.tanh(${s.name} - ${printExpr(s.e)});`,
                `${inner}  }`,
              ];
        const exit =
          s.exitAt !== undefined
            ? `i === ${s.start + s.exitAt}`
            : `${printExpr(s.exitIf!.a)} > ${printExpr(s.exitIf!.b)}`;
        const loop = [
          `${inner}for (let i = ${s.start}; i < ${s.start + s.count}; i++) {`,
          ...read,
          `${inner}  if (${exit}) {`,
          `${inner}    ${t} = ${printExpr(s.set)};`,
          `${inner}    ${s.ret ? `return ${printExpr(s.ret)}` : "break"};`,
          `${inner}  }`,
          `${inner}}`,
        ];
        return [
          ...(s.declare !== undefined ? [`${indent}let ${t} = ${s.declare};`] : []),
          ...(s.nested ? [`${indent}for (let r = 0; r < 2; r++) {`, ...loop, `${indent}}`] : loop),
        ];
      }
      case "copyLoop": {
        const update = `${indent}  ${s.name} = Math.tanh(${s.name} + ${printExpr(s.e)});`;
        const copy = `${indent}  ${s.target} = ${printExpr(s.source)};`;
        return [
          `${indent}for (let i = 0; i < ${s.count}; i++) {`,
          ...(s.copyFirst ? [copy, update] : [update, copy]),
          ...(s.breakAt !== undefined ? [`${indent}  if (i === ${s.breakAt}) break;`] : []),
          `${indent}}`,
        ];
      }
      case "literals": {
        const [r1, r2, r3] = s.reads;
        const inner = s.repeat ? indent + "  " : indent;
        const body = [
          `${inner}const ${s.lit} = [${s.array}[${r1}]! * 2, ${printExpr(s.c)}];`,
          `${inner}for (const v of [${printExpr(s.d)}, ${s.array}[${r2}]!, ${s.lit}[1]!${s.zeros ? `, ${s.zeros}[1]!` : ""}]) ${s.name} = Math.tanh(${s.name} + 0.5 * v);`,
          ...(s.writeAfter ? [`${inner}${s.array}[${s.written}] = 0.5 * ${s.name};`] : []),
          `${inner}${s.name} = ${s.name} + 0.25 * ${s.lit}[0]! + 0.1 * ${s.array}[${r3}]!${s.zeros ? ` + ${s.zeros}[2]!` : ""};`,
        ];
        return [
          `${indent}const ${s.array} = [${s.name}, ${printExpr(s.a)}, ${printExpr(s.b)}];`,
          `${indent}${s.array}[${s.written}] = Math.tanh(0.5 * ${s.array}[0]! + ${s.array}[2]!);`,
          ...(s.zeros ? [`${indent}const ${s.zeros} = new Float64Array(3);`] : []),
          ...(s.repeat ? [`${indent}for (let k = 0; k < 2; k++) {`, ...body, `${indent}}`] : body),
        ];
      }
      case "overArray":
        return [
          s.byIndex ? `${indent}for (let j = 0; j < xs.length; j++) {` : `${indent}for (const v of xs) {`,
          ...(s.byIndex ? [`${indent}  const v = xs[j]!;`] : []),
          ...(s.skipAbove !== undefined ? [`${indent}  if (v > ${literalText(s.skipAbove)}) continue;`] : []),
          `${indent}  ${s.name} = Math.tanh(${s.name} + ${printExpr(s.e)});`,
          `${indent}}`,
        ];
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

function printFn(name: string, fn: Fn, exported: boolean, array = false): string {
  const params = [...fn.params.map((p) => `${p}: number`), ...(array ? ["xs: number[]"] : [])];
  return [
    `${exported ? "export " : ""}function ${name}(${params.join(", ")}): number {`,
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
    printFn("f", program.main, true, program.array),
    `export const df = grad(f, { wrt: [${program.wrt.join(", ")}] });`,
  ].join("\n");
}

// ---- the forward-mode reference ----

/** A dual number: value and derivative along one direction. */
interface Dual {
  readonly v: number;
  readonly d: number;
  /**
   * A bound on the size of the terms summed into d (d computed with every partial
   * derivative's absolute value): where terms cancel, both gradients carry rounding errors
   * of this size, not of d's.
   */
  readonly m: number;
}

/** A value whose derivative is the sum of partial · operand derivative. */
function lin(v: number, ...terms: [number, Dual][]): Dual {
  let d = 0;
  let m = 0;
  for (const [partial, x] of terms) {
    d += partial * x.d;
    m += Math.abs(partial) * x.m;
  }
  return { v, d, m };
}

const constant = (v: number): Dual => ({ v, d: 0, m: 0 });

/** Distance to the nearest kink met while evaluating (finite differences are unreliable near one). */
export interface Evaluation {
  readonly value: number;
  /** One entry per wrt index: a number, or for the array parameter one per element. */
  readonly gradient: (number | number[])[];
  readonly kink: number;
  /** A periodic function of a huge argument was met: nothing can be compared. */
  readonly unstable: boolean;
  /** For each gradient entry, the size of the terms summed into it (see Dual.m). */
  readonly magnitude: (number | number[])[];
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
export function evaluate(
  program: Program,
  inputs: readonly (number | readonly number[])[],
  bothBranches = false,
): Evaluation {
  const cube = (v: number): number => Math.pow(v, 3);
  // Tensor programs write hypot as sqrt(a² + b²), which rounds differently from Math.hypot:
  // at a tie between two such values, a last-bit difference would pick the other branch.
  const hypot = (a: number, b: number): number => (bothBranches ? Math.sqrt(a * a + b * b) : Math.hypot(a, b));
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
  const run = (fn: Fn, args: readonly Dual[], elements: readonly Dual[] = []): Dual => {
    const env = new Map<string, Dual>(fn.params.map((p, i) => [p, args[i]!]));
    elements.forEach((e, j) => env.set(ELEMENTS[j]!, e));
    const expr = (e: Expr): Dual => {
      switch (e.k) {
        case "var":
          return env.get(e.name)!;
        case "num":
          return constant(e.v);
        case "unary": {
          const a = expr(e.a);
          // No tangent in, none out: reverse mode never evaluates the rule on a value no
          // gradient depends on, so neither does the reference (0/0 there is not a NaN gradient).
          if (e.op === "sin" || e.op === "cos" || e.op === "expSin") periodic(a.v);
          if (a.d === 0 && a.m === 0) return constant(e.op === "cube" ? cube(a.v) : unaryValue(e.op, a.v));
          switch (e.op) {
            case "sin":
              return lin(Math.sin(a.v), [Math.cos(a.v), a]);
            case "cos":
              return lin(Math.cos(a.v), [-Math.sin(a.v), a]);
            case "tanh": {
              const t = Math.tanh(a.v);
              return lin(t, [1 - t * t, a]);
            }
            case "atan":
              return lin(Math.atan(a.v), [1 / (1 + a.v * a.v), a]);
            case "expSin": {
              const v = Math.exp(Math.sin(a.v));
              return lin(v, [v * Math.cos(a.v), a]);
            }
            case "logSq": {
              const q = 1 + a.v ** 2;
              return lin(Math.log(q), [(2 * a.v) / q, a]);
            }
            case "sqrtSq": {
              const s = Math.sqrt(1 + a.v * a.v);
              return lin(s, [a.v / s, a]);
            }
            case "abs":
              near(a.v);
              return lin(Math.abs(a.v), [Math.sign(a.v), a]);
            case "square":
              return lin(a.v ** 2, [2 * a.v, a]);
            case "cube":
              return lin(cube(a.v), [3 * a.v * a.v, a]);
            case "neg":
              return lin(-a.v, [-1, a]);
          }
          break;
        }
        case "binary": {
          const a = expr(e.a);
          const b = expr(e.b);
          if (a.d === 0 && b.d === 0 && a.m === 0 && b.m === 0) {
            // Kinks and singular points count even without a tangent: reverse mode still
            // evaluates the rule there when the operand is active on another path.
            if (e.op === "max" || e.op === "min") near(a.v - b.v);
            if (e.op === "hypot" || e.op === "atan2") near(Math.hypot(a.v, b.v));
            if (e.op === "safeDiv") periodic(b.v);
            return constant(e.op === "hypot" ? hypot(a.v, b.v) : binaryValue(e.op, a.v, b.v));
          }
          switch (e.op) {
            case "+":
              return lin(a.v + b.v, [1, a], [1, b]);
            case "-":
              return lin(a.v - b.v, [1, a], [-1, b]);
            case "*":
              return lin(a.v * b.v, [b.v, a], [a.v, b]);
            case "safeDiv": {
              periodic(b.v);
              const q = 2 + Math.cos(b.v);
              return lin(a.v / q, [1 / q, a], [(a.v * Math.sin(b.v)) / (q * q), b]);
            }
            case "max":
            case "min": {
              near(a.v - b.v);
              const v = e.op === "max" ? Math.max(a.v, b.v) : Math.min(a.v, b.v);
              // Ties split the gradient evenly (PyTorch).
              return a.v === b.v ? lin(v, [0.5, a], [0.5, b]) : lin(v, [1, v === a.v ? a : b]);
            }
            case "hypot": {
              const h = hypot(a.v, b.v);
              near(h);
              return lin(h, [a.v / h, a], [b.v / h, b]);
            }
            case "atan2": {
              const r = a.v * a.v + b.v * b.v;
              near(Math.sqrt(r));
              return lin(Math.atan2(a.v, b.v), [b.v / r, a], [-a.v / r, b]);
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
          return constant(expr(e.a).v);
        case "reverse": {
          const a = expr(e.a);
          return lin(a.v, [-e.lambda, a]);
        }
        case "hook": {
          const a = expr(e.a);
          return lin(a.v, [e.scale, a]);
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
                  ? lin(old.v + value.v, [1, old], [1, value])
                  : s.op === "-="
                    ? lin(old.v - value.v, [1, old], [-1, value])
                    : lin(old.v * value.v, [value.v, old], [old.v, value]),
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
          case "scratch": {
            const cells = [env.get(s.name)!, expr(s.a), expr(s.b)];
            for (let j = 1; j < 3; j++) {
              const t = Math.tanh(0.5 * cells[j]!.v + cells[j - 1]!.v);
              cells[j] = lin(t, [(1 - t * t) * 0.5, cells[j]!], [1 - t * t, cells[j - 1]!]);
            }
            cells[0] = lin(cells[0]!.v + cells[2]!.v, [1, cells[0]!], [1, cells[2]!]);
            env.set(s.name, lin(cells[2]!.v - 0.5 * cells[0]!.v, [1, cells[2]!], [-0.5, cells[0]!]));
            break;
          }
          case "exitLoop": {
            if (s.declare !== undefined) env.set(s.target, constant(s.declare));
            for (let r = 0; r < (s.nested ? 2 : 1); r++) {
              for (let i = s.start; i < s.start + s.count; i++) {
                env.set("i", constant(i));
                const m = env.get(s.name)!;
                const target = env.get(s.target)!;
                let sign = 1;
                let e = expr(s.e);
                if (s.read === "stop") e = lin(e.v * target.v, [target.v, e]);
                else {
                  near(target.v - s.threshold);
                  if (!(target.v > s.threshold)) sign = -1;
                }
                const t = Math.tanh(m.v + sign * e.v);
                env.set(s.name, lin(t, [1 - t * t, m], [sign * (1 - t * t), e]));
                let exit: boolean;
                if (s.exitAt !== undefined) exit = i === s.start + s.exitAt;
                else {
                  const [a, b] = [expr(s.exitIf!.a), expr(s.exitIf!.b)];
                  near(a.v - b.v);
                  exit = a.v > b.v;
                }
                if (!exit) continue;
                env.set(s.target, expr(s.set));
                if (s.ret) throw new ReturnSignal(expr(s.ret));
                break;
              }
            }
            env.delete("i");
            break;
          }
          case "copyLoop":
            for (let i = 0; i < s.count; i++) {
              const step = () => {
                const m = env.get(s.name)!;
                const e = expr(s.e);
                const t = Math.tanh(m.v + e.v);
                env.set(s.name, lin(t, [1 - t * t, m], [1 - t * t, e]));
              };
              if (!s.copyFirst) step();
              env.set(s.target, expr(s.source));
              if (s.copyFirst) step();
              if (s.breakAt === i) break;
            }
            break;
          case "literals": {
            const cells = [env.get(s.name)!, expr(s.a), expr(s.b)];
            const written = Math.tanh(0.5 * cells[0]!.v + cells[2]!.v);
            cells[s.written] = lin(
              written,
              [0.5 * (1 - written * written), cells[0]!],
              [1 - written * written, cells[2]!],
            );
            const [r1, r2, r3] = s.reads;
            for (let k = 0; k < (s.repeat ? 2 : 1); k++) {
              const lit = [lin(cells[r1]!.v * 2, [2, cells[r1]!]), expr(s.c)];
              for (const v of [expr(s.d), cells[r2]!, lit[1]!, ...(s.zeros ? [constant(0)] : [])]) {
                const m = env.get(s.name)!;
                const t = Math.tanh(m.v + 0.5 * v.v);
                env.set(s.name, lin(t, [1 - t * t, m], [0.5 * (1 - t * t), v]));
              }
              if (s.writeAfter) {
                const m = env.get(s.name)!;
                cells[s.written] = lin(0.5 * m.v, [0.5, m]);
              }
              const m = env.get(s.name)!;
              const c = cells[r3]!;
              const v = m.v + 0.25 * lit[0]!.v + 0.1 * c.v;
              env.set(s.name, lin(s.zeros ? v + 0 : v, [1, m], [0.25, lit[0]!], [0.1, c]));
            }
            break;
          }
          case "overArray":
            for (const element of ELEMENTS) {
              const v = env.get(element)!;
              env.set("v", v);
              if (s.skipAbove !== undefined) {
                near(v.v - s.skipAbove);
                if (v.v > s.skipAbove) continue;
              }
              const e = expr(s.e);
              const m = env.get(s.name)!;
              const t = Math.tanh(m.v + e.v);
              env.set(s.name, lin(t, [1 - t * t, m], [1 - t * t, e]));
            }
            break;
          case "for":
            for (let r = 0; r < (s.nested ? 2 : 1); r++) {
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
                if (s.returnIf) {
                  const [a, b] = [expr(s.returnIf.a), expr(s.returnIf.b)];
                  near(a.v - b.v);
                  if (a.v > b.v) throw new ReturnSignal(expr(s.returnIf.e));
                }
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
  const n = program.main.params.length;
  const numbers = inputs.slice(0, n) as number[];
  const array = program.array ? (inputs[n] as readonly number[]) : [];
  const seed = (v: number, on: boolean): Dual => ({ v, d: on ? 1 : 0, m: on ? 1 : 0 });
  /** The derivative along one input, parameter i or element j of the array, and its magnitude. */
  const along = (i: number, j = -1): Dual => {
    const out = run(
      program.main,
      numbers.map((v, k) => seed(v, k === i)),
      array.map((v, k) => seed(v, i === n && k === j)),
    );
    value = out.v;
    return out;
  };
  const duals = program.wrt.map((i) => (i === n ? array.map((_, j) => along(i, j)) : along(i)));
  if (program.wrt.length === 0) along(-1);
  const gradient = duals.map((x) => (Array.isArray(x) ? x.map((y) => y.d) : (x as Dual).d));
  const magnitude = duals.map((x) => (Array.isArray(x) ? x.map((y) => y.m) : (x as Dual).m));
  return { value, gradient, kink, unstable, magnitude };
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

export const tensorProgramArb: fc.Arbitrary<Program> = makeProgramArb(false).map((p) => ({
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
    const op = { "=": e, "+=": `add(${s.name}, ${e})`, "-=": `sub(${s.name}, ${e})`, "*=": `mul(${s.name}, ${e})` }[
      s.op
    ];
    return `  ${s.name} = ${op};`;
  });
  const result = main ? `sum(mul(${printTensorExpr(fn.result)}, ones([3])))` : printTensorExpr(fn.result);
  return [
    `${main ? "export " : ""}function ${name}(${fn.params.map((p, i) => `${p}: ${type(i)}`).join(", ")}): Operand {`,
    ...body,
    `  return ${result};`,
    `}`,
  ].join("\n");
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
export function evaluateTensor(program: Program, inputs: readonly (number | readonly number[])[]): Evaluation {
  let value = 0;
  let kink = Infinity;
  let unstable = false;
  const gradient: (number | number[])[] = program.wrt.map((i) => (isTensorParam(i) ? [0, 0, 0] : 0));
  const magnitude: (number | number[])[] = program.wrt.map((i) => (isTensorParam(i) ? [0, 0, 0] : 0));
  for (let j = 0; j < 3; j++) {
    const scalars = inputs.map((x) => (typeof x === "number" ? x : x[j]!));
    const r = evaluate(program, scalars, true);
    value += r.value;
    kink = Math.min(kink, r.kink);
    unstable ||= r.unstable;
    const add = (into: (number | number[])[], k: number, x: number): void => {
      const slot = into[k]!;
      if (typeof slot === "number") into[k] = slot + x;
      else slot[j] = x;
    };
    (r.gradient as number[]).forEach((g, k) => add(gradient, k, g));
    (r.magnitude as number[]).forEach((m, k) => add(magnitude, k, m));
  }
  return { value, gradient, kink, unstable, magnitude };
}

// ---- forward mode and second derivatives ----

/**
 * The program with its gradient markers replaced by their operand, for the forward-mode and
 * second-order properties: gradHook changes the backward sweep only (jvp and grad of grad
 * refuse it), reverseGradient's forward tangent is not the reversed one the reference gives,
 * and a stopGradient inside grad(f) stops the outer derivative too (as in JAX), which finite
 * differences of grad(f) do not see. `keepStop` keeps stopGradient (jvp gives it a zero
 * tangent, as the reference does).
 */
export function withoutMarkers(program: Program, keepStop: boolean): Program {
  const expr = (e: Expr): Expr => {
    switch (e.k) {
      case "var":
      case "num":
        return e;
      case "unary":
        return { ...e, a: expr(e.a) };
      case "binary":
        return { ...e, a: expr(e.a), b: expr(e.b) };
      case "cond":
        return { ...e, a: expr(e.a), b: expr(e.b), c: expr(e.c), d: expr(e.d) };
      case "call":
        return { ...e, args: e.args.map(expr) };
      case "stop":
        return keepStop ? { ...e, a: expr(e.a) } : expr(e.a);
      case "reverse":
      case "hook":
        return expr(e.a);
    }
  };
  const cmp = (c: { a: Expr; b: Expr }) => ({ a: expr(c.a), b: expr(c.b) });
  const stmt = (s: Stmt): Stmt => {
    switch (s.k) {
      case "let":
      case "assign":
      case "return":
      case "overArray":
        return { ...s, e: expr(s.e) };
      case "if":
        return { ...s, a: expr(s.a), b: expr(s.b), then: s.then.map(stmt), else: s.else.map(stmt) };
      case "for":
        return {
          ...s,
          body: s.body.map(stmt),
          ...(s.breakIf ? { breakIf: cmp(s.breakIf) } : {}),
          ...(s.returnIf ? { returnIf: { ...cmp(s.returnIf), e: expr(s.returnIf.e) } } : {}),
        };
      case "scratch":
        return { ...s, a: expr(s.a), b: expr(s.b) };
      case "exitLoop":
        return {
          ...s,
          // Its stopGradient read is printed by the statement itself: without stops, it reads by a condition.
          ...(keepStop ? {} : { read: "cond" as const }),
          e: expr(s.e),
          set: expr(s.set),
          ...(s.exitIf ? { exitIf: cmp(s.exitIf) } : {}),
          ...(s.ret ? { ret: expr(s.ret) } : {}),
        };
      case "copyLoop":
        return { ...s, e: expr(s.e), source: expr(s.source) };
      case "literals":
        return { ...s, a: expr(s.a), b: expr(s.b), c: expr(s.c), d: expr(s.d) };
    }
  };
  const fn = (f: Fn): Fn => ({ params: f.params, body: f.body.map(stmt), result: expr(f.result) });
  return { ...program, helpers: program.helpers.map(fn), main: fn(program.main) };
}

/**
 * The program as TypeScript for the higher-order properties, with respect to number
 * parameter k: f, `jf = jvp(f, { wrt: k })` ("jvp"), or `d1 = grad(f, { wrt: k })` and
 * `d2 = grad(grad(f, { wrt: k }), { wrt: k })` ("second").
 */
export function printHigherProgram(program: Program, k: number, kind: "jvp" | "second"): string {
  const lines = printProgram({ ...program, wrt: [k] }).split("\n");
  lines[0] = lines[0]!.replace("import { grad,", "import { grad, jvp,");
  lines.pop(); // df
  if (kind === "jvp") lines.push(`export const jf = jvp(f, { wrt: ${k} });`);
  else
    lines.push(
      `export const d1 = grad(f, { wrt: ${k} });`,
      `export const d2 = grad(grad(f, { wrt: ${k} }), { wrt: ${k} });`,
    );
  return lines.join("\n");
}

/** Whether the program (main or a helper) has a statement of this kind (they are generated at the top level of a body only). */
export function hasStatement(program: Program, kind: Stmt["k"]): boolean {
  return [program.main, ...program.helpers].some((fn) => fn.body.some((s) => s.k === kind));
}
