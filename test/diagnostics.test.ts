// Every refusal is a diagnostic with a stable code on the right line, and the program's
// other gradients still compile. Each case marks the line it expects with `// <-`.
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { DIAGNOSTICS, formatMessage, type DiagnosticCode } from "../transformer/diagnostics";
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

const HEADER = `import { grad, vjp, hessian, gradHook, customGradient, full, sum, type Tensor } from "adjoint";`;

/**
 * Refused programs beyond one per code, one per kind of refusal a user meets, each with a
 * phrase its message must hold: the construct in words and what to write instead.
 */
const REFUSED: [name: string, code: DiagnosticCode, source: string, says: RegExp][] = [
  [
    "try",
    "ADJ201",
    `function f(x: number) { try { return x * x; } catch { return 0; } }`,
    /Instead of a try statement, let errors propagate .* catch them around the call of the gradient/,
  ],
  [
    "a labeled loop",
    "ADJ201",
    `function f(x: number) { let y = x; outer: for (let i = 0; i < 3; i++) { y = y * x; } return y; }`,
    /Instead of a labeled statement, remove the label; to leave nested loops, set a flag/,
  ],
  [
    "a labeled block",
    "ADJ201",
    `function f(x: number) { let y = x; block: { y = y * 2; } return y; }`,
    /Instead of a labeled statement/,
  ],
  [
    "a labeled break",
    "ADJ201",
    `function f(x: number) { let y = x; while (y < 10) { inner: for (let j = 0; j < 2; j++) { if (y > 5) break inner; y = y * x; } } return y; }`,
    /use a flag in the loop condition/,
  ],
  [
    "a class declaration",
    "ADJ201",
    `function f(x: number) { class A {} return x * x; }`,
    /Instead of a class declaration, declare the class outside/,
  ],
  [
    "a type alias",
    "ADJ201",
    `function f(x: number) { type N = number; const y: N = x * x; return y; }`,
    /Instead of a type alias, declare the type outside/,
  ],
  ["an enum", "ADJ201", `function f(x: number) { enum E { A } return x * E.A; }`, /Instead of an enum declaration/],
  ["debugger", "ADJ201", `function f(x: number) { debugger; return x * x; }`, /Instead of a debugger statement/],
  [
    "a switch on a call",
    "ADJ201",
    `function f(x: number) { switch (Math.floor(x)) { case 1: return x; default: return x * x; } }`,
    /compute the value into a const first, or write the cases as if \/ else/,
  ],
  [
    "a switch case that falls through",
    "ADJ201",
    `function f(x: number, k: number) { let y = x; switch (k) { case 1: y = y * 2; case 2: y = y * 3; break; } return y; }`,
    /end it with break, or write the cases as if \/ else/,
  ],
  [
    "a switch case left early",
    "ADJ201",
    `function f(x: number, k: number) { let y = x; switch (k) { case 1: if (x > 0) break; y = y * 3; break; } return y; }`,
    /make break its last statement, or write the cases as if \/ else/,
  ],
  [
    "an assignment inside an expression",
    "ADJ201",
    `function f(x: number) { let y = 0; const z = (y = x) * 2; return z + y; }`,
    /Write the assignment as a statement of its own/,
  ],
  [
    "a loop without a condition",
    "ADJ202",
    `function f(x: number) { let y = x; for (let i = 0; ; i++) { y = y * x; if (i > 3) break; } return y; }`,
    /test the exit in the condition/,
  ],
  [
    "a loop that always throws",
    "ADJ202",
    `function f(x: number) { let y = x; while (y < 10) { throw new Error("no"); } return y; }`,
    /throw before the loop, or only under a condition/,
  ],
  [
    "a compound assignment without an operator",
    "ADJ203",
    `function f(x: number) { let y = x; y <<= 1; return y * x; }`,
    /write it out as x = x op y/,
  ],
  [
    "a creation function holding a varied value",
    "ADJ203",
    `function f(x: number) { return sum(full([2], x)); }`,
    /mul\(onesLike\(x\), s\)/,
  ],
  [
    "a property assignment",
    "ADJ205",
    `const o = { a: 1 };\nfunction f(x: number) { o.a = x; return x * x; }`,
    /declare one inside the function and return its value/,
  ],
  [
    "a closure declared inside",
    "ADJ210",
    `function f(x: number) { const sq = (t: number) => t * t; return sq(x); }`,
    /Move the called function outside/,
  ],
  [
    "a return without a value",
    "ADJ207",
    `function f(x: number): any { if (x > 0) return; return x; }`,
    /Return a number/,
  ],
  ["a rest parameter", "ADJ105", `const f = (...xs: number[]) => xs[0]! * 2;`, /instead of a rest parameter/],
  ["a generator", "ADJ106", `function* f(x: number) { yield x; }`, /differentiate a plain function of them/],
  [
    "a parameter that is not differentiable",
    "ADJ103",
    `const f = (x: string) => x.length * 2;`,
    /\{ wrt: 1 \}.*interface Params \{ w: Tensor; b: Tensor \}.*grad\(loss\).*Parameter `x` has type string/,
  ],
  ["a string result", "ADJ104", `const f = (x: number) => String(x);`, /valueAndGrad\(f, \{ hasAux: true \}\)/],
  [
    "a wrt out of range",
    "ADJ102",
    `const f = (x: number) => x * x;\nexport const d = grad(f, { wrt: 3 });`,
    /\{ wrt: 1 \} or \{ wrt: \[0, 2\] \}\. The function has 1 parameter/,
  ],
  [
    "a function known only at run time",
    "ADJ101",
    `export function apply(f: (x: number) => number) { return grad(f); }`,
    /write grad\(f\) where f is declared, and pass the gradient on/,
  ],
  [
    "an increment inside an expression",
    "ADJ213",
    `function f(x: number) { let y = x; const z = ++y * 2; return z; }`,
    /write i\+\+ on a line of its own, or i \+ 1 inside the expression/,
  ],
  [
    "a vjp differentiated again",
    "ADJ215",
    `const f = (x: number) => x * x;\nexport const d = grad(vjp(f));`,
    /differentiate grad\(f\) instead/,
  ],
  [
    "a hook under a second derivative",
    "ADJ215",
    `function f(x: number) { return gradHook(x * x, (g) => 2 * g); }\nexport const d = grad(grad(f));`,
    /differentiate once, or remove gradHook/,
  ],
];

/** A compiler name for a kind of syntax (TryStatement, LabeledStatement, ClassDeclaration, ...), which no message may print. */
const SYNTAX_KIND = /[A-Z][a-z]+(Statement|Expression|Declaration|Keyword)/;

/** Codes whose catalogue message says what to write instead on its own; every other code's message needs a detail that does. */
const BASE_SAYS_INSTEAD = new Set<DiagnosticCode>([
  "ADJ101",
  "ADJ102",
  "ADJ103",
  "ADJ104",
  "ADJ105",
  "ADJ106",
  "ADJ206",
  "ADJ213",
  "ADJ214",
]);

function messagesOf(source: string): { code: string; message: string }[] {
  return compile(source).diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    return { code: message.slice(0, 6), message };
  });
}

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

  it.each(REFUSED)("%s: %s says what it refuses in words and what to write instead", (_name, code, body, says) => {
    const source = `${HEADER}\n${body}\n${body.includes("grad(") ? "" : "export const df = grad(f as any);"}\n`;
    const messages = messagesOf(source);
    expect(messages.map((m) => m.code)).toEqual([code]);
    expect(messages[0]!.message).toMatch(says);
  });

  it("no message names a kind of syntax by the compiler's name for it, and each says what to write instead", () => {
    const sources = [
      ...Object.values(CASES).map((c) => `${HEADER}\n${c}\n`),
      ...REFUSED.map(
        ([, , body]) => `${HEADER}\n${body}\n${body.includes("grad(") ? "" : "export const df = grad(f as any);"}\n`,
      ),
    ];
    const messages = sources.flatMap(messagesOf);
    expect(messages.length).toBeGreaterThanOrEqual(sources.length);
    for (const { code, message } of messages) {
      expect(message).not.toMatch(SYNTAX_KIND);
      // A detail follows the catalogue's sentence, unless that sentence already says what to write.
      if (!BASE_SAYS_INSTEAD.has(code as DiagnosticCode)) {
        expect(message.length, message).toBeGreaterThan(formatMessage(code as DiagnosticCode).length + 10);
      }
    }
    for (const message of Object.values(DIAGNOSTICS)) expect(message).not.toMatch(SYNTAX_KIND);
  });

  it("messages say what to do instead", () => {
    const { diagnostics } = compile(`${HEADER}\n${CASES.ADJ204}`);
    const message = String(diagnostics[0]!.messageText);
    expect(message).toMatch(/^ADJ204: /);
    expect(message).toMatch(/stopGradient/);
  });
});
