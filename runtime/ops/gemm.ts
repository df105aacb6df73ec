// The matrix product kernel behind matmul, dot and their adjoints: C = op(A) · op(B), where
// op(X) is X or its transpose, read in place through strides (the adjoints' g·Bᵀ and Aᵀ·g
// never materialise a transpose).
//
// A 4×4 block of C is kept in sixteen local variables while the loop over the shared
// dimension streams four values of op(A) and four of op(B) per step: 16 multiply-adds for 8
// loads, where the former i-p-j loop did one multiply-add for a load and a store of a row
// accumulator. Each element is still summed in float64, in order of the shared index from
// zero, and rounded once on store, so the result is bit for bit what a plain triple loop in
// float64 gives (and what this runtime gave before).
//
// Above a size (WASM_MIN_WORK) the product goes to the WebAssembly SIMD kernel instead
// (./wasm/kernel.ts, compiled from runtime/ops/wasm/gemm.as.ts), on worker threads for large products (Node
// only); the JS kernel below serves small products, and every product where WebAssembly SIMD
// is missing or not yet compiled. The WASM kernel sums float64 in the
// same order (the same bits) and float32 in float32 lanes (within rounding of the JS kernel).
import type { TypedArray } from "../tensor.js";
import { wasmGemm } from "./wasm/kernel.js";
import { nodeBuiltin } from "./wasm/threads.js";

/** op(X)[r][c] is data[r * rowStride + c * colStride]: (k, 1) for X as stored, (1, rows) for Xᵀ. */
export interface MatrixView {
  readonly data: TypedArray;
  readonly rowStride: number;
  readonly colStride: number;
}

/** A row-major matrix with `cols` columns, as stored or transposed. */
export function view(data: TypedArray, cols: number, transposed = false): MatrixView {
  return transposed ? { data, rowStride: 1, colStride: cols } : { data, rowStride: cols, colStride: 1 };
}

/**
 * The shared dimension is cut into chunks of this many steps, so that the four columns of
 * op(B) a block reads (and the four rows of op(A)) stay in the L1 cache while every block of
 * rows uses them: 256 steps of 4 columns span 256 cache lines, 16 KiB.
 */
const CHUNK = 256;

export interface MatmulSettings {
  /** "auto": WASM above WASM_MIN_WORK; "wasm": WASM (and threads) whatever the size, where it loaded; "js": never. */
  readonly kernel: "auto" | "js" | "wasm";
  /** Threads a large product may use (1: the calling thread only). */
  readonly threads: number;
}

/**
 * m·k·n from which the WASM kernel beats the JS one, copies in and out included (measured on
 * square products: level at 12³, WASM 1.4× faster at 16³ and 3× at 32³).
 */
const WASM_MIN_WORK = 16 ** 3;
/**
 * m·k·n each thread's share must reach: a 256³ product is cut in two, 1024³ in as many shares as
 * there are threads. On the 2-core machine at load 2–3, two threads took 0.98× one thread's time
 * at 96³, 0.82× at 128³, 0.72× at 203³, 0.69× at 256×784×256 and 0.6× at 1024³; the floor sits
 * above where they start to pay because on a busy machine a second thread made medians worse
 * (bench/matmul.ts; BENCHMARKS.md).
 */
const THREAD_MIN_SHARE = 256 ** 3 / 2;

/** The machine's cores in Node (at most 8: the shares are cut from C's longer side), else 1. */
function defaultThreads(): number {
  const os = nodeBuiltin("node:os") as { availableParallelism?: () => number } | undefined;
  return Math.max(1, Math.min(8, os?.availableParallelism?.() ?? 1));
}

// Read on the first product, not at load: the module then runs nothing when imported, and a bundle
// that never multiplies matrices drops it.
let settings: MatmulSettings | undefined;

function current(): MatmulSettings {
  return (settings ??= { kernel: "auto", threads: defaultThreads() });
}

/**
 * Chooses the matrix product's kernel and threads (tests and benchmarks; adjoint/internal, not the
 * public API). Returns the settings as they were, to restore.
 */
export function configureMatmul(changes: Partial<MatmulSettings>): MatmulSettings {
  const previous = current();
  settings = { ...previous, ...changes };
  return previous;
}

/** The threads a WASM product of m·k·n multiply-adds is cut for ("wasm" forced: all those allowed). */
export function threadsFor(work: number, { kernel, threads }: MatmulSettings = current()): number {
  return kernel === "wasm" ? threads : Math.max(1, Math.min(threads, Math.floor(work / THREAD_MIN_SHARE)));
}

/** out (m×n, row-major, zero-filled as allocated) = a (m×k) · b (k×n). */
export function gemm(a: MatrixView, b: MatrixView, out: TypedArray, m: number, k: number, n: number): void {
  const work = m * k * n;
  const chosen = current();
  const { kernel } = chosen;
  if (work > 0 && (kernel === "wasm" || (kernel === "auto" && work >= WASM_MIN_WORK))) {
    const wasm = wasmGemm();
    const parts = threadsFor(work, chosen);
    if (wasm !== null && wasm.run(a, b, out, m, k, n, parts) > 0) return;
  }
  gemmJs(a, b, out, m, k, n);
}

/** The plain-JS kernel: the same bits as a triple loop summing in float64. */
function gemmJs(a: MatrixView, b: MatrixView, out: TypedArray, m: number, k: number, n: number): void {
  if (k <= CHUNK) {
    gemmChunk(a, b, out, m, n, 0, k);
    return;
  }
  // Partial sums are kept in float64 between chunks, so each element is still one float64
  // sum in order of the shared index, rounded once (by the copy into out).
  const sums = new Float64Array(m * n);
  for (let p0 = 0; p0 < k; p0 += CHUNK) gemmChunk(a, b, sums, m, n, p0, Math.min(p0 + CHUNK, k));
  out.set(sums);
}

// The statements of the 4×4 block are laid out as the block itself.
/**
 * Adds the steps p0 ≤ p < p1 of the shared dimension into out. Every block starts from what
 * out holds (zero for the first chunk), with no branch on the chunk: V8 optimises this loop
 * on the first chunk, and a branch first taken on the second would throw that code away.
 */
// prettier-ignore
function gemmChunk(a: MatrixView, b: MatrixView, out: TypedArray, m: number, n: number, p0: number, p1: number): void {
  const A = a.data;
  const B = b.data;
  const ar = a.rowStride;
  const ac = a.colStride;
  const br = b.rowStride;
  const bc = b.colStride;
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    for (let j = 0; j < n4; j += 4) {
      const o0 = i * n + j, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
      let c00 = out[o0], c01 = out[o0 + 1], c02 = out[o0 + 2], c03 = out[o0 + 3];
      let c10 = out[o1], c11 = out[o1 + 1], c12 = out[o1 + 2], c13 = out[o1 + 3];
      let c20 = out[o2], c21 = out[o2 + 1], c22 = out[o2 + 2], c23 = out[o2 + 3];
      let c30 = out[o3], c31 = out[o3 + 1], c32 = out[o3 + 2], c33 = out[o3 + 3];
      let pa = i * ar + p0 * ac;
      let pb = j * bc + p0 * br;
      for (let p = p0; p < p1; p++) {
        const a0 = A[pa], a1 = A[pa + ar], a2 = A[pa + 2 * ar], a3 = A[pa + 3 * ar];
        const b0 = B[pb], b1 = B[pb + bc], b2 = B[pb + 2 * bc], b3 = B[pb + 3 * bc];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        pa += ac;
        pb += br;
      }
      out[o0] = c00; out[o0 + 1] = c01; out[o0 + 2] = c02; out[o0 + 3] = c03;
      out[o1] = c10; out[o1 + 1] = c11; out[o1 + 2] = c12; out[o1 + 3] = c13;
      out[o2] = c20; out[o2 + 1] = c21; out[o2 + 2] = c22; out[o2 + 3] = c23;
      out[o3] = c30; out[o3 + 1] = c31; out[o3 + 2] = c32; out[o3 + 3] = c33;
    }
  }
  // The edges (rows past m4, columns past n4), one element at a time in the same order.
  for (let i = 0; i < m; i++) {
    for (let j = i < m4 ? n4 : 0; j < n; j++) {
      let s = out[i * n + j];
      let pa = i * ar + p0 * ac;
      let pb = j * bc + p0 * br;
      for (let p = p0; p < p1; p++) {
        s += A[pa] * B[pb];
        pa += ac;
        pb += br;
      }
      out[i * n + j] = s;
    }
  }
}
