// Every rule of the table, checked against central finite differences in float64 at many
// points of its domain. The test iterates the rule table itself: a rule added without a
// case here fails the suite.
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { KERNELS, type KernelSpec } from "../runtime/ops/kernels";
import { RULES, type Rule } from "../transformer/rules";
import { arrayRules } from "../transformer/rules/arrays";
import * as elementwise from "../transformer/rules/elementwise";
import { markerRules } from "../transformer/rules/markers";
import { scalarRules } from "../transformer/rules/scalar";
import { tensorRules } from "../transformer/rules/tensor";
import { compile, expectClose, finiteDifference } from "./harness";

interface Case {
  /** The function's parameters and body expression. */
  readonly params: string[];
  readonly body: string;
  /** Sampling interval for every argument. */
  readonly domain: readonly [number, number];
  /** Closed-form gradient, for rules that are not the derivative of their forward value (the markers). */
  readonly expected?: (...args: number[]) => number[];
}

const binary = (op: string, domain: readonly [number, number] = [-3, 3]): Case => ({
  params: ["a", "b"],
  body: `a ${op} b`,
  domain,
});
const math = (fn: string, domain: readonly [number, number], arity = 1): Case => {
  const params = ["a", "b", "c"].slice(0, arity);
  return { params, body: `Math.${fn.slice(5)}(${params.join(", ")})`, domain };
};

const CASES: Record<string, Case> = {
  "+": binary("+"),
  "-": binary("-"),
  "*": binary("*"),
  "/": binary("/", [0.5, 3]),
  "%": binary("%", [0.5, 7]),
  "**": binary("**", [0.2, 2.5]),
  "Math.pow": math("Math.pow", [0.2, 2.5], 2),
  "unary -": { params: ["a"], body: "-a", domain: [-3, 3] },
  "Math.exp": math("Math.exp", [-3, 3]),
  "Math.expm1": math("Math.expm1", [-3, 3]),
  "Math.log": math("Math.log", [0.1, 5]),
  "Math.log1p": math("Math.log1p", [-0.9, 5]),
  "Math.log2": math("Math.log2", [0.1, 5]),
  "Math.log10": math("Math.log10", [0.1, 5]),
  "Math.sin": math("Math.sin", [-4, 4]),
  "Math.cos": math("Math.cos", [-4, 4]),
  "Math.tan": math("Math.tan", [-1.4, 1.4]),
  "Math.asin": math("Math.asin", [-0.95, 0.95]),
  "Math.acos": math("Math.acos", [-0.95, 0.95]),
  "Math.atan": math("Math.atan", [-4, 4]),
  "Math.sinh": math("Math.sinh", [-3, 3]),
  "Math.cosh": math("Math.cosh", [-3, 3]),
  "Math.tanh": math("Math.tanh", [-3, 3]),
  "Math.sqrt": math("Math.sqrt", [0.05, 5]),
  "Math.cbrt": math("Math.cbrt", [0.05, 5]),
  "Math.abs": math("Math.abs", [-3, 3]),
  "Math.atan2": math("Math.atan2", [-3, 3], 2),
  "Math.hypot": math("Math.hypot", [-3, 3], 3),
  "Math.max": math("Math.max", [-3, 3], 3),
  "Math.min": math("Math.min", [-3, 3], 3),
  "Math.floor": math("Math.floor", [-3, 3]),
  "Math.ceil": math("Math.ceil", [-3, 3]),
  "Math.round": math("Math.round", [-3, 3]),
  "Math.trunc": math("Math.trunc", [-3, 3]),
  "Math.sign": math("Math.sign", [-3, 3]),
  stopGradient: { params: ["a"], body: "a * stopGradient(a)", domain: [-3, 3], expected: (a) => [a] },
  gradHook: { params: ["a"], body: "gradHook(a * a, (g) => 3 * g)", domain: [-3, 3], expected: (a) => [6 * a] },
  customGradient: {
    params: ["a", "b"],
    body: "customGradient((u: number, v: number) => u * v, (g: number, u: number, v: number) => [2 * g * v, 3 * g * u])(a, b)",
    domain: [-3, 3],
    // Its backward replaces the derivative: [2b, 3a], not [b, a].
    expected: (a, b) => [2 * b, 3 * a],
  },
  // The same with a tangent rule: the backward is unchanged.
  customGradientWithTangent: {
    params: ["a", "b"],
    body: "customGradient((u: number, v: number) => u * v, (g: number, u: number, v: number) => [2 * g * v, 3 * g * u], ([du, dv]: [number, number], u: number, v: number) => 2 * du * v + 3 * u * dv)(a, b)",
    domain: [-3, 3],
    expected: (a, b) => [2 * b, 3 * a],
  },
  reverseGradient: {
    params: ["a", "b"],
    body: "reverseGradient(a * a, b)",
    domain: [-3, 3],
    // The forward value does not depend on lambda, so its gradient is 0.
    expected: (a, b) => [-b * 2 * a, 0],
  },
};

/** Rules whose operands are not numbers: their own check. */
/** Second derivatives of `source`'s f(x, y) against differences of its gradient: what exercises the tangent-only rules. */
function checkSecondDerivatives(source: string): void {
  const { f, dxx, dxy, dyy } = compile(
    `import { grad } from "adjoint";\n${source}\nexport const df = grad(f);\nexport const dxx = grad(grad(f));\nexport const dxy = grad(grad(f), { wrt: 1 });\nexport const dyy = grad(grad(f, { wrt: 1 }), { wrt: 1 });`,
  ).run();
  const random = sampler(11);
  const d = (i: number) => (x: number, y: number) => finiteDifference(f, [x, y], i, 1e-4);
  for (let point = 0; point < 20; point++) {
    const [x, y] = [4 * random() - 2, 4 * random() - 2];
    expectClose(dxx(x, y), finiteDifference(d(0), [x, y], 0, 1e-4), 1e-4);
    expectClose(dxy(x, y), finiteDifference(d(0), [x, y], 1, 1e-4), 1e-4);
    expectClose(dyy(x, y), finiteDifference(d(1), [x, y], 1, 1e-4), 1e-4);
  }
}

const SPECIAL: Record<string, () => void> = {
  // What a customGradient's tangent rule is called through (forward mode): jvp gives the rule's
  // tangent (its own "derivative", like the backward's [2b, 3a]); a second derivative is refused.
  customTangent: () => {
    const compiled = compile(`
      import { grad, jvp, customGradient } from "adjoint";
      const scaled = customGradient(
        (u: number, v: number) => u * v,
        (g: number, u: number, v: number) => [2 * g * v, 3 * g * u],
        ([du, dv]: [number, number], u: number, v: number) => 2 * du * v + 3 * u * dv,
      );
      export const f = (a: number, b: number) => Math.sin(scaled(a, b * b));
      export const ja = jvp(f);
      export const jb = jvp(f, { wrt: 1 });
      export const refused = (a: number) =>
        scaled(a, a);
      export const dd = () => grad(grad(refused));
    `);
    expect(compiled.codes).toEqual(["ADJ215@12"]);
    const { f, ja, jb } = compiled.run();
    for (const [a, b] of [
      [0.3, -1.1],
      [1.7, 0.4],
    ] as const) {
      const c = Math.cos(a * b * b);
      expectClose(ja(a, b, 1).tangent, c * 2 * b * b, 1e-12);
      expectClose(jb(a, b, 1).tangent, c * 3 * a * 2 * b, 1e-12);
      expect(ja(a, b, 1).value).toBe(f(a, b));
    }
  },
  // What forward mode writes the tangents of Math.max, Math.min and pow's base with: no source
  // lowers to them, so their rules are checked through second derivatives that use them.
  select: () => {
    checkSecondDerivatives(
      "export const f = (x: number, y: number) => Math.max(x * y, y * y, Math.sin(x)) * Math.min(x, y);",
    );
    checkSecondDerivatives("export const f = (x: number, y: number) => Math.min(x * x, y) * x;");
    checkSecondDerivatives("export const f = (x: number, y: number) => Math.max(Math.exp(x), y + 1) * y;");
  },
  "===": () => checkSecondDerivatives("export const f = (x: number, y: number) => Math.max(x, y) ** 3;"),
  // [a, b, c]: an array the function creates; each element's adjoint is the array adjoint's.
  arrayOf: () =>
    checkProgram(
      "export function f(x: number, y: number) { const a = [x * y, y, x]; a[1] = a[1]! * a[2]!; return a[0]! * a[2]! + Math.sin(a[1]!); }",
      2,
    ),
  // x[i] of an array the function writes, read inside a loop: logged, read back by the backward sweep.
  loggedIndex: () =>
    checkProgram(
      "export function f(x: number, y: number) { const a = [x, y]; let s = 0; for (let i = 0; i < 2; i++) { s += a[i]! * a[1 - i]!; a[i] = s * x; } return s + a[0]! * a[1]!; }",
      2,
    ),
  // items[i].a and items[i].inner.b of an array of structures: the gradient is an array of the same structures.
  readAt: () => {
    const { f, df } = compile(`
      import { grad } from "adjoint";
      interface Item { a: number; inner: { b: number }; label: string }
      export function f(items: Item[], k: number) {
        let s = 0;
        for (let i = 0; i < items.length; i++) s = s + Math.sin(items[i]!.a) * items[i]!.inner.b * (i + 1);
        return s + items[k]!.a * items[k]!.a;
      }
      export const df = grad(f);
    `).run();
    const random = sampler(5);
    for (let point = 0; point < 10; point++) {
      const items = Array.from({ length: 3 }, (_, i) => ({
        a: 4 * random() - 2,
        inner: { b: 4 * random() - 2 },
        label: `${i}`,
      }));
      const k = point % 3;
      const g = df(items, k) as { a: number; inner: { b: number } }[];
      expect(g).toHaveLength(3);
      g.forEach((gi, i) => {
        expect(Object.keys(gi).sort()).toEqual(["a", "inner"]);
        const at = (d: number, field: "a" | "b") => {
          const moved = items.map((it) => ({ ...it, inner: { ...it.inner } }));
          if (field === "a") moved[i]!.a += d;
          else moved[i]!.inner.b += d;
          return f(moved, k);
        };
        expectClose(gi.a, (at(1e-6, "a") - at(-1e-6, "a")) / 2e-6, 1e-6);
        expectClose(gi.inner.b, (at(1e-6, "b") - at(-1e-6, "b")) / 2e-6, 1e-6);
      });
    }
  },
  // return { u, v } from a helper, and r.u / const { u, v } = r in the caller: the fields' adjoints are the vjp's seed.
  objectOf: () =>
    checkProgram(
      "function both(a: number, b: number) { return { u: a * b, v: Math.sin(a) - b, name: 'pair' }; }\nexport function f(x: number, y: number) { const { u, v } = both(x, y); const r = both(v, x); return u * r.v + r.u; }",
      2,
    ),
  fieldOf: () =>
    checkProgram(
      "function both(a: number, b: number) { if (a > 0) return { u: a * b, v: b }; return { u: -a, v: b * b }; }\nexport function f(x: number, y: number) { const r = both(x, y); return r.u * r.v + r.u; }",
      2,
    ),
  // x[i] of an array parameter: the gradient is an array of the same kind, checked element by element.
  index: () => {
    const { f, df } = compile(`
      import { grad } from "adjoint";
      export function f(x: Float64Array, k: number) { return x[k]! * x[k]! + Math.sin(x[0]!) * x[2]!; }
      export const df = grad(f);
    `).run();
    const random = sampler(99);
    for (let point = 0; point < 20; point++) {
      const x = Float64Array.from({ length: 4 }, () => 4 * random() - 2);
      const k = point % 4;
      const g = df(x, k) as Float64Array;
      expect(g).toBeInstanceOf(Float64Array);
      expect(g).toHaveLength(4);
      g.forEach((v, i) => {
        const at = (d: number) => {
          const y = Float64Array.from(x);
          y[i]! += d;
          return f(y, k);
        };
        expectClose(v, (at(1e-6) - at(-1e-6)) / 2e-6, 1e-6);
      });
    }
  },
};

/** Number programs checked against finite differences at a few points. */
function checkProgram(source: string, arity: number): void {
  const { f, df } = compile(
    `import { grad } from "adjoint";\n${source}\nexport const df = grad(f, { wrt: [${Array.from({ length: arity }, (_, k) => k).join(", ")}] });`,
  ).run();
  const random = sampler(7);
  for (let point = 0; point < 20; point++) {
    const args = Array.from({ length: arity }, () => 4 * random() - 2);
    (df(...args) as number[]).forEach((g, k) => expectClose(g, finiteDifference(f, args, k), 1e-6));
  }
}

/** A small seeded generator, so the sampled points are the same on every run. */
function sampler(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// Tensor primitives have their own file (tensor-rules.test.ts), which iterates tensorRules.
const names = Object.keys({ ...scalarRules, ...arrayRules, ...markerRules });

it("the rule table is exactly the scalar, array, marker and tensor tables, each iterated by a test", () => {
  const tables = [scalarRules, arrayRules, markerRules, tensorRules];
  expect(Object.keys(RULES).sort()).toEqual(tables.flatMap((t) => Object.keys(t)).sort());
});
const fnName = (rule: string, i: number): string => `rule${i}_${rule.replace(/\W/g, "_")}`;

// One program holds a function and its gradient for every rule: compiled once.
const source = [
  `import { grad, stopGradient, gradHook, reverseGradient, customGradient } from "adjoint";`,
  ...names.flatMap((rule, i) => {
    const c = CASES[rule];
    if (!c || rule in SPECIAL) return [];
    const params = c.params.map((p) => `${p}: number`).join(", ");
    const wrt = c.params.map((_, k) => k).join(", ");
    return [
      `export function ${fnName(rule, i)}(${params}) { return ${c.body}; }`,
      `export const d_${fnName(rule, i)} = grad(${fnName(rule, i)}, { wrt: [${wrt}] });`,
    ];
  }),
].join("\n");

describe("adjoint rules against finite differences", () => {
  const compiled = compile(source);
  const program = compiled.run();

  it("compiles every rule without diagnostics or type errors", () => {
    expect(compiled.codes).toEqual([]);
    expect(compiled.typeErrors).toEqual([]);
  });

  it.each(names)("%s", (rule) => {
    if (rule in SPECIAL) return SPECIAL[rule]!();
    const c = CASES[rule];
    expect(c, `rule ${rule} has no finite-difference case in test/rules.test.ts`).toBeDefined();
    const i = names.indexOf(rule);
    const f = program[fnName(rule, i)] as (...args: number[]) => number;
    const df = program[`d_${fnName(rule, i)}`] as (...args: number[]) => number[];
    const random = sampler(i + 1);
    const [lo, hi] = c!.domain;
    for (let point = 0; point < 60; point++) {
      const args = c!.params.map(() => lo + (hi - lo) * random());
      const gradient = df(...args);
      expect(gradient).toHaveLength(c!.params.length);
      const expected = c!.expected ? c!.expected(...args) : args.map((_, k) => finiteDifference(f, args, k));
      gradient.forEach((g, k) => expectClose(g, expected[k]!, 1e-5));
    }
  });
});

// Forward mode: jvp along each parameter of every case, against differences of the function.
// Markers change only the backward sweep (checked against closed forms above), so they are left out.
const TANGENT_REFUSED = new Set(["customGradient"]);
const forwardNames = names.filter((rule) => CASES[rule] && !(rule in SPECIAL) && !CASES[rule]!.expected);
const forwardSource = [
  `import { jvp, stopGradient, gradHook, reverseGradient, customGradient } from "adjoint";`,
  ...forwardNames.flatMap((rule, i) => {
    const c = CASES[rule]!;
    const params = c.params.map((p) => `${p}: number`).join(", ");
    return [
      `export function ${fnName(rule, i)}(${params}) { return ${c.body}; }`,
      ...c.params.map((_, k) => `export const j${k}_${fnName(rule, i)} = jvp(${fnName(rule, i)}, { wrt: ${k} });`),
    ];
  }),
].join("\n");

describe("tangent rules against finite differences", () => {
  const compiled = compile(forwardSource);
  const program = compiled.run();

  it("every rule has a tangent rule (or says its tangent is zero) in the table", () => {
    for (const [name, rule] of Object.entries(RULES)) expect(rule, name).toHaveProperty("tangent");
    expect(compiled.codes).toEqual([]);
  });

  it.each(forwardNames.filter((r) => !TANGENT_REFUSED.has(r)))("%s", (rule) => {
    const c = CASES[rule]!;
    const i = forwardNames.indexOf(rule);
    const f = program[fnName(rule, i)] as (...args: number[]) => number;
    const random = sampler(i + 101);
    const [lo, hi] = c.domain;
    for (let point = 0; point < 30; point++) {
      const args = c.params.map(() => lo + (hi - lo) * random());
      c.params.forEach((_, k) => {
        const { value, tangent } = program[`j${k}_${fnName(rule, i)}`](...args, 1);
        expect(value).toBe(f(...args));
        expectClose(tangent, finiteDifference(f, args, k), 1e-5);
      });
    }
  });
});

describe("kinks and ties follow PyTorch", () => {
  const program = compile(`
    import { grad } from "adjoint";
    export const dabs = grad((x: number) => Math.abs(x));
    export const dmax = grad((a: number, b: number) => Math.max(a, b), { wrt: [0, 1] });
    export const dmin3 = grad((a: number, b: number, c: number) => Math.min(a, b, c), { wrt: [0, 1, 2] });
    export const dpow0 = grad((x: number) => x ** 0);
  `).run();

  it("abs has gradient 0 at 0", () => {
    expect(program.dabs(0)).toBe(0);
    expect(program.dabs(-2)).toBe(-1);
  });

  it("a tie in max splits the gradient evenly", () => {
    expect(program.dmax(1, 1)).toEqual([0.5, 0.5]);
    expect(program.dmax(2, 1)).toEqual([1, 0]);
  });

  it("a three-way tie in min splits in three; a two-way tie in two", () => {
    expect(program.dmin3(1, 1, 1)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(program.dmin3(1, 1, 2)).toEqual([0.5, 0.5, 0]);
  });

  it("x ** 0 has gradient 0 even at 0", () => {
    expect(program.dpow0(0)).toBe(0);
  });
});

/** The most parameters any signature of each export of "adjoint" declares (sum(x, axis?, keepDims?) has 3). */
function declaredParameters(): Map<string, number> {
  const entry = path.resolve(__dirname, "../dist/runtime/index.d.ts");
  const program = ts.createProgram([entry], { strict: true, skipLibCheck: true, types: [], noEmit: true });
  const checker = program.getTypeChecker();
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!);
  return new Map(
    exports.map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const type = checker.getTypeOfSymbol(target);
      return [symbol.name, Math.max(0, ...type.getCallSignatures().map((s) => s.parameters.length))] as const;
    }),
  );
}

describe("the rule table's shape", () => {
  it("every rule gives exactly one adjoint entry per operand", () => {
    const parameters = declaredParameters();
    for (const [name, rule] of Object.entries(RULES)) {
      const { adjoints } = rule;
      if (typeof adjoints === "function") {
        // One function for any number of alike operands: only variadic rules may say so.
        expect(rule.arity, `${name}: a function of the operand index for a fixed arity`).toBe("variadic");
        continue;
      }
      if (rule.adjointAll) {
        // customGradient: the function it made, then its operands, all from one call.
        expect(adjoints, `${name}: the operands before those adjointAll gives`).toHaveLength(1);
        continue;
      }
      if (rule.arity !== "variadic") expect(adjoints, `${name}: one adjoint per operand`).toHaveLength(rule.arity);
      // A runtime primitive or marker takes exactly the operands its declaration does, options included.
      if (parameters.has(name))
        expect(adjoints, `${name}: one adjoint per parameter`).toHaveLength(parameters.get(name)!);
      // readAt's keys are as many as the field is deep (layers[i].enc.w): its own variadic operands.
      else if (!rule.treeRead)
        expect(rule.arity, `${name}: not a runtime function, so a fixed arity`).not.toBe("variadic");
    }
  });

  // shapes.ts believes these claims (a result of the broadcast shape of its operands needs no
  // reduction of their shares), so the set is pinned: every kernel of the table and where,
  // all operands; the markers that return their operand, that one; nothing else.
  it("exactly the kernel table's operations and where claim the broadcast shape; exactly the markers returning operand 0 claim its shape", () => {
    const claiming = (shape: Rule["shape"]): string[] =>
      Object.keys(RULES)
        .filter((name) => RULES[name]!.shape === shape)
        .sort();
    const kernels = (Object.entries(KERNELS) as [string, KernelSpec][])
      .filter(([, spec]) => spec.api !== "internal")
      .map(([name]) => name);
    expect(claiming("elementwise")).toEqual([...kernels, "broadcastLike", "where"].sort());
    expect(claiming("firstOperand")).toEqual([
      "gradHook",
      "onesTangent",
      "reverseGradient",
      "stopGradient",
      "zeroTangent",
    ]);
  });

  it("a Math rule takes as many operands as the Math function declares", () => {
    for (const [name, rule] of Object.entries(scalarRules)) {
      if (!name.startsWith("Math.") || rule.arity === "variadic") continue;
      const fn = (Math as unknown as Record<string, (...args: number[]) => number>)[name.slice(5)]!;
      expect(rule.arity, name).toBe(fn.length);
    }
  });

  // Number rules and the tensor primitive that computes the same function elementwise.
  const COUNTERPARTS: Record<string, string> = {
    "+": "add",
    "-": "sub",
    "*": "mul",
    "/": "div",
    "**": "pow",
    "Math.pow": "pow",
    "unary -": "neg",
    "Math.exp": "exp",
    "Math.log": "log",
    "Math.sin": "sin",
    "Math.cos": "cos",
    "Math.tanh": "tanh",
    "Math.sqrt": "sqrt",
    "Math.abs": "abs",
    // Written apart: the number rule writes 1 + a, the tensor one x + 1 (the emitted code is kept).
    "Math.log1p": "log1p",
    // Written apart: Math.max/min are variadic, tests with conditionals; maximum/minimum use masks.
    "Math.max": "maximum",
    "Math.min": "minimum",
    // No adjoint to share: both carry no gradient.
    "Math.sign": "sign",
  };
  const APART = ["Math.log1p", "Math.max", "Math.min", "Math.sign"];

  it("the number and tensor rules of one operation come from one definition", () => {
    for (const [number, tensor] of Object.entries(COUNTERPARTS)) {
      const [a, b] = [scalarRules[number]!, tensorRules[tensor]!];
      if (APART.includes(number)) {
        expect([a.elementwise, b.elementwise], `${number} and ${tensor} are listed as written apart`).toEqual([
          undefined,
          undefined,
        ]);
      } else {
        expect(a.elementwise, `${number} is made from a shared definition`).toBeDefined();
        expect(a.elementwise, `${number} and ${tensor} share their definition`).toBe(b.elementwise);
      }
    }
  });

  it("every shared definition makes a tensor rule and a number rule, and every pair of such rules is listed", () => {
    for (const [key, definition] of Object.entries(elementwise)) {
      const users = (table: Record<string, Rule>): string[] =>
        Object.keys(table).filter((name) => table[name]!.elementwise === definition);
      expect(users(tensorRules), `tensor rules made from elementwise.${key}`).toHaveLength(1);
      expect(users(scalarRules).length, `number rules made from elementwise.${key}`).toBeGreaterThan(0);
    }
    // A Math function with a tensor primitive of the same name must be listed above, so
    // that a rule written twice is a decision, not an accident.
    const sameName = Object.keys(scalarRules).filter((n) => n.startsWith("Math.") && n.slice(5) in tensorRules);
    for (const name of sameName) expect(COUNTERPARTS, `${name} is missing from COUNTERPARTS`).toHaveProperty([name]);
  });
});
