// What a bundler plugin (adjoint/vite, esbuild, rollup, webpack) costs per file. Generates,
// in a temp directory, a project of 40 modules that each differentiate a function (tensor
// losses, loops over numbers and Float64Array, a shared helper module) and 40 modules that do
// not use adjoint, then times, in this process, the compiler the plugins share
// (dist/tooling/compiler.js):
//   - the first file: the language service's program and the plan, built once;
//   - every further file: the emit of one file (median and slowest);
//   - an edit to one file, as watch mode hands it over: the new program reuses the other
//     files' syntax trees, the plan is built again;
//   - a file that does not use adjoint (left to the bundler).
// Then a whole `vite build` of the project with the plugin against the same build without it.
//
//   node bench/plugin-cost.mjs [--rounds 3] [--json out.json] [--keep]
//
// Prints a markdown table on stdout; --json writes the numbers. Needs `npm run build` first.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";

const ROOT = path.join(import.meta.dirname, "..");
const require = createRequire(import.meta.url);
const { AdjointCompiler } = require(path.join(ROOT, "dist/tooling/compiler.js"));

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const ROUNDS = Number(option("--rounds", "3"));
const JSON_OUT = option("--json", undefined);
const KEEP = args.includes("--keep");
const MODULES = 40;

const HELPERS = `import { add, matmul, tanh, type Tensor } from "adjoint";
export function dense(x: Tensor, w: Tensor, b: Tensor): Tensor {
  return tanh(add(matmul(x, w), b));
}
export function smoothAbs(x: number, eps: number): number {
  return Math.sqrt(x * x + eps * eps) - eps;
}
`;
const TEMPLATES = [
  (i) => `import { grad, mean, mul, sub, type Tensor } from "adjoint";
import { dense } from "./helpers";
function loss${i}(w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, x: Tensor, y: Tensor): Tensor {
  const h = dense(x, w1, b1);
  const r = sub(dense(h, w2, b2), y);
  return mean(mul(r, r));
}
export const dLoss${i} = grad(loss${i}, { wrt: [0, 1, 2, 3] });
`,
  (i) => `import { valueAndGrad } from "adjoint";
import { smoothAbs } from "./helpers";
function range${i}(v0: number, angle: number, drag: number): number {
  let x = 0, y = 0, vx = v0 * Math.cos(angle), vy = v0 * Math.sin(angle);
  for (let step = 0; step < 200 && y >= 0; step++) {
    const speed = Math.sqrt(vx * vx + vy * vy);
    vx -= 0.01 * drag * speed * vx;
    vy -= 0.01 * (9.81 + drag * speed * vy);
    x += 0.01 * vx;
    y += 0.01 * vy;
  }
  return smoothAbs(x - 10, 0.01);
}
export const dRange${i} = valueAndGrad(range${i}, { wrt: [0, 1] });
`,
  (i) => `import { grad } from "adjoint";
function rosenbrock${i}(x: Float64Array): number {
  let total = 0;
  for (let j = 0; j + 1 < x.length; j++) {
    const a = 1 - x[j]!, b = x[j + 1]! - x[j]! * x[j]!;
    total += a * a + 100 * b * b;
  }
  return total;
}
export const dRosenbrock${i} = grad(rosenbrock${i});
`,
  (i) => `import { grad, logSoftmax, matmul, mean, mul, neg, sum, type Tensor } from "adjoint";
interface Model${i} { w: Tensor; v: Tensor }
function classify${i}(p: Model${i}, x: Tensor, targets: Tensor): Tensor {
  const logits = matmul(matmul(x, p.w), p.v);
  return neg(mean(sum(mul(logSoftmax(logits, -1), targets), -1)));
}
export const dClassify${i} = grad(classify${i});
`,
];
const PLAIN = (i) => `export function format${i}(values: number[]): string {
  return values.map((v) => v.toFixed(${i % 6})).join(", ");
}
`;

function makeProject(dir) {
  mkdirSync(path.join(dir, "src"), { recursive: true });
  writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "bundler", strict: true, noEmit: true },
      include: ["src"],
    }),
  );
  const files = [];
  writeFileSync(path.join(dir, "src/helpers.ts"), HELPERS);
  for (let i = 0; i < MODULES; i++) {
    const differentiated = path.join(dir, `src/model${i}.ts`);
    writeFileSync(differentiated, TEMPLATES[i % TEMPLATES.length](i));
    const plain = path.join(dir, `src/plain${i}.ts`);
    writeFileSync(plain, PLAIN(i));
    files.push(differentiated, plain);
  }
  const imports = Array.from(
    { length: MODULES },
    (_, i) => `export * from "./model${i}";\nexport * from "./plain${i}";`,
  );
  writeFileSync(path.join(dir, "src/main.ts"), imports.join("\n") + "\n");
  return files;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

function timeCompiler(dir, files) {
  const compiler = new AdjointCompiler({ tsconfig: dir });
  const transform = (file, text = readFileSync(file, "utf8")) => {
    const t = performance.now();
    const result = compiler.transform(file, text);
    const elapsed = performance.now() - t;
    if (result.diagnostics.length > 0) throw new Error(`${file}: ${result.diagnostics[0].messageText}`);
    return { elapsed, result };
  };
  const differentiated = files.filter((f) => f.includes("model"));
  const plain = files.filter((f) => f.includes("plain"));
  const first = transform(differentiated[0]);
  if (!first.result.code) throw new Error("the first module was not transformed");
  const further = differentiated.slice(1).map((f) => transform(f).elapsed);
  const untouched = plain.map((f) => transform(f).elapsed);
  const edits = [];
  for (let round = 0; round < 5; round++) {
    const file = differentiated[round];
    const text = readFileSync(file, "utf8") + `\nexport const edited${round} = ${round};\n`;
    edits.push(transform(file, text).elapsed);
  }
  compiler.dispose();
  return {
    firstMs: first.elapsed,
    furtherMedianMs: median(further),
    furtherMaxMs: Math.max(...further),
    editMedianMs: median(edits),
    untouchedMedianMs: median(untouched),
  };
}

async function viteBuild(dir, withPlugin) {
  const { build } = await import("vite");
  const adjoint = require(path.join(ROOT, "dist/tooling/vite.js"));
  const t = performance.now();
  await build({
    root: dir,
    configFile: false,
    logLevel: "silent",
    plugins: withPlugin ? [adjoint()] : [],
    build: {
      lib: { entry: path.join(dir, "src/main.ts"), formats: ["es"], fileName: "main" },
      outDir: path.join(dir, withPlugin ? "out-plugin" : "out-plain"),
      minify: false,
      rollupOptions: { external: [/^adjoint/] },
    },
  });
  return performance.now() - t;
}

// Inside the checkout, so the project's "adjoint" resolves to this build.
mkdirSync(path.join(ROOT, ".tmp"), { recursive: true });
const dir = mkdtempSync(path.join(ROOT, ".tmp", "plugin-cost-"));
try {
  const files = makeProject(dir);
  const compilerRounds = [];
  const vite = { plugin: [], plain: [] };
  for (let round = 0; round < ROUNDS; round++) {
    compilerRounds.push(timeCompiler(dir, files));
    vite.plain.push(await viteBuild(dir, false));
    vite.plugin.push(await viteBuild(dir, true));
  }
  const pick = (key) => median(compilerRounds.map((r) => r[key]));
  const result = {
    modules: { differentiated: MODULES, plain: MODULES },
    rounds: ROUNDS,
    compiler: {
      firstMs: pick("firstMs"),
      furtherMedianMs: pick("furtherMedianMs"),
      furtherMaxMs: pick("furtherMaxMs"),
      editMedianMs: pick("editMedianMs"),
      untouchedMedianMs: pick("untouchedMedianMs"),
    },
    vite: { plainMs: median(vite.plain), pluginMs: median(vite.plugin) },
  };
  const c = result.compiler;
  console.log(
    [
      `A project of ${MODULES} modules that differentiate a function and ${MODULES} that do not; medians of ${ROUNDS} rounds.`,
      "",
      "| the bundler plugins' compiler | time |",
      "|---|--:|",
      `| first file (program and plan, once per build) | ${ms(c.firstMs)} |`,
      `| each further differentiated file (median / slowest) | ${ms(c.furtherMedianMs)} / ${ms(c.furtherMaxMs)} |`,
      `| a file that does not use adjoint | ${ms(c.untouchedMedianMs)} |`,
      `| an edited file in watch mode (new program, new plan) | ${ms(c.editMedianMs)} |`,
      `| \`vite build\` of the project without / with adjoint/vite | ${ms(result.vite.plainMs)} / ${ms(result.vite.pluginMs)} |`,
    ].join("\n"),
  );
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(result, null, 2) + "\n");
} finally {
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
  else console.error(`kept ${dir}`);
}
