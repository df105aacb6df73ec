// The workload of test/runtime/deopt.test.ts, run in its own Node process with
// --trace-deopt-verbose: every kernel of the runtime (each elementwise row loop, the public
// operations around them, and the reductions over every kind of axis) warmed up on lengths
// that are multiples of four in float32, float64 and mixed, then run on other lengths,
// where the test requires that V8 deoptimises none of them. A control kernel with an
// unrolled body and a remainder loop, the shape that used to deoptimise, runs alongside and
// must be deoptimised there: otherwise the check would be blind. Run by hand with
//   node --allow-natives-syntax --trace-deopt-verbose test/runtime/deopt-workload.cjs [dist/runtime]
"use strict";
const path = require("node:path");

const runtimeDir = path.resolve(process.argv[2] ?? path.join(__dirname, "../../dist/runtime"));
const rt = require(runtimeDir);
const kernels = Object.values(require(path.join(runtimeDir, "ops/kernels.generated.js")));

/** The control: four-wide with a remainder loop that multiples of four never reach. */
function controlSum(x) {
  const n = x.length;
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += x[i] + x[i + 1];
    s1 += x[i + 2] + x[i + 3];
  }
  for (; i < n; i++) s0 += x[i];
  return s0 + s1;
}

/** Values of both signs (both branches of sigmoid, relu, greater...), some repeated (equal). */
function data(Type, n, seed) {
  const a = new Type(n);
  for (let i = 0; i < n; i++) a[i] = Math.round(Math.sin(i * 0.7 + seed) * 8) / 4;
  return a;
}

function workload(lengths, shapes, rounds) {
  const inputs = [];
  for (const [X, Y] of [
    [Float32Array, Float32Array],
    [Float64Array, Float64Array],
    [Float32Array, Float64Array],
  ]) {
    const Out = X === Float64Array || Y === Float64Array ? Float64Array : Float32Array;
    for (const n of lengths) inputs.push({ x: data(X, n, 1), y: data(Y, n, 2), o: new Out(n), n });
  }
  const tensors = [];
  for (const dtype of ["float32", "float64"]) {
    for (const shape of shapes) {
      const size = shape.reduce((p, d) => p * d, 1);
      const t = rt.tensor(data(Float64Array, size, 3), { shape, dtype });
      tensors.push({ t, row: rt.tensor(data(Float64Array, shape.at(-1), 4), { dtype }), rank: shape.length });
    }
  }
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    for (const { x, y, o, n } of inputs) {
      for (const k of kernels) {
        if (k.v) k.v(o, x, n);
        else {
          k.vv(o, 0, x, 0, y, 0, n);
          k.vs(o, 0, x, 0, 0.5, n);
          k.sv(o, 0, 0.5, y, 0, n);
        }
      }
      sink += controlSum(x);
    }
    for (const { t, row, rank } of tensors) {
      sink += rt.sum(t).item() + rt.mean(t).item() + rt.logSumExp(t).item();
      sink += rt.add(t, t).size + rt.mul(t, 2).size + rt.sub(2, t).size + rt.exp(t).size;
      sink += rt.add(t, row).size + rt.mul(row, t).size;
      for (let axis = 0; axis < rank; axis++) {
        sink += rt.sum(t, axis).size + rt.mean(t, axis, true).size + rt.logSumExp(t, axis).size;
      }
      if (rank === 3) sink += rt.sum(t, [0, 2]).size + rt.logSumExp(t, [0, 2], true).size;
    }
  }
  return sink;
}

/** A deoptimisation of its own, so that the trace itself says where the checked phase starts. */
function checkedPhaseStarts(x) {
  return x + 1;
}

workload([4096, 64, 8], [[64, 32], [4, 8, 16], [256]], 150);
%PrepareFunctionForOptimization(checkedPhaseStarts);
checkedPhaseStarts(1);
%OptimizeFunctionOnNextCall(checkedPhaseStarts);
checkedPhaseStarts(1);
checkedPhaseStarts("now");
workload([4097, 4098, 4099, 4096, 1, 2, 3, 5, 7, 63], [[63, 33], [5, 7], [3, 5, 7], [255]], 60);
