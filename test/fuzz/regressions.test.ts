// Every failure the fuzzer ever found, replayed: each file under regressions/ holds the
// program, the inputs and what went wrong; the fix made it pass and this keeps it so.
// A case with `open` (why) is a known failure not fixed yet: it runs as it.fails, so the fix
// that makes it pass shows up as that test failing, and its `open` is removed then.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../harness";
import { checkGradient, checkJvp, checkSecondDerivative, checkTensorGradient, type Regression } from "./check";
import { evaluate, evaluateTensor, isTensorParam, type Program } from "./programs";
import { checkCase, type ShapedCase } from "./tensor-shapes";

const DIR = path.resolve(__dirname, "regressions");
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort();
const read = (file: string) => JSON.parse(readFileSync(path.join(DIR, file), "utf8")) as Regression;
const open = files.filter((f) => read(f).open);

describe("fuzz regressions", () => {
  it("the folder is read", () => {
    expect(Array.isArray(files)).toBe(true);
  });
  it.each(files.filter((f) => !open.includes(f)))("%s", (file) => replay(read(file)));
  if (open.length > 0) it.fails.each(open)("%s (open: a known failure)", (file) => replay(read(file)));
});

function replay(r: Regression): void {
  const compiled = compile(r.source);
  if (compiled.codes.length > 0) {
    // A refusal is a correct outcome only for the robustness cases.
    expect(r.kind).toBe("robustness");
    expect(compiled.codes.every((c) => c.startsWith("ADJ"))).toBe(true);
    return;
  }
  if (r.kind === "tensor-shapes") {
    // The shaped tensor fuzzer saves the program and its inputs; both references are recomputed.
    const c = r.program as ShapedCase;
    expect(checkCase(c.program, c.inputs)).toBeUndefined();
    return;
  }
  const program = r.program as Program | undefined;
  if (r.kind === "jvp" && program) {
    // Saved with wrt [k]: the reference evaluates the derivative along parameter k.
    expect(checkJvp(r.source, r.wrt[0]!, r.inputs, (x) => evaluate(program, x))).toBeUndefined();
    return;
  }
  if (r.kind === "second-order") {
    // A case minimised by hand has no program: grad(f) is then not checked, only grad(grad(f)).
    const reference = program && ((x: readonly (number | readonly number[])[]) => evaluate(program, x));
    expect(checkSecondDerivative(r.source, r.wrt[0]!, r.inputs, reference)).toBeUndefined();
    return;
  }
  if (r.kind === "tensor" && program) {
    // Inputs were saved flat: tensors of 3, then numbers, by parameter.
    const args: (number | number[])[] = [];
    const flat = r.inputs as number[];
    let k = 0;
    program.main.params.forEach((_, i) => {
      if (isTensorParam(i)) args.push(flat.slice(k, (k += 3)));
      else args.push(flat[k++]!);
    });
    expect(checkTensorGradient(r.source, r.wrt, args, evaluateTensor(program, args))).toBeUndefined();
    return;
  }
  expect(checkGradient(r.source, r.wrt, r.inputs, program && ((x) => evaluate(program, x)))).toBeUndefined();
}
