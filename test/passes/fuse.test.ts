import { describe, expect, it } from "vitest";
import { fuseElementwise } from "../../transformer/passes/fuse";
import { Namer } from "../../transformer/naming";
import type { ValueKind } from "../../transformer/passes";
import { code, parse, print } from "./spec";

/** The pass on a spec, with these kinds from the types; names avoid every identifier of the spec. */
function run(text: string, kinds: Record<string, ValueKind> = {}): string {
  const reserved = new Set(text.match(/[A-Za-z_$][\w$]*/g));
  const namer = new Namer(reserved);
  return print(fuseElementwise(parse(text), { inlinable: new Set(), kinds: new Map(Object.entries(kinds)), namer }));
}

describe("fuseElementwise", () => {
  it("turns a chain into one loop, guarded by the operands' shapes, the calls kept for broadcasting", () => {
    expect(run(`const dx = rt.add(rt.add(rt.mul(3, rt.pow(x, 2)), x), x); return dx;`, { x: "tensor" })).toBe(
      code(`
        let dx;
        if (rt.sameShapes(x)) {
          const xs = x.data;
          dx = rt.fusedResult(x);
          const dxs = dx.data;
          const n = dxs.length;
          for (let i = 0; i < n; i++) {
            const xi = xs[i];
            const squarei = xi * xi;
            const muli = 3 * squarei;
            const addi = muli + xi;
            dxs[i] = addi + xi;
          }
        } else {
          dx = rt.add(rt.add(rt.mul(3, rt.pow(x, 2)), x), x);
        }
        return dx;`),
    );
  });

  it("reads each operand once per element, numbers as they are, and computes a number expression once", () => {
    expect(run(`const y = rt.mul(rt.div(1, rt.reductionSize(t)), rt.sub(t, rt.mul(u, c)));`, { c: "number" })).toBe(
      code(`
        let y;
        if (rt.sameShapes(t, u)) {
          const ts = t.data;
          const us = u.data;
          y = rt.fusedResult(t, u);
          const ys = y.data;
          const c2 = rt.div(1, rt.reductionSize(t));
          const n = ys.length;
          for (let i = 0; i < n; i++) {
            const ti = ts[i];
            const ui = us[i];
            const muli = ui * c;
            const subi = ti - muli;
            ys[i] = c2 * subi;
          }
        } else {
          y = rt.mul(rt.div(1, rt.reductionSize(t)), rt.sub(t, rt.mul(u, c)));
        }`),
    );
  });

  it("reads a 0-d tensor (a whole reduction) once before the loop; an unbroadcast to one is a sum, left alone", () => {
    expect(run(`const y = rt.mul(rt.exp(rt.sub(x, m)), rt.unbroadcast(g, x, m));`, { m: "scalar" })).toBe(
      code(`
        let y;
        if (rt.sameShapes(x, g) && rt.allScalars(m)) {
          const xs = x.data;
          const gs = g.data;
          const mv = m.data[0];
          y = rt.fusedResult(x, g, m);
          const ys = y.data;
          const n = ys.length;
          for (let i = 0; i < n; i++) {
            const xi = xs[i];
            const gi = gs[i];
            const subi = xi - mv;
            const expi = Math.exp(subi);
            ys[i] = expi * gi;
          }
        } else {
          y = rt.mul(rt.exp(rt.sub(x, m)), rt.unbroadcast(g, x, m));
        }`),
    );
    const summed = `const dm = rt.mul(rt.unbroadcast(rt.neg(g), m, x), rt.exp(x));`;
    expect(run(summed, { m: "scalar" })).toBe(code(summed));
  });

  it("uses the kernel's formula with its let bindings (sigmoid), and the kernels' conventions (relu)", () => {
    expect(run(`const y = rt.relu(rt.sigmoid(x));`)).toBe(
      code(`
        let y;
        if (rt.sameShapes(x)) {
          const xs = x.data;
          y = rt.fusedResult(x);
          const ys = y.data;
          const n = ys.length;
          for (let i = 0; i < n; i++) {
            const xi = xs[i];
            const e = Math.exp(-Math.abs(xi));
            const sigmoidi = xi >= 0 ? 1 / (1 + e) : e / (1 + e);
            ys[i] = sigmoidi <= 0 ? 0 : sigmoidi;
          }
        } else {
          y = rt.relu(rt.sigmoid(x));
        }`),
    );
  });

  it("accumulates a whole sum or mean of a chain inside the loop, with no buffer for the chain", () => {
    expect(run(`const s = rt.mean(rt.exp(rt.neg(x)));`)).toBe(
      code(`
        let s;
        if (rt.sameShapes(x)) {
          const xs = x.data;
          let total = 0;
          const n = xs.length;
          for (let i = 0; i < n; i++) {
            const xi = xs[i];
            const negi = -xi;
            total += Math.exp(negi);
          }
          s = rt.fusedTotal(total / xs.length, x);
        } else {
          s = rt.mean(rt.exp(rt.neg(x)));
        }`),
    );
  });

  it("takes a reduction of a chain out of a larger expression to fuse it", () => {
    const fused = run(`return { value: rt.add(rt.sum(rt.square(rt.sub(x, 1))), 2), grad: g };`);
    expect(fused).toContain("let total;");
    expect(fused).toContain("total2 += subi * subi;");
    expect(fused).toContain("total = rt.fusedTotal(total2, x);");
    expect(fused).toContain("return { value: rt.add(total, 2), grad: g };");
  });

  it("reads unbroadcast as its adjoint when the guard checks the operands it reduces over", () => {
    expect(run(`dx = rt.add(dx, rt.unbroadcast(rt.mul(g, y), x, y));`)).toBe(
      code(`
        if (rt.sameShapes(dx, g, y, x)) {
          const dxs = dx.data;
          const gs = g.data;
          const ys = y.data;
          dx = rt.fusedResult(dx, g, y);
          const dxs2 = dx.data;
          const n = dxs2.length;
          for (let i = 0; i < n; i++) {
            const dxi = dxs[i];
            const gi = gs[i];
            const yi = ys[i];
            const muli = gi * yi;
            dxs2[i] = dxi + muli;
          }
        } else {
          dx = rt.add(dx, rt.unbroadcast(rt.mul(g, y), x, y));
        }`),
    );
  });

  it("takes pow's fast paths for literal exponents, as the runtime does", () => {
    const fused = run(`const y = rt.add(rt.pow(x, 3), rt.add(rt.pow(x, -1), rt.pow(x, 0.5)));`);
    expect(fused).toContain("const cubei = xi * xi * xi;");
    expect(fused).toContain("const reciprocali = 1 / xi;");
    expect(fused).toContain("const powi = Math.pow(xi, 0.5);");
  });

  it("leaves alone a single primitive, a chain of numbers, and what it cannot read element by element", () => {
    const untouched = [
      `const y = rt.add(x, y0);`,
      `const y = rt.add(rt.mul(a, b), 1);`,
      // pow by an exponent known only at run time: the runtime may take a fast path or not.
      `const y = rt.add(rt.pow(x, p), 1);`,
      `const y = rt.add(rt.sumGrad(g, x, s, 1), rt.exp(x));`,
      `const y = rt.sum(rt.exp(x), 0);`,
    ];
    for (const text of untouched) expect(run(text, { a: "number", b: "number", p: "number" })).toBe(code(text));
  });

  it("knows a constant computed from numbers is a number, whatever its name", () => {
    expect(run(`const k = n * 2; const y = rt.exp(rt.mul(x, k));`, { n: "number" })).toContain("const muli = xi * k;");
  });

  it("fuses in every block, a loop body and a branch included", () => {
    const fused = run(`while (k < n) { if (c) { acc = rt.add(acc, rt.mul(x, x)); } k = k + 1; }`);
    expect(fused).toContain("if (rt.sameShapes(acc, x))");
    expect(fused).toContain("acc = rt.add(acc, rt.mul(x, x));");
  });

  it("adds a chain into an accumulator's buffer when it fits, one primitive included; 0-d operands and reductions do not", () => {
    expect(
      run(`const dwSum = rt.accumulator(dw); while (k > 0) { dwSum.add(rt.unbroadcast(rt.mul(g, x), w, x)); }`),
    ).toBe(
      code(`
        const dwSum = rt.accumulator(dw);
        while (k > 0) {
          if (dwSum.fits(g, x, w)) {
            const gs = g.data;
            const xs = x.data;
            const dwSums = dwSum.buffer();
            const n = dwSums.length;
            for (let i = 0; i < n; i++) {
              const gi = gs[i];
              const xi = xs[i];
              dwSums[i] += gi * xi;
            }
          } else {
            dwSum.add(rt.unbroadcast(rt.mul(g, x), w, x));
          }
        }`),
    );
    const untouched = [
      `const dwSum = rt.accumulator(dw); dwSum.add(rt.mul(g, s));`,
      `const dwSum = rt.accumulator(dw); dwSum.add(rt.sum(rt.mul(g, x)));`,
      `const dwSum = rt.accumulator(dw); dwSum.add(g);`,
      `other.add(rt.mul(g, x));`,
    ];
    for (const text of untouched) expect(run(text, { s: "scalar" })).not.toContain("fits");
  });
});
