import { describe, expect, it } from "vitest";
import type { PassContext } from "../../transformer/passes";
import { inlineOnce } from "../../transformer/passes/inline";
import { code, parse, print } from "./spec";

const context = (inlinable: string[]): PassContext => ({ inlinable: new Set(inlinable) });
const run = (text: string, inlinable: string[]): string => print(inlineOnce(parse(text), context(inlinable)));
const unchanged = (text: string, inlinable: string[]): void => {
  const body = parse(text);
  expect(inlineOnce(body, context(inlinable))).toBe(body);
};

describe("inlineOnce", () => {
  it("folds a temporary read once into its use, one at a time", () => {
    const once = inlineOnce(parse(`const t = x * y; const z = t + Math.sin(x); return z;`), context(["t", "z"]));
    expect(print(once)).toBe(code(`const z = x * y + Math.sin(x); return z;`));
    expect(print(inlineOnce(once, context(["t", "z"])))).toBe(code(`return x * y + Math.sin(x);`));
  });

  it("leaves a value read twice, or one whose value calls something kept as written", () => {
    unchanged(`const t = x * y; return t + t;`, ["t"]);
    unchanged(`const t = opaque(log(x)); return t;`, ["t"]);
  });

  it("folds a name that is not a temporary only into the merge it feeds", () => {
    unchanged(`const a = x * 2; const b = a + 1; return b;`, []);
    expect(run(`let m; const a = x * 2; m = a; return m;`, [])).toBe(code(`let m; m = x * 2; return m;`));
  });

  it("never moves a read past an assignment of what it reads (a loop-carried variable, an accumulator)", () => {
    unchanged(`const t = s * 2; s = s + 1; y = t;`, ["t"]);
    unchanged(`const t = s * 2; if (c) { s += 1; } y = t;`, ["t"]);
  });

  it("folds into the assignment that itself reassigns what it reads (read before written)", () => {
    expect(run(`const t = s + x; s = t;`, ["t"])).toBe(code(`s = s + x;`));
  });

  it("moves past a branch or a loop that neither reads nor writes it, never into one", () => {
    expect(run(`const t = x * 2; if (c) { f(y); } return t;`, ["t"])).toBe(code(`if (c) { f(y); } return x * 2;`));
    unchanged(`const t = x * 2; if (c) { y = t; }`, ["t"]);
    unchanged(`const t = x * 2; while (c) { y = t; }`, ["t"]);
  });

  it("leaves a value read inside an expression kept as written, where substitution cannot reach", () => {
    unchanged(`const t = x * 2; return opaque(g(t));`, ["t"]);
  });

  it("counts the reads of a loop body in the loop body (the backward loop reuses the primal's names)", () => {
    expect(
      run(`while (i < 3) { const t = x * i; s += t; i = i + 1; } while (j > 0) { const t = x * j; d += t * t; }`, [
        "t",
      ]),
    ).toBe(code(`while (i < 3) { s += x * i; i = i + 1; } while (j > 0) { const t = x * j; d += t * t; }`));
  });
});
