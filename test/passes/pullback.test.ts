// A pullback (`(seed) => { ... }`, reverse.ts's callee forwards) closes over primal values:
// the clean-up keeps what it reads, never inlines into it (it runs later), and prints it as
// an arrow function.
import { describe, expect, it } from "vitest";
import * as js from "../../transformer/js";
import { cleanUp } from "../../transformer/passes";
import { parse, print } from "./spec";

/** `before`, then `return [y, (seed) => { return rt.mul(seed, t); }]`, the pullback reading t. */
function withPullback(before: string, y: string): js.Statement[] {
  const inner = parse(`return rt.mul(seed, t);`);
  const pullback: js.Expr = { kind: "pullback", param: "seed", body: inner, reads: ["t"] };
  const value = (parse(`return ${y};`)[0] as js.Statement & { kind: "return" }).value;
  return [...parse(before), { kind: "return", value: { kind: "array", elements: [value, pullback] } }];
}

describe("pullbacks in the clean-up", () => {
  it("keeps a temporary only the pullback reads, and does not inline it there", () => {
    const out = cleanUp(
      withPullback(`const t = rt.mul(x, 2); const unused = rt.exp(x); const y = rt.tanh(t);`, "y"),
      new Set(["t", "unused", "y"]),
    );
    expect(print(out)).toBe(print(withPullback(`const t = rt.mul(x, 2);`, "rt.tanh(t)")));
    expect(print(out)).toMatch(/seed => \{\s*return rt\.mul\(seed, t\);/);
  });

  it("a value read by both the forward and the pullback stays one variable", () => {
    const out = cleanUp(withPullback(`const t = rt.mul(x, 2); const y = rt.add(t, 1);`, "y"), new Set(["t", "y"]));
    expect(print(out)).toBe(print(withPullback(`const t = rt.mul(x, 2);`, "rt.add(t, 1)")));
  });
});
