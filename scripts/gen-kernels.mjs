// `npm run gen:kernels`: writes two modules from the kernel table in runtime/ops/kernels.ts. Each
// table entry becomes a kernel object with a scalar function and monomorphic array loops
// (plain loops that V8 keeps optimised; see runtime/ops/elementwise.ts for how they are driven), in runtime/ops/kernels.generated.ts;
// unless the entry says otherwise, its public function goes to
// runtime/ops/elementwise-ops.generated.ts, which holds nothing else, so that runtime/ops/index.ts
// re-exports it whole and a new entry reaches both entries ("adjoint", "adjoint/internal")
// with no list to edit. test/runtime/kernels.test.ts calls generateKernels() on the table
// and compares with the checked-in files.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as prettier from "prettier";
import ts from "typescript";

const root = path.join(import.meta.dirname, "..");
const TABLE = path.join(root, "runtime", "ops", "kernels.ts");
/** The kernel objects, then the public functions: the keys of what generateKernels() returns. */
const OUTPUTS = {
  kernels: path.join(root, "runtime", "ops", "kernels.generated.ts"),
  functions: path.join(root, "runtime", "ops", "elementwise-ops.generated.ts"),
};

/** Names the loops use; a `let` may not take them. */
const RESERVED = new Set(["a", "b", "o", "oi", "x", "xi", "y", "yi", "s", "n", "i", "j", "Math", "NaN", "Infinity"]);

/** Whether the word at `index` is a variable: not a property name after a dot, nor inside a number (1e5). */
const isVariable = (expr, index) => index === 0 || !/[\w$.]/.test(expr[index - 1]);

/** The variables an expression reads. */
function identifiers(expr) {
  return [...expr.matchAll(/[A-Za-z_$][\w$]*/g)].filter((m) => isVariable(expr, m.index)).map((m) => m[0]);
}

/** `expr` with the variables in `values` replaced by their text. */
function substitute(expr, values) {
  return expr.replace(/[A-Za-z_$][\w$]*/g, (name, index) =>
    isVariable(expr, index) && Object.hasOwn(values, name) ? values[name] : name,
  );
}

/** Checks an entry and returns how often each operand is read (a, b). */
function analyse(name, spec) {
  if (!/^[a-z][A-Za-z0-9]*$/.test(name))
    throw new Error(`kernel ${name}: the name must be a lower camelCase identifier`);
  if (spec.arity !== 1 && spec.arity !== 2) throw new Error(`kernel ${name}: arity must be 1 or 2`);
  const operands = spec.arity === 1 ? ["a"] : ["a", "b"];
  const lets = Object.entries(spec.let ?? {});
  const known = new Set([...operands, "Math", "NaN", "Infinity"]);
  const uses = { a: 0, b: 0 };
  for (const [what, expr] of [...lets, ["expr", spec.expr]]) {
    for (const id of identifiers(expr)) {
      if (!known.has(id)) throw new Error(`kernel ${name}: ${what} reads ${id}, which is not ${[...known].join(", ")}`);
      if (id === "a" || id === "b") uses[id]++;
    }
    if (what !== "expr") {
      if (RESERVED.has(what)) throw new Error(`kernel ${name}: let ${what} takes a name the loops use`);
      known.add(what);
    }
  }
  for (const op of operands) if (uses[op] === 0) throw new Error(`kernel ${name}: the expression never reads ${op}`);
  return uses;
}

const constName = (name) => name.replace(/[A-Z]/g, "_$&").toUpperCase();

/** The statements computing `spec` for one element: binds, then `store = expr`. */
function element(spec, reads, store) {
  const lets = Object.entries(spec.let ?? {});
  if (lets.length === 0) return [`${store} = ${substitute(spec.expr, reads)};`];
  // With bindings, array operands are read once into consts named as in the table.
  const lines = [];
  const values = {};
  for (const [op, read] of Object.entries(reads)) {
    if (/^[A-Za-z_$][\w$]*$/.test(read)) values[op] = read;
    else lines.push(`const ${op} = ${read};`);
  }
  for (const [bound, expr] of lets) lines.push(`const ${bound} = ${substitute(expr, values)};`);
  lines.push(`${store} = ${substitute(spec.expr, values)};`);
  return lines;
}

/**
 * An array loop: `operands` maps a and b to `{ array, offset }` (read per element) or to the
 * name of a scalar parameter; `out` is the output's offset name (or null for 0).
 *
 * One plain loop, not unrolled: an unrolled body leaves a remainder loop that lengths which
 * are multiples of four never run, and V8 deoptimises the optimised kernel (its on-stack
 * replacement code, again on every call) the first time a length reaches it ("insufficient
 * type feedback"). Measured interleaved on float32 and float64 rows of 4,000 and 10⁶
 * elements, the plain loop is as fast as the unrolled one with a remainder it always runs
 * (and faster for the unary kernels); test/runtime/deopt.test.ts checks that none deoptimises.
 */
function loop(spec, uses, operands, out, counter) {
  const at = (offset) => [offset, counter].filter(Boolean).join(" + ");
  const reads = Object.fromEntries(
    Object.entries(operands).map(([op, v]) => [op, typeof v === "string" ? v : `${v.array}[${at(v.offset)}]`]),
  );
  // An operand read more than once is read into a const first (a `let` binding does that itself).
  const lines = [];
  for (const [op, v] of Object.entries(operands)) {
    if (typeof v === "string" || uses[op] < 2 || spec.let) continue;
    lines.push(`const ${op} = ${reads[op]};`);
    reads[op] = op;
  }
  const body = [...lines, ...element(spec, reads, `o[${at(out)}]`)];
  return body.length === 1
    ? `for (let ${counter} = 0; ${counter} < n; ${counter}++) ${body[0]}`
    : `for (let ${counter} = 0; ${counter} < n; ${counter}++) {\n${body.join("\n")}\n}`;
}

function scalarFunction(spec) {
  const params = spec.arity === 1 ? "(a)" : "(a, b)";
  const lets = Object.entries(spec.let ?? {});
  if (lets.length === 0) return `${params} => ${spec.expr}`;
  return `${params} => {\n${lets.map(([k, v]) => `const ${k} = ${v};`).join("\n")}\nreturn ${spec.expr};\n}`;
}

function kernelObject(name, spec, uses) {
  const head = `export const ${constName(name)}: ${spec.arity === 1 ? "UnaryKernel" : "BinaryKernel"} = {\nname: "${name}",\ns: ${scalarFunction(spec)},`;
  if (spec.arity === 1) {
    return `${head}\nv(o, x, n) {\n${loop(spec, uses, { a: { array: "x", offset: null } }, null, "i")}\n},\n};`;
  }
  const x = { array: "x", offset: "xi" };
  const y = { array: "y", offset: "yi" };
  return [
    head,
    `vv(o, oi, x, xi, y, yi, n) {\n${loop(spec, uses, { a: x, b: y }, "oi", "j")}\n},`,
    `vs(o, oi, x, xi, s, n) {\n${loop(spec, uses, { a: x, b: "s" }, "oi", "j")}\n},`,
    `sv(o, oi, s, y, yi, n) {\n${loop(spec, uses, { a: "s", b: y }, "oi", "j")}\n},`,
    `};`,
  ].join("\n");
}

/** Wraps doc text into JSDoc lines of at most `width` characters. */
function wrap(text, width = 92) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function publicFunction(name, spec) {
  const doc = [spec.doc, spec.zeroGradient ? "Not differentiable." : null].filter(Boolean).join(" ");
  const comment = doc
    ? `/**\n${wrap(doc)
        .map((l) => ` * ${l}\n`)
        .join("")} * @adjointPrimitive ${name}\n */`
    : `/** @adjointPrimitive ${name} */`;
  const k = constName(name);
  if (spec.arity === 1) {
    return `${comment}
export function ${name}(x: number): number;
export function ${name}(x: Tensor): Tensor;
export function ${name}(x: Operand): Operand;
export function ${name}(x: Operand): Operand {
  return unary(${k}, x);
}`;
  }
  return `${comment}
export function ${name}(a: number, b: number): number;
export function ${name}(a: Tensor, b: Operand): Tensor;
export function ${name}(a: Operand, b: Tensor): Tensor;
export function ${name}(a: Operand, b: Operand): Operand;
export function ${name}(a: Operand, b: Operand): Operand {
  return binary(${k}, a, b);
}`;
}

const HEADER = `// GENERATED by scripts/gen-kernels.mjs from the kernel table in runtime/ops/kernels.ts: do not
// edit. Regenerate with \`npm run gen:kernels\`; test/runtime/kernels.test.ts fails while this
// file is out of date. To add an elementwise primitive, see the recipe at the top of
// runtime/ops/kernels.ts (one table entry, its adjoint rule, a test case).
`;

/**
 * The texts of runtime/ops/kernels.generated.ts (`kernels`: the kernel objects) and of
 * runtime/ops/elementwise-ops.generated.ts (`functions`: the public functions, and only them)
 * for `table` (KERNELS of runtime/ops/kernels.ts), formatted.
 */
export async function generateKernels(table) {
  const kernels = [];
  const functions = [];
  for (const [name, spec] of Object.entries(table)) {
    const uses = analyse(name, spec);
    kernels.push(kernelObject(name, spec, uses));
    if (spec.api === undefined) functions.push([name, publicFunction(name, spec)]);
    else if (spec.api !== "handWritten" && spec.api !== "internal") {
      throw new Error(`kernel ${name}: api must be "handWritten" or "internal"`);
    }
  }
  const imports = {
    kernels: `import type { BinaryKernel, UnaryKernel } from "./elementwise.js";`,
    functions: [
      `import type { Tensor } from "../tensor.js";`,
      `import type { Operand } from "./operands.js";`,
      `import { binary, unary } from "./elementwise.js";`,
      `import { ${functions.map(([name]) => constName(name)).join(", ")} } from "./kernels.generated.js";`,
    ].join("\n"),
  };
  const bodies = { kernels, functions: functions.map(([, text]) => text) };
  const texts = {};
  for (const [key, file] of Object.entries(OUTPUTS)) {
    const options = { ...(await prettier.resolveConfig(file)), filepath: file };
    texts[key] = await prettier.format([HEADER + "\n" + imports[key], ...bodies[key]].join("\n\n") + "\n", options);
  }
  return texts;
}

/** KERNELS of runtime/ops/kernels.ts, which imports nothing: transpiled and evaluated on its own. */
async function loadTable() {
  const js = ts.transpileModule(readFileSync(TABLE, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const mod = await import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`);
  return mod.KERNELS;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const texts = await generateKernels(await loadTable());
  for (const [key, file] of Object.entries(OUTPUTS)) {
    writeFileSync(file, texts[key]);
    process.stdout.write(`wrote ${path.relative(root, file)}\n`);
  }
}
