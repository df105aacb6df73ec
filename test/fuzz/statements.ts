// Random syntactically valid statements, supported or not, for the robustness property:
// whatever goes into a function given to grad, the transformer must produce a correct
// gradient or an ADJ diagnostic; never a crash or code that fails to run.
import fc from "fast-check";

type Template = (k: number) => string;

const SUPPORTED: Template[] = [
  () => `acc = acc * (1 + 0.1 * Math.sin(x));`,
  () => `acc += Math.cos(y) * x;`,
  () => `acc -= x * x / 4;`,
  () => `acc *= 0.9;`,
  () => `acc++;`,
  (k) => `const t${k} = x * y + Math.tanh(acc); acc = acc + t${k};`,
  () => `if (x > 0.3) { acc = acc + y; } else { acc = acc - x; }`,
  () => `acc = x > y ? acc * 2 : acc / 3;`,
  () => `if (acc > 5) return acc * x;`,
  () => `if (x > 10) throw new Error("out of range");`,
  () => `acc = Math.max(acc, x) + Math.min(y, 0.5);`,
  (k) => `let u${k} = 0; if (y < 0) { u${k} = Math.exp(x); } acc = acc + u${k};`,
  () => `acc = Math.hypot(acc, 1) + Math.atan2(x, 2);`,
  () => `console.log;`,
  () => `for (let i = 0; i < 3; i++) { acc = acc + x; }`,
  () => `while (acc > 100) { acc = acc / 2; }`,
  () => `do { acc = acc - 1; } while (acc > 50);`,
  () => `for (let i = 0; i < 3; i++) { if (acc > 2) break; acc = acc + x; }`,
  () => `for (let i = 0; i < 3; i++) { if (i === 1) continue; acc = acc * 0.9 + x; }`,
  () => `while (true) { acc = acc * 0.5 + 0.1 * y; if (Math.abs(acc) < 1) break; }`,
  () => `for (let i = 0; i < 4; i++) { acc = acc * 0.8 + Math.sin(x); if (acc > 2) return acc * y; }`,
  (k) => `let k${k} = 0; while (k${k} < 2) { acc = acc * 0.9 + Math.sin(x * k${k}); k${k}++; }`,
  (k) =>
    `for (let i = 0; i < 2; i++) { let inner${k} = acc; for (let j = 0; j < 2; j++) { inner${k} = inner${k} * x + j; } acc = Math.tanh(inner${k}); }`,
  () => `for (const c of [1, 2]) { acc = acc + c * x; }`,
  (k) => `const arr${k} = [acc, x]; acc = arr${k}[0]! * 2;`,
  (k) =>
    `const buf${k} = new Float64Array(3); for (let i = 0; i < 3; i++) { buf${k}[i] = acc * i + x; } acc = buf${k}[2]! - buf${k}[1]!;`,
  (k) => `const w${k} = [acc, y, x]; for (let i = 1; i < 3; i++) { w${k}[i] += w${k}[i - 1]! * 0.5; } acc = w${k}[2]!;`,
  // Issue #10: a variable changed only on an exit path, read by stopGradient or a condition.
  (k) =>
    `let s${k} = 2; for (let i = 0; i < 3; i++) { acc = Math.sin(acc) * stopGradient(s${k}); if (i === 1) { s${k} = 5; break; } }`,
  (k) =>
    `let s${k} = 2; for (let i = 0; i < 3; i++) { const c = stopGradient(s${k}); if (c < 3) acc = Math.sin(acc) * c; if (i === 1) { s${k} = 5; return acc * y; } }`,
  (k) =>
    `let s${k} = 1; for (let i = 0; i < 3; i++) { if (s${k} < 2) { acc = Math.sin(acc) * 2; } else { acc = acc * 0.5; } if (acc > 1) { s${k} = 3; break; } } acc = acc + s${k} * x;`,
  // Copies of loop-invariant values into carried variables.
  (k) => `const c${k} = x * 2; let s${k} = acc; for (let i = 0; i < 3; i++) { s${k} = c${k}; } acc = acc + s${k};`,
  () => `for (let i = 0; i < 2; i++) { acc = y; }`,
  // Array literals reading elements of a local array; an allocation only read.
  (k) => `const b${k} = [acc, x]; b${k}[1] = acc * x; for (const v of [x, b${k}[1]!]) { acc = acc + 0.5 * v; }`,
  (k) => `const b${k} = [acc, x]; b${k}[0] = y * x; const l${k} = [b${k}[0]! * 2, acc]; acc = l${k}[0]! + l${k}[1]!;`,
  (k) => `const z${k} = new Float64Array(3); for (let i = 0; i < 3; i++) { acc = acc * 0.9 + z${k}[i]!; }`,
];

const UNSUPPORTED: Template[] = [
  () => `try { acc = acc + 1; } catch { acc = 0; }`,
  (k) => `const q${k} = [acc]; if (q${k}[0]! > 1) { acc = acc * 2; }`,
  (k) => `const r${k} = [acc, x]; acc = r${k}.reduce((s, v) => s + v, 0);`,
  () => `for (const c in { a: 1 }) { acc = acc + c.length; }`,
  () => `for (const ch of "ab") { acc = acc * 2 + ch.length; }`,
  (k) => `const o${k} = { v: acc }; acc = o${k}.v + 1;`,
  (k) => `var w${k} = x; acc = acc + w${k};`,
  () => `switch (Math.round(x)) { case 1: acc = acc + 1; break; default: acc = acc * 2; }`,
  () => `acc = acc + String(acc).length;`,
  () => `acc = acc + Number(String(acc));`,
  (k) => `const g${k} = (z: number) => z * 2; acc = g${k}(acc);`,
  (k) => `const z${k} = acc++ * 2; acc = z${k};`,
  () => `block: { acc = acc + 1; }`,
  (k) => `class C${k} {}`,
  (k) => `function inner${k}() { return 1; } acc = acc + inner${k}();`,
  (k) => `const [a${k}, b${k}] = [x, y]; acc = acc + a${k} * b${k};`,
  () => `acc = acc + (x as any).valueOf();`,
  (k) => `let u${k}: number; if (x > 0) { u${k} = x; } acc = acc + u${k}!;`,
  (k) => `const h${k} = (g: number) => g * acc; acc = acc + x;`,
];

export const robustnessArb: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.constantFrom(...SUPPORTED), fc.constantFrom(...UNSUPPORTED)), { minLength: 1, maxLength: 5 })
  .map((templates) =>
    [
      `import { grad, stopGradient } from "adjoint";`,
      `export function f(x: number, y: number): number {`,
      `  let acc = x * 0.5 + y;`,
      ...templates.map((t, k) => `  ${t(k)}`),
      `  return acc;`,
      `}`,
      `export const df = grad(f, { wrt: [0] });`,
    ].join("\n"),
  );
