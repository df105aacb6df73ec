// Source maps of generated code (issue 15, item 7): every statement of a generated function,
// and every call of a primitive in it, maps to the user's source node it comes from: the
// primitive call a primal statement computes, the primitive whose adjoint (or tangent) a
// statement of the sweep computes, a parameter for its gradient's last sum and fit, and the
// differentiated function itself for the rest (the return). Setting the ranges changes
// nothing printed. Mappings are read with Node's own SourceMap (node:module), which is what
// `node --enable-source-maps` uses; the last tests run such a process and read its stack traces.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { SourceMap, type SourceMapping } from "node:module";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { compile, type CompileResult } from "./harness";

const ROOT = path.resolve(__dirname, "..");

/** 1-based line of the first occurrence of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`${JSON.stringify(needle)} is not in the source`);
  return text.slice(0, at).split("\n").length;
}

/** The emitted code of one file and the source line each generated position maps to. */
class Mapped {
  readonly js: string;
  readonly map: SourceMap;

  constructor(result: CompileResult, file = "main.ts") {
    this.js = result.js[file]!;
    this.map = new SourceMap(JSON.parse(result.maps[file]!));
  }

  /** The mapping that starts exactly at a generated position (0-based), if any. */
  entryAt(line: number, column: number): SourceMapping | undefined {
    const entry = this.map.findEntry(line, column) as Partial<SourceMapping>;
    return entry.generatedLine === line && entry.generatedColumn === column ? (entry as SourceMapping) : undefined;
  }

  /** The generated function `name`'s text: from its declaration to its closing brace. */
  private functionRange(name: string): [number, number] {
    const start = this.js.indexOf(`function ${name}(`);
    if (start < 0) throw new Error(`no generated function ${name}:\n${this.js}`);
    return [start, this.js.indexOf("\n}", start)];
  }

  /** Where `needle` is inside generated function `fn`, as a 0-based line and column. */
  private find(fn: string, needle: string): { line: number; column: number } {
    const [start, end] = this.functionRange(fn);
    const at = this.js.indexOf(needle, start);
    if (at < 0 || at > end) throw new Error(`${JSON.stringify(needle)} is not in ${fn}:\n${this.js.slice(start, end)}`);
    const before = this.js.slice(0, at).split("\n");
    return { line: before.length - 1, column: before.at(-1)!.length };
  }

  /** The 1-based source line the call (or other node) that starts with `needle` in `fn` maps to. */
  sourceLineOf(fn: string, needle: string): number | undefined {
    const { line, column } = this.find(fn, needle);
    const entry = this.entryAt(line, column);
    return entry && entry.originalLine + 1;
  }

  /** The 1-based source line the statement on the line of `needle` in `fn` maps to (from its first column). */
  statementLineOf(fn: string, needle: string): number | undefined {
    const { line } = this.find(fn, needle);
    const column = this.js.split("\n")[line]!.search(/\S/);
    const entry = this.entryAt(line, column);
    return entry && entry.originalLine + 1;
  }
}

describe("a generated statement maps to the user's line of its primitive", () => {
  const source = `import { add, grad, jvp, matmul, mean, mul, tanh, type Tensor } from "adjoint";

export function f(x: number, y: number) {
  const a = x * y;
  const b = Math.sin(a);
  const c = Math.exp(y) + b;
  return c * c;
}
export const df = grad(f, { wrt: [0, 1] });
export const tf = jvp(f, { wrt: 0 });

export function loss(w: Tensor, x: Tensor, bias: Tensor) {
  const z = add(matmul(x, w), bias);
  const h = tanh(z);
  return mean(mul(h, h));
}
export const dloss = grad(loss, { wrt: [0, 2] });
`;
  const line = (needle: string) => lineOf(source, needle);
  const compiled = compile({ "main.ts": source }, { sourceMap: true, module: ts.ModuleKind.ES2022 });
  const mapped = new Mapped(compiled);

  it("compiles", () => {
    expect(compiled.codes).toEqual([]);
    expect(compiled.typeErrors).toEqual([]);
  });

  it("numbers: the primal sweep at its calls, the adjoint of Math.sin at Math.sin's line", () => {
    const fn = "f_grad_x_y";
    expect(mapped.sourceLineOf(fn, "Math.sin(")).toBe(line("Math.sin(a)"));
    expect(mapped.sourceLineOf(fn, "Math.exp(")).toBe(line("Math.exp(y)"));
    // cos(a) is the adjoint of sin(a): the call and its statement (da = dc * cos(a)) map to sin's line.
    expect(mapped.sourceLineOf(fn, "Math.cos(")).toBe(line("Math.sin(a)"));
    expect(mapped.statementLineOf(fn, "Math.cos(")).toBe(line("Math.sin(a)"));
    // dc = c + c is the adjoint of c * c; da * y (dx) that of x * y.
    expect(mapped.statementLineOf(fn, "= c + c")).toBe(line("c * c"));
    expect(mapped.statementLineOf(fn, "= da * y")).toBe(line("x * y"));
    // Never the end of the function, where synthesized code lands without a range.
    expect(mapped.statementLineOf(fn, "return")).toBe(line("export function f("));
  });

  it("forward mode: a tangent maps to the primitive it differentiates", () => {
    expect(mapped.sourceLineOf("f_jvp", "Math.cos(")).toBe(line("Math.sin(a)"));
    expect(mapped.statementLineOf("f_jvp", "Math.cos(")).toBe(line("Math.sin(a)"));
  });

  it("tensors: each runtime call, primal or adjoint, maps to its primitive's line", () => {
    const fn = "loss_grad_w_bias";
    expect(mapped.sourceLineOf(fn, "adjoint.matmul(")).toBe(line("matmul(x, w)"));
    expect(mapped.sourceLineOf(fn, "adjoint.tanh(")).toBe(line("tanh(z)"));
    expect(mapped.sourceLineOf(fn, "adjoint.reductionSize(")).toBe(line("mean("));
    expect(mapped.sourceLineOf(fn, "adjoint.matmulGradB(")).toBe(line("matmul(x, w)"));
    expect(mapped.statementLineOf(fn, "adjoint.matmulGradB(")).toBe(line("matmul(x, w)"));
    // tanh's adjoint, 1 - tanh², fused into a loop or not: the loop and the calls it stands for map to tanh.
    expect(mapped.statementLineOf(fn, "adjoint.sameShapes(")).toBe(line("tanh(z)"));
    expect(mapped.sourceLineOf(fn, "adjoint.square(")).toBe(line("tanh(z)"));
    expect(mapped.statementLineOf(fn, "for (let i")).toBe(line("tanh(z)"));
    // The bias's gradient is the adjoint of add; the parameters' fits map to the parameters.
    expect(mapped.statementLineOf(fn, "const dBias")).toBe(line("add(matmul"));
    expect(mapped.sourceLineOf(fn, "adjoint.fitGradient(dw")).toBe(line("w: Tensor"));
  });
});

describe("the golden programs", () => {
  const GOLDEN = path.resolve(__dirname, "golden");
  const sources = Object.fromEntries(
    readdirSync(GOLDEN)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => [f, readFileSync(path.join(GOLDEN, f), "utf8")]),
  );
  const withMaps = compile(sources, { module: ts.ModuleKind.ES2022, sourceMap: true });
  const without = compile(sources, { module: ts.ModuleKind.ES2022 });

  it("print the same code with source maps as without", () => {
    for (const name of Object.keys(sources)) {
      const js = withMaps.js[name]!.replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n");
      expect(js, name).toBe(without.js[name]);
    }
  });

  it("map every statement of every generated function inside the function it comes from", () => {
    let checked = 0;
    for (const [name, text] of Object.entries(sources)) {
      const source = ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, true);
      const declared = new Set<string>();
      const functions: ts.SignatureDeclaration[] = [];
      const collect = (n: ts.Node): void => {
        if (ts.isFunctionDeclaration(n) && n.name) declared.add(n.name.text);
        if (ts.isFunctionLike(n)) functions.push(n);
        ts.forEachChild(n, collect);
      };
      collect(source);
      const mapped = new Mapped(withMaps, name);
      const out = ts.createSourceFile("out.js", mapped.js, ts.ScriptTarget.ES2022, true);
      const position = (node: ts.Node) => out.getLineAndCharacterOfPosition(node.getStart(out));

      const visit = (n: ts.Node): void => {
        if (ts.isFunctionDeclaration(n) && n.name && !declared.has(n.name.text)) checkGenerated(n);
        else ts.forEachChild(n, visit);
      };
      const checkGenerated = (fn: ts.FunctionDeclaration): void => {
        const at = position(fn);
        const entry = mapped.entryAt(at.line, at.character);
        expect(entry, `${name}: ${fn.name!.text} has no mapping`).toBeDefined();
        // The function it is generated from starts where the declaration maps.
        const startOf = source.getPositionOfLineAndCharacter(entry!.originalLine, entry!.originalColumn);
        const origin = functions.find((f) => f.getStart(source) === startOf);
        expect(origin, `${name}: ${fn.name!.text} maps to no function`).toBeDefined();
        const first = source.getLineAndCharacterOfPosition(origin!.getStart(source)).line;
        const last = source.getLineAndCharacterOfPosition(origin!.getEnd()).line;
        const statements = (n: ts.Node): void => {
          if (ts.isStatement(n) && !ts.isBlock(n)) {
            const p = position(n);
            const e = mapped.entryAt(p.line, p.character);
            const where = `${name}: ${fn.name!.text}, line ${p.line + 1} (${n.getText(out).split("\n")[0]})`;
            expect(e, `${where} has no mapping`).toBeDefined();
            expect(e!.originalLine, where).toBeGreaterThanOrEqual(first);
            // Inside the function, and never its closing line (unless it is written on one line).
            expect(e!.originalLine, where).toBeLessThanOrEqual(last);
            if (last > first) expect(e!.originalLine, where).toBeLessThan(last);
            checked++;
          }
          ts.forEachChild(n, statements);
        };
        ts.forEachChild(fn.body!, statements);
      };
      visit(out);
    }
    expect(checked).toBeGreaterThan(500);
  });
});

describe("stack traces through node --enable-source-maps", () => {
  const source = `import { grad, gradHook, matmul, ones, sum, tanh, type Tensor } from "adjoint";

export function loss(w: Tensor, x: Tensor) {
  const h = matmul(x, w);
  const y = gradHook(tanh(h), () => ones([5]));
  return sum(y);
}
export const dloss = grad(loss);

export function wave(x: number) {
  const s = Math.sin(x);
  const y = gradHook(s * x, (g) => {
    throw new Error("the hook refuses " + g);
  });
  return y + 1;
}
export const dwave = grad(wave);
`;
  const line = (needle: string) => lineOf(source, needle);

  /** Runs each call in a Node process with source maps on; returns the stack of what each threw. */
  function stacks(calls: readonly string[]): string[] {
    const compiled = compile({ "main.ts": source }, { sourceMap: true });
    expect(compiled.codes).toEqual([]);
    const dir = mkdtempSync(path.join(os.tmpdir(), "adjoint-source-maps-"));
    try {
      mkdirSync(path.join(dir, "node_modules"));
      symlinkSync(ROOT, path.join(dir, "node_modules", "adjoint"), "dir");
      writeFileSync(path.join(dir, "main.js"), compiled.js["main.ts"]!);
      writeFileSync(path.join(dir, "main.js.map"), compiled.maps["main.ts"]!);
      const script = [
        `const m = require("./main.js");`,
        `const { tensor } = require("adjoint");`,
        `const stacks = [];`,
        ...calls.map((c) => `try { ${c}; stacks.push("no error"); } catch (e) { stacks.push(e.stack); }`),
        `console.log(JSON.stringify(stacks));`,
      ].join("\n");
      writeFileSync(path.join(dir, "run.js"), script);
      const run = spawnSync(process.execPath, ["--enable-source-maps", path.join(dir, "run.js")], {
        encoding: "utf8",
      });
      expect(run.stderr).toBe("");
      return JSON.parse(run.stdout) as string[];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The `main.ts:line` of the frame of `fn` in a stack. */
  const frameLine = (stack: string, fn: string): number | undefined => {
    const frame = stack.split("\n").find((l) => new RegExp(`at (Object\\.)?${fn} `).test(l));
    const match = frame && /main\.ts:(\d+):\d+\)?$/.exec(frame);
    return match ? Number(match[1]) : undefined;
  };

  const [badGradient, badShapes, hookThrows] = stacks([
    // The hook's gradient of shape [5] does not fit tanh(h) of shape [2, 2]: the backward sweep throws.
    `m.dloss(tensor([[1, 2], [3, 4]]), tensor([[1, 0], [0, 1]]))`,
    // x of shape [1, 3] times w of shape [2, 2]: the primal sweep of the gradient throws in matmul.
    `m.dloss(tensor([[1, 2], [3, 4]]), tensor([[1, 2, 3]]))`,
    `m.dwave(0.5)`,
  ]);

  it("a gradient that does not fit, in the backward sweep: at the hook's line", () => {
    expect(badGradient).toContain("does not fit");
    expect(frameLine(badGradient!, "loss_grad")).toBe(line("gradHook(tanh(h)"));
  });

  it("a shape mismatch in the primal sweep: at the matmul's line, not the function's end", () => {
    expect(badShapes).toMatch(/matmul: shapes/);
    expect(frameLine(badShapes!, "loss_grad")).toBe(line("matmul(x, w)"));
  });

  it("a hook that throws: the hook at its throw, the gradient at the gradHook call", () => {
    expect(hookThrows).toContain("the hook refuses");
    expect(frameLine(hookThrows!, "hook")).toBe(line("throw new Error"));
    expect(frameLine(hookThrows!, "wave_grad")).toBe(line("gradHook(s * x"));
  });
});
