// Whole programs compiled in memory through the transformer and run: each construct the
// transformer supports, checked against finite differences or closed forms.
import { describe, expect, it } from "vitest";
import { compile, expectClose, finiteDifference } from "./harness";

function build(source: string): Record<string, any> {
  const compiled = compile(source);
  expect(compiled.codes, "transformer diagnostics").toEqual([]);
  expect(compiled.typeErrors, "type errors in the test program").toEqual([]);
  return compiled.run();
}

const POINTS = [-2.3, -1.1, -0.4, 0.3, 0.9, 1.7, 2.6];

/** Checks a one-argument gradient against finite differences of the function at several points. */
function checkAgainstFiniteDifferences(f: (x: number) => number, df: (x: number) => number, points = POINTS): void {
  for (const x of points) expectClose(df(x), finiteDifference(f, [x], 0), 1e-6);
}

describe("the seed notebook's identities, on numbers", () => {
  const p = build(`
    import { grad, valueAndGrad, stopGradient, gradHook } from "adjoint";
    const f = (x: number) => x * x;
    const g = (x: number) => x ** 3;
    export const modified = (x: number) => f(x) + g(x) - stopGradient(g(x));
    export const reversal = (x: number) => stopGradient(2 * f(x)) - f(x);
    export const hooked = (x: number) => gradHook(f(x), (g) => -g);
    export const dModified = grad(modified);
    export const vModified = valueAndGrad(modified);
    export const dReversal = grad(reversal);
    export const vReversal = valueAndGrad(reversal);
    export const dHooked = grad(hooked);
    export const df = grad(f);
  `);

  it("f + g - stopGradient(g) has the value of f and the gradient f' + g'", () => {
    for (const x of POINTS) {
      expectClose(p.dModified(x), 2 * x + 3 * x * x, 1e-12);
      expectClose(p.vModified(x).value, x * x, 1e-12);
    }
  });

  it("stopGradient(2f) - f has the value of f and the gradient -f'", () => {
    for (const x of POINTS) {
      expectClose(p.dReversal(x), -2 * x, 1e-12);
      expectClose(p.vReversal(x).value, x * x, 1e-12);
      expect(p.df(x) + p.dReversal(x)).toBe(0);
    }
  });

  it("a hook that negates reverses the gradient", () => {
    for (const x of POINTS) expectClose(p.dHooked(x), -2 * x, 1e-12);
  });
});

describe("statements and expressions", () => {
  it("const and let with reassignment and compound assignment", () => {
    const p = build(`
      import { grad } from "adjoint";
      export function f(x: number) {
        let y = x * 2;
        y = y * y;
        y += Math.sin(x);
        y *= x;
        y -= 1;
        y /= 3;
        y **= 2;
        y++;
        const z = y;
        return z * x;
      }
      export const df = grad(f);
    `);
    checkAgainstFiniteDifferences(p.f, p.df);
  });

  it("if / else if / else, with variables assigned in some branches only", () => {
    const p = build(`
      import { grad } from "adjoint";
      export function f(x: number) {
        let y = x;
        let z = 1;
        if (x < -1) {
          y = x * x;
        } else if (x < 1) {
          y = Math.sin(x) * 3;
          z = x;
        } else {
          z = Math.exp(x);
        }
        return y * z;
      }
      export const df = grad(f);
    `);
    checkAgainstFiniteDifferences(p.f, p.df);
  });

  it("early returns, nested and in else-if chains", () => {
    const p = build(`
      import { grad } from "adjoint";
      export function f(x: number) {
        const a = x * 3;
        if (x > 2) return a * a;
        if (x > 0) {
          const b = Math.log(x + 1);
          if (x > 1) {
            return b * a;
          }
          return b + a;
        } else if (x > -1) {
          return Math.cos(a);
        }
        const c = x * x * x;
        return c - a;
      }
      export const df = grad(f);
    `);
    checkAgainstFiniteDifferences(p.f, p.df, [...POINTS, 2.5, 1.5, 0.5, -0.5, -1.5]);
  });

  it("switch on a value that is not differentiated: grouped cases, default, returns, inside a loop with continue", () => {
    const p = build(`
      import { grad } from "adjoint";
      export function pick(x: number, k: number) {
        let y = x;
        switch (k) {
          case 0: {
            const sq = x * x;
            y = sq;
            break;
          }
          case 1:
          case 2:
            y = Math.sin(x) * k;
            break;
          default:
            y = 3 * x;
        }
        return y * x;
      }
      export function walk(x: number, k: number) {
        let s = k;
        for (let i = 0; i < 5; i++) {
          switch (i % 3) {
            case 0:
              s = s + x;
              break;
            case 1:
              if (s > 1) continue;
              s = s * x;
              break;
            default:
              if (k > 3) return s * 2;
          }
        }
        return s;
      }
      export function early(x: number, kind: "square" | "cube" | "same") {
        switch (kind) {
          case "square":
            return x * x;
          case "cube":
            return x * x * x;
        }
        return x;
      }
      export const dPick = grad(pick);
      export const dWalk = grad(walk);
      export const dEarly = grad(early);
    `);
    for (const k of [0, 1, 2, 5])
      for (const [f, df] of [
        [p.pick, p.dPick],
        [p.walk, p.dWalk],
      ])
        checkAgainstFiniteDifferences(
          (x) => f(x, k),
          (x) => df(x, k),
          [-0.8, 0.4, 1.3],
        );
    for (const kind of ["square", "cube", "same"])
      checkAgainstFiniteDifferences(
        (x) => p.early(x, kind),
        (x) => p.dEarly(x, kind),
      );
  });

  it("switch cases that fall through or leave early, and a discriminant that calls, are refused at their node", () => {
    const codes = (body: string) =>
      compile(
        `import { grad } from "adjoint";\nfunction f(x: number, k: number) {\n${body}\n}\nexport const df = grad(f);`,
      ).codes;
    expect(codes("let y = x;\nswitch (k) {\ncase 0:\ny = x * x;\ncase 1:\ny = y * 2;\n}\nreturn y;")).toEqual([
      "ADJ201@5",
    ]);
    expect(codes("let y = x;\nswitch (k) {\ncase 0:\nif (x > 1) break;\ny = x * x;\nbreak;\n}\nreturn y;")).toEqual([
      "ADJ201@6",
    ]);
    expect(codes("switch (Math.round(k)) {\ncase 0:\nreturn x;\n}\nreturn 2 * x;")).toEqual(["ADJ201@3"]);
  });

  it("the conditional operator", () => {
    const p = build(`
      import { grad } from "adjoint";
      export const f = (x: number) => (x > 0 ? x * x : Math.sin(x)) + (x > 1 ? 1 : x);
      export const df = grad(f);
    `);
    checkAgainstFiniteDifferences(p.f, p.df);
  });

  it("a throw on one path leaves the others differentiable", () => {
    const p = build(`
      import { grad } from "adjoint";
      export function f(x: number) {
        if (x < -10) throw new Error("out of range");
        return Math.sqrt(x + 11) * x;
      }
      export const df = grad(f);
    `);
    checkAgainstFiniteDifferences(p.f, p.df);
    expect(() => p.df(-20)).toThrow("out of range");
  });

  it("outer constants, non-wrt parameters and Math constants are constants", () => {
    const p = build(`
      import { grad } from "adjoint";
      const scale = 2.5;
      const config = { offset: 0.5 };
      export function f(x: number, k: number) {
        return scale * Math.sin(x * k) + config.offset * x + Math.PI * k;
      }
      export const df = grad(f);
    `);
    for (const x of POINTS) expectClose(p.df(x, 1.3), finiteDifference(p.f, [x, 1.3], 0), 1e-6);
  });

  it("a function that ignores its argument has gradient 0", () => {
    const p = build(`
      import { grad } from "adjoint";
      export const df = grad((x: number) => 42);
      export const dg = grad((x: number, y: number) => y * y);
    `);
    expect(p.df(3)).toBe(0);
    expect(p.dg(3, 4)).toBe(0);
  });
});

describe("calls to other functions of the program", () => {
  it("nested calls, several active arguments, the same callee twice", () => {
    const p = build(`
      import { grad } from "adjoint";
      function h(t: number) { return Math.exp(t) / (1 + t * t); }
      function g(a: number, b: number) { return h(a) * b + a * b; }
      export function f(x: number, y: number) {
        return g(x, y) + g(y, x * x) + h(3);
      }
      export const df = grad(f, { wrt: [0, 1] });
    `);
    for (const x of POINTS) {
      const y = x / 2 + 0.1;
      const [dx, dy] = p.df(x, y);
      expectClose(dx, finiteDifference(p.f, [x, y], 0), 1e-6);
      expectClose(dy, finiteDifference(p.f, [x, y], 1), 1e-6);
    }
  });

  it("calls in loops, nested loops, with continue and break: each call's value and pullback taped per trip", () => {
    const p = build(`
      import { grad } from "adjoint";
      function step(x: number, k: number) { return Math.sin(x * k) + x * x * 0.1; }
      export function f(x: number) {
        let s = x;
        for (let i = 0; i < 4; i++) {
          if (i === 1) continue;
          const y = step(s, i + 1);
          let inner = y;
          for (let j = 0; j < 2; j++) inner = step(inner, j + 0.5) + inner;
          s = s * 0.5 + inner * step(x, 2);
          if (s > 50) break;
        }
        return s;
      }
      export const df = grad(f);
    `);
    checkAgainstFiniteDifferences(p.f, p.df);
  });

  it("a recursive function is differentiated through every level", () => {
    const p = build(`
      import { grad } from "adjoint";
      export function power(x: number, n: number): number {
        if (n === 0) return 1;
        return x * power(x, n - 1);
      }
      export const dpower = grad(power);
    `);
    for (const x of POINTS) expectClose(p.dpower(x, 5), 5 * x ** 4, 1e-12);
  });

  it("a call that omits an optional argument passes the seed in its place", () => {
    const p = build(`
      import { grad } from "adjoint";
      function scaled(t: number, k: number = 3) { return k * t * t; }
      export const f = (x: number) => scaled(x) + scaled(x, 0.5);
      export const df = grad(f);
    `);
    for (const x of POINTS) expectClose(p.df(x), 6 * x + x, 1e-12);
  });

  it("callees bound to exported consts work in CommonJS output", () => {
    const p = build(`
      import { grad } from "adjoint";
      export const square = (t: number) => t * t;
      export const f = (x: number) => square(Math.sin(x));
      export const df = grad(f);
    `);
    checkAgainstFiniteDifferences(p.f, p.df);
  });
});

describe("grad, vjp and valueAndGrad", () => {
  const p = build(`
    import { grad, vjp, valueAndGrad } from "adjoint";
    export function f(x: number, y: number, z: number) { return x * y * y + Math.sin(z) * x; }
    export const dx = grad(f);
    export const dy = grad(f, { wrt: 1 });
    export const dzx = grad(f, { wrt: [2, 0] });
    export const only = grad(f, { wrt: [1] });
    export const vg = valueAndGrad(f, { wrt: [0, 1, 2] });
    export const pullback = vjp(f);
    export const pullbackYZ = vjp(f, { wrt: [1, 2] });
  `);
  const [x, y, z] = [0.7, -1.3, 2.1];

  it("wrt selects the parameters, in the order given", () => {
    expectClose(p.dx(x, y, z), y * y + Math.sin(z), 1e-12);
    expectClose(p.dy(x, y, z), 2 * x * y, 1e-12);
    const [dz, dx] = p.dzx(x, y, z);
    expectClose(dz, Math.cos(z) * x, 1e-12);
    expectClose(dx, y * y + Math.sin(z), 1e-12);
    expect(p.only(x, y, z)).toHaveLength(1);
    expectClose(p.only(x, y, z)[0], 2 * x * y, 1e-12);
  });

  it("valueAndGrad gives the value and the gradient tuple", () => {
    const { value, grad } = p.vg(x, y, z);
    expectClose(value, p.f(x, y, z), 1e-15);
    expect(grad).toHaveLength(3);
    expectClose(grad[2], Math.cos(z) * x, 1e-12);
  });

  it("vjp scales the gradient by the seed", () => {
    expectClose(p.pullback(x, y, z, 3), 3 * (y * y + Math.sin(z)), 1e-12);
    const [dy, dz] = p.pullbackYZ(x, y, z, -2);
    expectClose(dy, -2 * 2 * x * y, 1e-12);
    expectClose(dz, -2 * Math.cos(z) * x, 1e-12);
  });

  it("a generated gradient is a plain function: stored, passed and called many times", () => {
    const apply = (d: (...a: number[]) => number) => [1, 2, 3].map((v) => d(v, 1, 0));
    expect(apply(p.dx)).toEqual([1, 1, 1]);
  });
});

describe("markers inside differentiated code", () => {
  const p = build(`
    import { grad, reverseGradient, gradHook, stopGradient } from "adjoint";
    export const reversed = grad((x: number, lambda: number) => reverseGradient(x * x, lambda) + x);
    export const defaultLambda = grad((x: number) => reverseGradient(Math.sin(x)));
    export const hookReadsForward = grad((x: number) => {
      const y = x * x;
      return gradHook(y, (g) => g * y);
    });
    export const twoHooks = grad((x: number) => gradHook(gradHook(x * 3, (g) => g + 1), (g) => g * 10));
    export const cut = grad((x: number) => stopGradient(x * x) * x);
  `);

  it("reverseGradient multiplies by -lambda, lambda known at run time", () => {
    for (const lambda of [0, 0.5, 2]) expectClose(p.reversed(1.5, lambda), -lambda * 3 + 1, 1e-12);
    expectClose(p.defaultLambda(0.4), -Math.cos(0.4), 1e-12);
  });

  it("hooks see the gradient and may read forward values", () => {
    expectClose(p.hookReadsForward(1.5), 1 * 2.25 * 3, 1e-12);
  });

  it("stacked hooks apply innermost last", () => {
    // outer hook sees 1 -> 10; inner hook sees 10 -> 11; times 3.
    expect(p.twoHooks(2)).toBe(33);
  });

  it("stopGradient treats its value as a constant", () => {
    expect(p.cut(3)).toBe(9);
  });
});

describe("recognising calls by declaration", () => {
  it("a renamed import and a namespace import are markers", () => {
    const p = build(`
      import { grad as derivative } from "adjoint";
      import * as adj from "adjoint";
      export const d1 = derivative((x: number) => x * x);
      export const d2 = adj.grad((x: number) => x * x * x);
    `);
    expect(p.d1(3)).toBe(6);
    expect(p.d2(2)).toBe(12);
  });

  it("a user's own function named grad is left alone", () => {
    const p = build(`
      function grad(f: (x: number) => number) { return (x: number) => f(x) + 1000; }
      export const notAGradient = grad((x: number) => x * x);
    `);
    expect(p.notAGradient(3)).toBe(1009);
  });

  it("function declarations, function expressions and const aliases are targets", () => {
    const p = build(`
      import { grad } from "adjoint";
      function decl(x: number) { return x * x; }
      const expr = function (x: number) { return x * x * x; };
      const alias = decl;
      export const d1 = grad(decl);
      export const d2 = grad(expr);
      export const d3 = grad(alias);
      export function outer(k: number) {
        const inner = (x: number) => k * x * x;
        return grad(inner)(k);
      }
    `);
    expect(p.d1(3)).toBe(6);
    expect(p.d2(2)).toBe(12);
    expect(p.d3(5)).toBe(10);
    expect(p.outer(3)).toBe(18);
  });
});

describe("emitted code", () => {
  const source = `
    import { grad, stopGradient } from "adjoint";
    function g(t: number) { return t * Math.exp(t); }
    export function f(x: number, y: number) {
      let z = x * y;
      if (z > 1) z = g(z) + stopGradient(Math.log(z));
      return z * z;
    }
    export const df = grad(f, { wrt: [0, 1] });
  `;

  it("is deterministic: the same input gives byte-identical output", () => {
    expect(compile(source).js["main.ts"]).toBe(compile(source).js["main.ts"]);
  });

  it("emits no code for the path stopGradient cuts", () => {
    const js = compile(source).js["main.ts"]!;
    const generated = js.slice(js.indexOf("function f_grad_x_y"));
    // The log is computed for the value but never differentiated: no division by z appears.
    expect(generated).toContain("Math.log(z)");
    expect(generated).not.toMatch(/\/ z\b/);
  });
});

describe("functions of other modules", () => {
  const files = {
    "main.ts": `
      import { grad, valueAndGrad } from "adjoint";
      import { sq, drag } from "./physics";
      import * as physics from "./physics";
      export function energy(v: number, k: number) { return 0.5 * sq(v) + physics.drag(v, k) + drag(k, v); }
      export const dEnergy = grad(energy, { wrt: [0, 1] });
      export const dSq = grad(sq);
      export const dragValueAndGrad = valueAndGrad(physics.drag, { wrt: [0, 1] });
    `,
    "physics.ts": `
      export function sq(x: number) { return x * x; }
      export const drag = (v: number, k: number) => k * sq(v) * Math.tanh(v);
    `,
  };

  it("callees and targets in another module get their adjoints there, exported, and imported by callers", () => {
    const compiled = compile(files);
    expect(compiled.codes).toEqual([]);
    // A callee called once where its backward follows gets a forward returning its pullback (sq_forward).
    expect(compiled.js["physics.ts"]).toMatch(/exports\.sq_forward = sq_forward/);
    const p = compiled.run();
    const [dv, dk] = p.dEnergy(1.3, 0.7);
    expectClose(dv, finiteDifference(p.energy, [1.3, 0.7], 0), 1e-6);
    expectClose(dk, finiteDifference(p.energy, [1.3, 0.7], 1), 1e-6);
    expect(p.dSq(3)).toBe(6);
    const { value, grad } = p.dragValueAndGrad(1.3, 0.7);
    expectClose(value, 0.7 * 1.69 * Math.tanh(1.3), 1e-12);
    expect(grad).toHaveLength(2);
  });

  it("is deterministic across modules", () => {
    const [a, b] = [compile(files), compile(files)];
    expect(a.js).toEqual(b.js);
  });

  it("ADJ211: a function reached through a re-export is refused, with the way out", () => {
    const compiled = compile({
      "main.ts": `import { grad } from "adjoint";\nimport { sq } from "./index";\nexport const d = grad(sq);\n`,
      "index.ts": `export { sq } from "./physics";\n`,
      "physics.ts": `export const sq = (x: number) => x * x;\n`,
    });
    expect(compiled.codes).toEqual(["ADJ211@3"]);
    expect(String(compiled.diagnostics[0]!.messageText)).toMatch(/module that declares it/);
  });
});
