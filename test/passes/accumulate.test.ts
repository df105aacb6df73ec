import { describe, expect, it } from "vitest";
import { accumulateInPlace } from "../../transformer/passes/accumulate";
import { Namer } from "../../transformer/naming";
import { code, parse, print } from "./spec";

function run(text: string): string {
  const namer = new Namer(new Set());
  return print(accumulateInPlace(parse(text), { inlinable: new Set(), namer }));
}

describe("accumulateInPlace", () => {
  it("hands a sum the loop only adds into to an accumulator, and takes the total back after it", () => {
    expect(
      run(`
        let dw = 0;
        let trip = n;
        while (trip > 0) {
          trip = trip - 1;
          const g = rt.mul(seed, xTape[trip]);
          dw = rt.add(dw, g);
        }
        return dw;`),
    ).toBe(
      code(`
        let dw = 0;
        let trip = n;
        const dwSum = rt.accumulator(dw);
        while (trip > 0) {
          trip = trip - 1;
          const g = rt.mul(seed, xTape[trip]);
          dwSum.add(g);
        }
        dw = dwSum.value();
        return dw;`),
    );
  });

  it("leaves a sum the loop reads otherwise: a carried adjoint, an addend that reads it, a condition", () => {
    const carried = `
      while (trip > 0) {
        const dhNext = dh;
        dh = 0;
        dh = rt.add(dh, rt.mul(dhNext, w));
      }`;
    const selfRead = `while (trip > 0) { dx = rt.add(dx, rt.mul(dx, 2)); }`;
    const inCondition = `while (rt.sum(dx) < 3) { dx = rt.add(dx, g); }`;
    const inBranch = `while (trip > 0) { if (opaque(dx.size > 2)) { trip = 0; } dx = rt.add(dx, g); }`;
    for (const text of [carried, selfRead, inCondition, inBranch]) expect(run(text)).toBe(code(text));
  });

  it("leaves a loop with a return inside: it would leave without the total", () => {
    const text = `while (trip > 0) { dx = rt.add(dx, g); if (trip > 3) { return dx2; } }`;
    expect(run(text)).toBe(code(text));
  });

  it("gives a sum to the outermost loop that only adds into it; an inner loop takes one the outer loop resets", () => {
    expect(
      run(`
        while (i > 0) {
          dv = 0;
          while (j > 0) {
            dw = rt.add(dw, a);
            dv = rt.add(dv, b);
          }
          dx = rt.add(dx, dv);
        }`),
    ).toBe(
      code(`
        const dwSum = rt.accumulator(dw);
        const dxSum = rt.accumulator(dx);
        while (i > 0) {
          dv = 0;
          const dvSum = rt.accumulator(dv);
          while (j > 0) {
            dwSum.add(a);
            dvSum.add(b);
          }
          dv = dvSum.value();
          dxSum.add(dv);
        }
        dw = dwSum.value();
        dx = dxSum.value();`),
    );
  });

  it("names the accumulator apart from every name in use", () => {
    expect(run(`const dwSum = 1; while (k > 0) { dw = rt.add(dw, dwSum); }`)).toBe(
      code(`
        const dwSum = 1;
        const dwSum2 = rt.accumulator(dw);
        while (k > 0) {
          dwSum2.add(dwSum);
        }
        dw = dwSum2.value();`),
    );
  });
});
