// The markers' TypeScript types: a gradient has its parameter's type, an array `wrt`
// gives a tuple in that order, valueAndGrad pairs the value with it, vjp takes the seed
// last. Checked by type-checking programs that must (and must not) compile. Also the
// split between the user's entry ("adjoint") and generated code's ("adjoint/internal").
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as runtime from "../runtime";
import * as internal from "../runtime/internal";
import { KERNELS, type KernelSpec } from "../runtime/ops/kernels";
import { num, rt } from "../transformer/js";
import { compile } from "./harness";

const HEADER = `import { grad, vjp, valueAndGrad } from "adjoint";
function f(a: number, label: string, c: number) { return label.length > 0 ? a * c : a; }
`;

describe("marker types", () => {
  it("gradients, tuples, value and seed have precise types", () => {
    const { typeErrors, codes } = compile(`${HEADER}
      export const one: number = grad(f)(1, "x", 2);
      export const pair: [number, number] = grad(f, { wrt: [2, 0] })(1, "x", 2);
      export const both: { value: number; grad: [number] } = valueAndGrad(f, { wrt: [0] })(1, "x", 2);
      export const pulled: number = vjp(f, { wrt: 2 })(1, "x", 2, 0.5);
    `);
    expect(typeErrors).toEqual([]);
    expect(codes).toEqual([]);
  });

  it("a wrong use is a type error", () => {
    const { typeErrors } = compile(`${HEADER}
      export const wrongType: string = grad(f)(1, "x", 2);
      export const wrongArity = grad(f)(1, "x");
      export const missingSeed = vjp(f)(1, "x", 2, "seed");
    `);
    expect(typeErrors).toHaveLength(3);
  });
});

// Generated code calls the runtime through "adjoint/internal"; users import "adjoint".
describe("the runtime's two entries", () => {
  const HELPERS = ["unbroadcast", "fitGradient", "sumGrad", "matmulGradA", "customGradients", "numberTape", "growTape"];
  HELPERS.push("zerosLikeTree", "addTrees", "structureGradient");
  HELPERS.push(
    "broadcastLike",
    "zeroTangent",
    "onesTangent",
    "toNumber",
    "hessianOf",
    "jacobianForward",
    "jacobianReverse",
  );
  // API.md's operations: generated code calls them too, the only names both entries export.
  const OPERATIONS = [
    ...["add", "sub", "mul", "div", "neg", "pow", "exp", "log", "log1p", "sin", "cos", "tanh", "sqrt", "abs"],
    ...["square", "sigmoid", "relu", "softplus", "maximum", "minimum", "sum", "mean", "logSumExp", "reshape"],
    ...["transpose", "matmul", "dot", "where", "logSoftmax", "gather", "sign", "greater", "equal", "argmax"],
  ];

  // API.md's list may be extended (it says so): a kernel table entry's public function is an
  // operation of both entries, with no edit to either (runtime/ops/index.ts re-exports them whole).
  const KERNEL_OPERATIONS = (Object.entries(KERNELS) as [string, KernelSpec][])
    .filter(([, spec]) => spec.api === undefined)
    .map(([name]) => name);
  const ALL_OPERATIONS = [...new Set([...OPERATIONS, ...KERNEL_OPERATIONS])].sort();

  it("of the internal entry, the user entry exports only API.md's operations and the kernel table's", () => {
    expect(
      Object.keys(internal)
        .filter((name) => name in runtime)
        .sort(),
    ).toEqual(ALL_OPERATIONS);
  });

  it("the user entry exports exactly the markers, checkGrad, the Tensor class and creation functions, the operations, the optimizers and the structure walks", () => {
    const MARKERS = ["grad", "vjp", "valueAndGrad", "stopGradient", "gradHook", "reverseGradient", "customGradient"];
    MARKERS.push("jvp", "hvp", "hessian", "jacobian");
    const TENSORS = ["Tensor", "tensor", "zeros", "ones", "full", "zerosLike", "onesLike", "randomNormal"];
    const OPTIMIZERS = ["sgd", "adam", "adamw", "clipByGlobalNorm", "cosineDecay"];
    const TREES = ["mapLeaves", "leaves"];
    const expected = [...MARKERS, "checkGrad", ...TENSORS, "randomUniform", "isTensor", ...ALL_OPERATIONS];
    expected.push(...OPTIMIZERS, ...TREES);
    // No kernel object (ADD), no helper (broadcastTo, reductionSize), nothing of the sweep.
    expect(Object.keys(runtime).sort()).toEqual(expected.sort());
  });

  it("the user entry exports none of what only generated code calls; the internal entry has it all", () => {
    for (const name of HELPERS) {
      expect(runtime, `"adjoint" exports ${name}`).not.toHaveProperty([name]);
      expect(typeof (internal as Record<string, unknown>)[name], `"adjoint/internal" lacks ${name}`).toBe("function");
    }
    const { typeErrors } = compile(`import { unbroadcast } from "adjoint";\nexport const u = unbroadcast;`);
    expect(typeErrors.join("\n")).toContain("unbroadcast");
  });

  it("a runtime function the transformer names must be an export of adjoint/internal", () => {
    // @ts-expect-error: "mull" is not an export of runtime/internal/index.ts (npm run typecheck fails if it compiles)
    const misspelt = rt("mull", num(1), num(2));
    // Nothing catches it at run time: the type is the check.
    expect(misspelt).toMatchObject({ kind: "runtime", fn: "mull" });
    // Type-checks a file beside the transformer's sources, as `npm run typecheck` does.
    const file = path.resolve(__dirname, "../transformer/__rt-names.ts");
    const text = `import { num, rt } from "./js";\nrt("add", num(1), num(2));\nrt("mull", num(1), num(2));\n`;
    const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, types: [] };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version, ...rest) =>
      name === file ? ts.createSourceFile(name, text, version, true) : getSourceFile(name, version, ...rest);
    const exists = host.fileExists.bind(host);
    host.fileExists = (name) => name === file || exists(name);
    const program = ts.createProgram([file], options, host);
    const errors = ts.getPreEmitDiagnostics(program, program.getSourceFile(file));
    expect(errors.map((d) => [d.file!.getLineAndCharacterOfPosition(d.start!).line + 1, d.messageText])).toEqual([
      [3, expect.stringContaining('"mull"')],
    ]);
  });
});
