// The fence refuses on syntax alone: each case is refused the same through the whole
// transformer (the diagnostic on its line) and by fence() on a tree parsed without any
// type checker. Each case marks the line it expects with `// <-`.
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { AdjointError } from "../transformer/diagnostics";
import { fence } from "../transformer/fence";
import type { FunctionNode } from "../transformer/sites";
import { compile } from "./harness";

const CASES: [name: string, code: string, source: string][] = [
  ["an async function", "ADJ106", `async function f(x: number) { return x; } // <-`],
  ["a generator", "ADJ106", `function* f(x: number) { yield x; return x; } // <-`],
  ["a destructured parameter", "ADJ105", `function f({ x }: { x: number }) { return x * x; } // <-`],
  ["a rest parameter", "ADJ105", `function f(...xs: number[]) { return xs[0]! * 2; } // <-`],
  [
    "a return without a value",
    "ADJ207",
    `function f(x: number) {
      if (x > 0) return; // <-
      return x;
    }`,
  ],
  [
    "a return without a value in a loop",
    "ADJ207",
    `function f(x: number) {
      while (x > 0) {
        return; // <-
      }
      return x;
    }`,
  ],
  [
    "a switch case that falls through into the next",
    "ADJ201",
    `function f(x: number, k: number) {
      let y = x;
      switch (k) {
        case 0: // <-
          y = x * x;
        case 1:
          y = y * 2;
      }
      return y;
    }`,
  ],
  [
    "a labelled statement",
    "ADJ201",
    `function f(x: number) {
      let y = x;
      outer: while (y < 10) y = y * 2; // <-
      return y;
    }`,
  ],
  [
    "a labelled break in a loop, reported on the break before the label inside the loop",
    "ADJ201",
    `function f(x: number) {
      let y = x;
      while (y < 10) {
        y = y * 2;
        inner: {
          break inner; // <-
        }
      }
      return y;
    }`,
  ],
  [
    "for...in",
    "ADJ202",
    `function f(x: number) {
      let y = x;
      for (const k in { a: 1 }) y = y * k.length; // <-
      return y;
    }`,
  ],
  [
    "a for loop without a condition",
    "ADJ202",
    `function f(x: number) {
      let y = x;
      for (let i = 0; ; i++) { // <-
        y = y * 2;
      }
    }`,
  ],
  [
    "for...of destructuring its element",
    "ADJ202",
    `function f(x: number, xs: number[][]) {
      let y = x;
      for (const [a] of xs) y = y * a!; // <-
      return y;
    }`,
  ],
  [
    "for...of declaring var",
    "ADJ209",
    `function f(x: number, xs: number[]) {
      let y = x;
      for (var v of xs) y = y * v; // <-
      return y;
    }`,
  ],
  [
    "var",
    "ADJ209",
    `function f(x: number) {
      var y = x * x; // <-
      return y;
    }`,
  ],
  [
    "var in a for loop's initializer",
    "ADJ209",
    `function f(x: number) {
      let y = x;
      for (var i = 0; i < 3; i++) y = y * x; // <-
      return y;
    }`,
  ],
  [
    "a function declared inside",
    "ADJ210",
    `function f(x: number) {
      function sq(t: number) { return t * t; } // <-
      return sq(x);
    }`,
  ],
  [
    "assigning a property",
    "ADJ205",
    `function f(x: number) {
      const o = { p: 0 };
      o.p = x; // <-
      return x * x;
    }`,
  ],
  [
    "assigning a property in a for loop's update",
    "ADJ205",
    `function f(x: number) {
      const o = { p: 0 };
      let y = x;
      for (let i = 0; i < 3; o.p++) y = y * x; // <-
      return y;
    }`,
  ],
  [
    "a compound assignment lowering has no operator for",
    "ADJ203",
    `function f(x: number) {
      let y = x;
      y ||= 2; // <-
      return y * x;
    }`,
  ],
];

const HEADER = `import { grad } from "adjoint";`;
const expectedLine = (source: string): number => source.split("\n").findIndex((l) => l.includes("// <-")) + 1;

function functionF(file: ts.SourceFile): FunctionNode {
  const fn = file.statements.find((s) => ts.isFunctionDeclaration(s) && s.name?.text === "f");
  if (!fn) throw new Error("no function f");
  return fn as ts.FunctionDeclaration;
}

function refusal(source: string): { code: string; line: number } | undefined {
  const file = ts.createSourceFile("main.ts", source, ts.ScriptTarget.ES2022, true);
  try {
    fence(functionF(file));
    return undefined;
  } catch (e) {
    if (!(e instanceof AdjointError)) throw e;
    return { code: e.code, line: file.getLineAndCharacterOfPosition(e.node.getStart(file)).line + 1 };
  }
}

describe("fence", () => {
  it.each(CASES)("%s: %s through the transformer", (_name, code, body) => {
    const source = `${HEADER}\n${body}\nexport const df = grad(f);\n`;
    expect(compile(source).codes).toEqual([`${code}@${expectedLine(source)}`]);
  });

  it.each(CASES)("%s: %s from the syntax alone", (_name, code, body) => {
    expect(refusal(body)).toEqual({ code, line: expectedLine(body) });
  });

  it("a declaration without a body, and break outside a loop (neither type-checks) are refused too", () => {
    expect(refusal(`declare function f(x: number): number;`)).toEqual({ code: "ADJ101", line: 1 });
    expect(refusal(`function f(x: number) {\n  break;\n  return x;\n}`)).toEqual({ code: "ADJ201", line: 2 });
  });

  it("names a refused statement in words, never by the compiler's name for its kind", () => {
    const messageOf = (source: string): string => {
      const file = ts.createSourceFile("main.ts", source, ts.ScriptTarget.ES2022, true);
      try {
        fence(functionF(file));
      } catch (e) {
        if (e instanceof AdjointError) return e.message;
        throw e;
      }
      throw new Error("not refused");
    };
    expect(messageOf(`function f(x: number) {\n  break;\n  return x;\n}`)).toBe(
      "ADJ201: This statement is not supported in differentiated code. Instead of a break outside a loop, end the branch with if / else or a return.",
    );
    expect(messageOf(`function f(x: number) { with (Math) { return x; } }`)).toBe(
      "ADJ201: This statement is not supported in differentiated code. Instead of a with statement, read the object's fields by name.",
    );
    expect(messageOf(`function f(x: number) { interface I { a: number } return x; }`)).toMatch(
      /Instead of an interface declaration, declare the type outside the differentiated function\.$/,
    );
    expect(messageOf(`function f(x: number) { namespace N {} return x; }`)).toMatch(
      /Instead of a namespace declaration/,
    );
    for (const [, , body] of CASES) {
      try {
        fence(functionF(ts.createSourceFile("main.ts", body, ts.ScriptTarget.ES2022, true)));
      } catch (e) {
        expect((e as Error).message).not.toMatch(/[A-Z][a-z]+(Statement|Expression|Declaration|Keyword)/);
      }
    }
  });

  it("lets through what lowering handles, and does not look past a return or inside a closure", () => {
    const source = `import { grad, gradHook } from "adjoint";
      function f(x: number) {
        let y = x;
        for (let i = 0; i < 3; i++) {
          if (y > 100) break;
          y *= x;
        }
        const h = gradHook(y, (g) => { var s = g * 2; return s; });
        if (x > 0) return h;
        else return -h;
        switch (x) { default: y = 0; }
      }
      export const df = grad(f);`;
    const file = ts.createSourceFile("main.ts", source, ts.ScriptTarget.ES2022, true);
    expect(() => fence(functionF(file))).not.toThrow();
    const compiled = compile(source);
    expect(compiled.codes).toEqual([]);
    // y = x^4 for x = 2, and the hook doubles the gradient: 2 * 4x^3.
    expect(compiled.run().df(2)).toBe(64);
  });
});
