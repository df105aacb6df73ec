// Every refusal is a diagnostic with a stable code on the right line, and the program's
// other gradients still compile. Each case marks the line it expects with `// <-`.
import { describe, expect, it } from "vitest";
import { DIAGNOSTICS } from "../transformer/diagnostics";
import { compile } from "./harness";

const CASES: Record<string, string> = {
  ADJ101: `
    export function apply(f: (x: number) => number) {
      return grad(f); // <-
    }`,
  ADJ102: `
    const k = 0;
    const f = (x: number) => x * x;
    export const df = grad(f, { wrt: k }); // <-`,
  ADJ103: `
    const f = (x: string) => x.length * 2; // <-
    export const df = grad(f);`,
  ADJ104: `
    const f = (x: number) => { // <-
      return String(x);
    };
    export const df = grad(f);`,
  ADJ105: `
    const f = ({ x }: { x: number }) => x * x; // <-
    export const df = grad(f);`,
  ADJ106: `
    async function f(x: number) { return x; } // <-
    export const df = grad(f);`,
  ADJ201: `
    function f(x: number) {
      try { // <-
        return x * x;
      } catch { return 0; }
    }
    export const df = grad(f);`,
  ADJ202: `
    function f(x: number) {
      let y = 0;
      for (const c in { a: 1 }) y = y + c.length * x; // <-
      return y;
    }
    export const df = grad(f);`,
  ADJ203: `
    function f(x: number) {
      const pair = { first: x, second: 2 * x }; // <-
      return pair.first * 3;
    }
    export const df = grad(f);`,
  ADJ204: `
    declare function external(x: number): number;
    function f(x: number) {
      return external(x) * 2; // <-
    }
    export const df = grad(f);`,
  ADJ205: `
    let total = 0;
    function f(x: number) {
      total = x; // <-
      return x * x;
    }
    export const df = grad(f);`,
  ADJ206: `
    function f(x: number) {
      let y: number;
      if (x > 0) y = x;
      return y! * 2; // <-
    }
    export const df = grad(f);`,
  ADJ207: `
    function f(x: number) {
      const y = x * x;
      if (x > 0) { // <-
        return y;
      }
    }
    export const df = grad(f);`,
  ADJ208: `
    function f(x: number) {
      let y = x;
      const hook = gradHook(x, (g) => g * y); // <-
      y = y * 2;
      return hook + y;
    }
    export const df = grad(f);`,
  ADJ209: `
    function f(x: number) {
      var y = x * x; // <-
      return y;
    }
    export const df = grad(f);`,
  ADJ210: `
    function f(x: number) {
      function sq(t: number) { return t * t; } // <-
      return sq(x);
    }
    export const df = grad(f);`,
  ADJ213: `
    function f(x: number) {
      let y = x;
      const z = y++ * 2; // <-
      return z;
    }
    export const df = grad(f);`,
  ADJ214: `
    interface Params { w: number; b: number }
    function f(p: Params, x: number) {
      return (Object.values(p)[0] as number) * x + p.b; // <-
    }
    export const df = grad(f);`,
  // Forward mode and second derivatives go through the tangent rules: a hook on the backward sweep has none.
  ADJ215: `
    function f(x: number) {
      return gradHook(x * x, (g) => 2 * g); // <-
    }
    export const ddf = grad(grad(f));`,
};

const HEADER = `import { grad, gradHook, customGradient } from "adjoint";`;

function expectedLine(source: string): number {
  return source.split("\n").findIndex((l) => l.includes("// <-")) + 1;
}

describe("diagnostics", () => {
  it.each(Object.keys(CASES))("%s is reported on its line", (code) => {
    const source = `${HEADER}\n${CASES[code]}\n`;
    const { codes } = compile(source);
    expect(codes).toContain(`${code}@${expectedLine(source)}`);
  });

  it("a function that returns on one path and throws on the other is fine", () => {
    const compiled = compile(`${HEADER}
      function f(x: number): number {
        if (x > 0) return x * x;
        throw new Error("negative");
      }
      export const df = grad(f);
    `);
    expect(compiled.codes).toEqual([]);
    expect(compiled.run().df(3)).toBe(6);
  });

  it("ADJ211: a function from another module reached through a re-export", () => {
    const { codes } = compile({
      "main.ts": `${HEADER}\nimport { sq } from "./index";\nexport const d = grad(sq);\n`,
      "index.ts": `export { sq } from "./other";\n`,
      "other.ts": `export const sq = (x: number) => x * x;\n`,
    });
    expect(codes).toEqual(["ADJ211@3"]);
  });

  it("every code in the catalogue has a case here", () => {
    const tested = new Set([...Object.keys(CASES), "ADJ211", "ADJ900"]);
    expect(Object.keys(DIAGNOSTICS).filter((c) => !tested.has(c))).toEqual([]);
  });

  it("a refused function leaves other gradients in the file working", () => {
    const compiled = compile(`${HEADER}
      function bad(x: number) { for (;;) {} }
      function good(x: number) { return x * x; }
      export const dbad = () => grad(bad);
      export const dgood = grad(good);
    `);
    expect(compiled.codes.map((c) => c.split("@")[0])).toEqual(["ADJ202"]);
    const program = compiled.run();
    expect(program.dgood(3)).toBe(6);
  });

  it("a call left untransformed throws the configuration error when run", () => {
    const compiled = compile(`${HEADER}
      function bad(x: number) { for (;;) {} }
      export const run = () => grad(bad);
    `);
    expect(() => compiled.run().run()).toThrow(/adjoint\/transform/);
  });

  it("messages say what to do instead", () => {
    const { diagnostics } = compile(`${HEADER}\n${CASES.ADJ204}`);
    const message = String(diagnostics[0]!.messageText);
    expect(message).toMatch(/^ADJ204: /);
    expect(message).toMatch(/stopGradient/);
  });
});
