// The order of the passes and the fixed point (transformer/passes/index.ts).
import { describe, expect, it } from "vitest";
import type * as js from "../../transformer/js";
import { cleanUp } from "../../transformer/passes";
import { removeDeadCode } from "../../transformer/passes/dead-code";
import { dropDeadUpdates } from "../../transformer/passes/dead-updates";
import { hoistBranchValues } from "../../transformer/passes/hoist";
import { dropIdentityShuffles } from "../../transformer/passes/identity-shuffles";
import { inlineOnce } from "../../transformer/passes/inline";
import { inlineLiteralVariables } from "../../transformer/passes/literals";
import { dropUnusedTapes } from "../../transformer/passes/tapes";
import { code, parse, print } from "./spec";

const run = (text: string, inlinable: string[] = []): string => print(cleanUp(parse(text), new Set(inlinable)));

describe("cleanUp", () => {
  it("drops a tape read only by dead code, then the primal values only the tape read", () => {
    const text = `
      let k = 0;
      let sqTape = rt.numberTape();
      while (k < 3) {
        const sq = x * k;
        sqTape: if (k === sqTape.length) { sqTape = rt.growTape(sqTape); }
        sqTape: sqTape[k] = sq;
        k = k + 1;
      }
      const unused = sqTape[0] * 2;
      return x;
    `;
    // On its own the tape pass sees the dead read: simplification has to run first.
    const body = parse(text);
    expect(dropUnusedTapes(body)).toBe(body);
    // And again after it: the product, then the loop, then its counter had only the tape to feed.
    expect(run(text)).toBe(code(`return x;`));
  });

  it("drops an accumulator's shuffle, then folds the literal adjoint it leaves", () => {
    // The shuffle dropped leaves ds never assigned: a literal 1, folded into dx's update.
    const text = `
      let dx = 0;
      let ds = 1;
      let trip = 3;
      while (trip > 0) {
        trip = trip - 1;
        const dsNext = ds;
        ds = 0;
        dx += dsNext * 2;
        ds += dsNext;
      }
      return dx;
    `;
    expect(run(text)).toBe(code(`let dx = 0; let trip = 3; while (trip > 0) { trip = trip - 1; dx += 2; } return dx;`));
  });

  it("inlines to a fixed point, then hoists what the code after a branch reads", () => {
    expect(
      run(`if (c) { const t1 = x * x; const t2 = t1 + 1; const v = t2 * 3; } const dv = v * 2; return dv;`, [
        "t1",
        "t2",
      ]),
    ).toBe(code(`let v; if (c) { v = (x * x + 1) * 3; } const dv = v * 2; return dv;`));
  });
});

describe("every pass", () => {
  const passes: Record<string, (body: js.Statement[]) => js.Statement[]> = {
    removeDeadCode,
    dropDeadUpdates,
    dropIdentityShuffles,
    inlineLiteralVariables,
    inlineOnce: (body) => inlineOnce(body, { inlinable: new Set(["t"]) }),
    dropUnusedTapes,
  };
  const clean = `
    let s = x;
    let sTape = rt.numberTape();
    while (k < 3) {
      sTape: if (k === sTape.length) { sTape = rt.growTape(sTape); }
      sTape: sTape[k] = s;
      const t = s * 2;
      s = t * t;
      k = k + 1;
    }
    if (c) { s += 1; } else { f(s); }
    return s + sTape[0];
  `;

  it.each(Object.keys(passes))(
    "%s returns its input itself when it has nothing to do (the fixed point stops on that)",
    (name) => {
      const body = parse(clean);
      const before = print(body);
      expect(passes[name]!(body)).toBe(body);
      expect(print(body)).toBe(before);
    },
  );

  it("hoistBranchValues, run once at the end, leaves code without branch values as it was", () => {
    expect(print(hoistBranchValues(parse(clean)))).toBe(code(clean));
  });
});
