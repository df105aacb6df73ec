// Loads the WebAssembly SIMD matrix product (gemm.as.ts, bytes in gemm-module.generated.ts) and
// runs it on MatrixViews: copy op(A)'s and op(B)'s elements into the module's memory, multiply
// there (packing absorbs the strides), copy C out.
//
// Loading never makes the runtime asynchronous. The module is compiled synchronously where the
// platform allows (Node, workers); where that throws (a browser's main thread limits synchronous
// compilation), it is compiled asynchronously and swapped in when ready, the JS kernel serving
// meanwhile. Where WebAssembly or its SIMD is missing, WebAssembly.validate of the module itself
// fails (it is small: validating it is the exact feature test, threads included) and the JS
// kernel serves for good. Nothing here touches a Node module: worker threads live in threads.ts,
// reached only through process.getBuiltinModule.
import type { TypedArray } from "../../tensor.js";
import type { MatrixView } from "../gemm.js";
import { GEMM_WASM, GEMM_WASM_SHARED } from "./gemm-module.generated.js";
import { CONTROL_BYTES, WorkerPool, nodeBuiltin } from "./threads.js";

/** The parts of the WebAssembly API this module uses (the runtime is built without DOM or Node types). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ readonly exports: object }>;
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

/** gemm32 / gemm64 of gemm.as.ts: (a, ars, acs, b, brs, bcs, c, ldc, m, k, n, work). */
type Product = (...args: number[]) => void;

interface Exports {
  readonly gemm32: Product;
  readonly gemm64: Product;
  readonly workBytes: () => number;
}

const PAGE = 65536;

/**
 * How long a product waits for a worker's share of `work` multiply-adds after finishing its own:
 * a minute, plus the share at 0.1 GFLOP/s (a hundred times slower than the kernel's worst): only
 * a worker that died misses it.
 */
export function shareTimeoutMs(work: number): number {
  return 60_000 + work / 1e5;
}
/** Rows (or columns) of C a thread's share is cut at: a multiple of the micro-kernel's MR and NR. */
const SHARE_GRAIN = 8;

/** The module instantiated on its memory, with the workers that share it (Node only). */
export class WasmGemm {
  private pool: WorkerPool | null = null;
  /** Set when a worker stopped answering: it may still write into the memory, so nothing runs here again. */
  private retired = false;

  constructor(
    private readonly module: object,
    private readonly exports: Exports,
    private readonly memory: WasmMemory,
    /** Whether the memory is shared, so that worker threads can run on it. */
    private readonly shared: boolean,
  ) {}

  /**
   * out (m×n, row-major) = a (m×k) · b (k×n), with m, k, n ≥ 1, split into at most `threads`
   * shares of C's rows or columns. float32 when out and both operands are float32 (summed in
   * float32 lanes); otherwise in float64 (the operands widened exactly, out rounded once).
   * Returns how many threads took part, or 0 when memory for the product could not be had or
   * this module is retired (the JS kernel then computes it).
   */
  run(a: MatrixView, b: MatrixView, out: TypedArray, m: number, k: number, n: number, threads: number): number {
    if (this.retired) return 0;
    const f32 = out instanceof Float32Array && a.data instanceof Float32Array && b.data instanceof Float32Array;
    const size = f32 ? 4 : 8;
    const pool = threads > 1 ? this.workers(threads - 1) : null;
    const parts = pool === null ? 1 : Math.min(threads, pool.size + 1);
    const aLength = (m - 1) * a.rowStride + (k - 1) * a.colStride + 1;
    const bLength = (k - 1) * b.rowStride + (n - 1) * b.colStride + 1;
    const workBytes = this.exports.workBytes();
    const work = this.shared ? CONTROL_BYTES : 0;
    const aPtr = align(work + parts * workBytes);
    const bPtr = align(aPtr + aLength * size);
    const cPtr = align(bPtr + bLength * size);
    if (!this.reserve(cPtr + m * n * size)) return 0;
    const buffer = this.memory.buffer;
    const at = (ptr: number, length: number): TypedArray =>
      f32 ? new Float32Array(buffer, ptr, length) : new Float64Array(buffer, ptr, length);
    at(aPtr, aLength).set(a.data.subarray(0, aLength));
    at(bPtr, bLength).set(b.data.subarray(0, bLength));
    const args = (i0: number, i1: number, j0: number, j1: number, part: number): number[] => [
      aPtr + i0 * a.rowStride * size,
      a.rowStride,
      a.colStride,
      bPtr + j0 * b.colStride * size,
      b.rowStride,
      b.colStride,
      cPtr + (i0 * n + j0) * size,
      n,
      i1 - i0,
      k,
      j1 - j0,
      work + part * workBytes,
    ];
    const product = f32 ? this.exports.gemm32 : this.exports.gemm64;
    // Shares of the longer side of C; every element is still summed by one thread in the same
    // order, so the result does not depend on the split.
    const rows = m >= n;
    const shares = cut(rows ? m : n, parts);
    const jobs = shares.map(([s0, s1], part) => (rows ? args(s0, s1, 0, n, part) : args(0, m, s0, s1, part)));
    if (jobs.length === 1) product(...jobs[0]!);
    else if (
      !pool!.run(f32 ? 32 : 64, jobs.slice(1), () => product(...jobs[0]!), shareTimeoutMs((m * k * n) / parts))
    ) {
      this.retire();
      return 0;
    }
    out.set(at(cPtr, m * n));
    return jobs.length;
  }

  /** Gives the module up for good after a worker stopped answering: the JS kernel serves from now on. */
  private retire(): void {
    this.retired = true;
    this.close();
    // The runtime is built without DOM or Node types: console is reached like WebAssembly.
    const console = (globalThis as { console?: { warn(message: string): void } }).console;
    console?.warn(
      "adjoint: a matmul worker thread stopped answering; matrix products run on the JavaScript kernel from now on",
    );
  }

  /** Ends the workers. */
  close(): void {
    this.pool?.close();
    this.pool = null;
  }

  /** The pool, grown towards `count` workers, or null where threads cannot be had. */
  private workers(count: number): WorkerPool | null {
    if (!this.shared) return null;
    this.pool ??= WorkerPool.create(this.module, this.memory);
    this.pool?.grow(count);
    return this.pool !== null && this.pool.size > 0 ? this.pool : null;
  }

  /** Grows the memory to at least `bytes`; false when it cannot grow that far. */
  private reserve(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return true;
    try {
      this.memory.grow(Math.ceil((bytes - have) / PAGE));
      return true;
    } catch {
      return false;
    }
  }
}

const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** [start, end) shares of 0 … length, as even as SHARE_GRAIN allows, none empty. */
function cut(length: number, parts: number): [number, number][] {
  const grains = Math.ceil(length / SHARE_GRAIN);
  const shares: [number, number][] = [];
  for (let p = 0; p < parts; p++) {
    const start = Math.min(length, Math.round((grains * p) / parts) * SHARE_GRAIN);
    const end = Math.min(length, Math.round((grains * (p + 1)) / parts) * SHARE_GRAIN);
    if (end > start) shares.push([start, end]);
  }
  return shares;
}

type State = { kind: "unloaded" } | { kind: "loading" } | { kind: "ready"; gemm: WasmGemm } | { kind: "unavailable" };

let state: State = { kind: "unloaded" };

/** The WASM kernel if it is ready; starts loading it on the first call. Null while it is not (yet). */
export function wasmGemm(): WasmGemm | null {
  if (state.kind === "unloaded") load(globalWebAssembly());
  return state.kind === "ready" ? state.gemm : null;
}

/**
 * Forgets the loaded kernel and loads it again through `api` (tests: a WebAssembly whose synchronous
 * compile throws, as on a browser's main thread, or null for none at all). Resolves when loading
 * has ended, to the kernel or null.
 */
export function reloadWasmGemm(api: WasmApi | null = globalWebAssembly() ?? null): Promise<WasmGemm | null> {
  if (state.kind === "ready") state.gemm.close();
  return load(api);
}

function globalWebAssembly(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

/** Starts loading through `api`; resolves when loading has ended, to the kernel or null. */
function load(api: WasmApi | null | undefined): Promise<WasmGemm | null> {
  const attempt = {};
  currentAttempt = attempt;
  const settle = (gemm: WasmGemm | null): WasmGemm | null => {
    if (currentAttempt === attempt) state = gemm === null ? { kind: "unavailable" } : { kind: "ready", gemm };
    return gemm;
  };
  // Shared memory (for threads) where worker threads exist: Node. Elsewhere an ordinary memory,
  // which needs no cross-origin isolation.
  const shared = nodeBuiltin("node:worker_threads") !== undefined;
  const bytes = decodeBase64(shared ? GEMM_WASM_SHARED : GEMM_WASM);
  if (api === undefined || api === null || !api.validate(bytes)) {
    return Promise.resolve(settle(null));
  }
  let memory: WasmMemory;
  try {
    memory = new api.Memory(shared ? { initial: 1, maximum: 65536, shared: true } : { initial: 1 });
  } catch {
    return Promise.resolve(settle(null));
  }
  const imports = { env: { memory } };
  try {
    const module = new api.Module(bytes);
    const instance = new api.Instance(module, imports);
    return Promise.resolve(settle(new WasmGemm(module, instance.exports as Exports, memory, shared)));
  } catch {
    state = { kind: "loading" };
    return api.compile(bytes).then(
      async (module) => {
        const instance = await api.instantiate(module, imports);
        return settle(new WasmGemm(module, instance.exports as Exports, memory, shared));
      },
      () => settle(null),
    );
  }
}

let currentAttempt: object = {};

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The bytes of a base64 string (no atob or Buffer: neither is everywhere the runtime runs). */
function decodeBase64(text: string): Uint8Array {
  const digits = text.replace(/=+$/, "");
  const bytes = new Uint8Array(Math.floor((digits.length * 3) / 4));
  let bits = 0;
  let count = 0;
  let o = 0;
  for (let i = 0; i < digits.length; i++) {
    bits = ((bits << 6) | BASE64.indexOf(digits[i]!)) & 0xffff;
    count += 6;
    if (count >= 8) {
      count -= 8;
      bytes[o++] = (bits >> count) & 0xff;
    }
  }
  return bytes;
}
