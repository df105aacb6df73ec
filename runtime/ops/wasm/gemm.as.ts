// The WebAssembly SIMD matrix product behind runtime/ops/gemm.ts, in AssemblyScript: C = op(A) · op(B)
// in float32 (f32x4 lanes) and float64 (f64x2 lanes). `npm run gen:wasm` (scripts/gen-wasm.mjs)
// compiles it into runtime/ops/wasm/gemm-module.generated.ts.
//
// Why AssemblyScript: the packing loops and the cache blocking read as the TypeScript around them,
// the v128 builtins map one to one onto WebAssembly SIMD instructions, and binaryen optimises
// the rest; hand-written WAT would spell every loop counter as stack code.
//
// The layout is GotoBLAS's (as in BLIS): the shared dimension is cut into chunks of KC; for each,
// a KC×NC block of op(B) is packed into panels NR columns wide (each step's NR values contiguous),
// then each MC×KC block of op(A) into panels MR rows tall; the micro-kernel multiplies one panel of
// each into an MR×NR block of C held in registers. Packing reads through the strides, so it
// absorbs the transposes, and pads the edges of the matrices with zeros. The B micro-panel (KC×NR,
// 8 KiB) stays in L1 while the micro-kernel walks down the A block (MC×KC, at most 192 KiB, in L2).
//
// The micro-kernel follows XNNPACK's wasmsimd "splat" kernels: each step loads NR values of B as
// vectors, broadcasts each of the MR values of A (v128.load32_splat: one vbroadcastss on x86) and
// adds their products into MR×NR/lanes accumulators: 4×8 in float32 (8 f32x4 accumulators) and 4×4 in
// float64 (8 f64x2), which leaves V8 registers for the operands (x86-64 has 16 vector registers).
// WebAssembly SIMD has no fused multiply-add (relaxed SIMD is not yet on by default), so each step
// is a multiply and an add, in order of the shared index: a float64 element is the same sum, bit
// for bit, as a plain triple loop in float64; a float32 element is summed in float32.
//
// Memory belongs to the caller (imported, shared between threads in Node): every pointer below is a
// byte offset the JavaScript side chose, strides count elements. Nothing here allocates.

/** The chunk of the shared dimension: a B micro-panel (KC×NR) fills 8 KiB of L1 in both dtypes. */
const KC: i32 = 256;
/** Rows of A packed at a time: a multiple of MR, so the A block (MC×KC) stays in L2. */
const MC: i32 = 96;
/** Columns of B packed at a time (a KC×NC block: 1 MiB in float32, 2 in float64, per thread). */
const NC: i32 = 1024;
const MR: i32 = 4;
const NR32: i32 = 8;
const NR64: i32 = 4;

/** Bytes of scratch memory one call of gemm32/gemm64 needs at `work`: packed A, packed B, an edge tile. */
export function workBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR32) * 8;
}

/**
 * C (m×n, row stride ldc) = op(A) (m×k) · op(B) (k×n) in float32, k ≥ 1. op(A)[i][p] is at
 * a + (i·ars + p·acs)·4, op(B)[p][j] at b + (p·brs + j·bcs)·4.
 */
export function gemm32(
  a: usize,
  ars: i32,
  acs: i32,
  b: usize,
  brs: i32,
  bcs: i32,
  c: usize,
  ldc: i32,
  m: i32,
  k: i32,
  n: i32,
  work: usize,
): void {
  gemm<f32>(a, ars, acs, b, brs, bcs, c, ldc, m, k, n, work);
}

/** The same in float64. */
export function gemm64(
  a: usize,
  ars: i32,
  acs: i32,
  b: usize,
  brs: i32,
  bcs: i32,
  c: usize,
  ldc: i32,
  m: i32,
  k: i32,
  n: i32,
  work: usize,
): void {
  gemm<f64>(a, ars, acs, b, brs, bcs, c, ldc, m, k, n, work);
}

function gemm<T>(
  a: usize,
  ars: i32,
  acs: i32,
  b: usize,
  brs: i32,
  bcs: i32,
  c: usize,
  ldc: i32,
  m: i32,
  k: i32,
  n: i32,
  work: usize,
): void {
  const size = <usize>sizeof<T>();
  const NR = size == 4 ? NR32 : NR64;
  const packedA = work;
  const packedB = packedA + <usize>(MC * KC) * size;
  const tile = packedB + <usize>(KC * NC) * size;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const accumulate = pc > 0;
      pack<T>(b + <usize>(pc * brs + jc * bcs) * size, bcs, brs, nc, kc, NR, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        pack<T>(a + <usize>(ic * ars + pc * acs) * size, ars, acs, mc, kc, MR, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = packedB + <usize>(jr * kc) * size;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pa = packedA + <usize>(ir * kc) * size;
            const cij = c + <usize>((ic + ir) * ldc + jc + jr) * size;
            if (mr == MR && nr == NR) {
              kernel<T>(kc, pa, pb, cij, ldc, accumulate);
            } else {
              // An edge block: computed whole in the tile, of which only mr×nr is C's.
              if (accumulate) copyBlock<T>(cij, ldc, tile, NR, mr, nr);
              kernel<T>(kc, pa, pb, tile, NR, accumulate);
              copyBlock<T>(tile, NR, cij, ldc, mr, nr);
            }
          }
        }
      }
    }
  }
}

function kernel<T>(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, accumulate: bool): void {
  if (sizeof<T>() == 4) kernel32(kc, pa, pb, c, ldc, accumulate);
  else kernel64(kc, pa, pb, c, ldc, accumulate);
}

/**
 * Packs rows × depth values of a strided matrix into panels `width` rows tall: panel r holds, for
 * each step p of the depth, the values of rows r·width … r·width + width − 1 (zeros past `rows`).
 * For B the "rows" are its columns (the strides swapped by the caller).
 */
function pack<T>(src: usize, rowStride: i32, depthStride: i32, rows: i32, depth: i32, width: i32, dst: usize): void {
  const size = <usize>sizeof<T>();
  const bytes = <usize>width * size;
  for (let r0 = 0; r0 < rows; r0 += width) {
    const h = min(width, rows - r0);
    if (rowStride == 1 && h == width && (bytes == 16 || bytes == 32)) {
      // A whole panel step is contiguous (B as stored, Aᵀ): one or two vectors.
      let s = src + <usize>(r0 * rowStride) * size;
      const step = <usize>depthStride * size;
      for (let p = 0; p < depth; p++) {
        v128.store(dst, v128.load(s));
        if (bytes == 32) v128.store(dst, v128.load(s, 16), 16);
        s += step;
        dst += bytes;
      }
      continue;
    }
    for (let p = 0; p < depth; p++) {
      const s = src + <usize>(r0 * rowStride + p * depthStride) * size;
      let r = 0;
      for (; r < h; r++) store<T>(dst + <usize>r * size, load<T>(s + <usize>(r * rowStride) * size));
      for (; r < width; r++) store<T>(dst + <usize>r * size, <T>0);
      dst += <usize>width * size;
    }
  }
}

/** Copies rows × cols values between two row-major blocks. */
function copyBlock<T>(src: usize, srcStride: i32, dst: usize, dstStride: i32, rows: i32, cols: i32): void {
  const size = <usize>sizeof<T>();
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      store<T>(dst + <usize>(i * dstStride + j) * size, load<T>(src + <usize>(i * srcStride + j) * size));
    }
  }
}

/** C[0:4][0:8] (+)= the product of a packed 4-row panel of A and a packed 8-column panel of B. */
function kernel32(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, accumulate: bool): void {
  const row = (<usize>ldc) << 2;
  const c0 = c;
  const c1 = c0 + row;
  const c2 = c1 + row;
  const c3 = c2 + row;
  let x00 = f32x4.splat(0);
  let x01 = x00;
  let x10 = x00;
  let x11 = x00;
  let x20 = x00;
  let x21 = x00;
  let x30 = x00;
  let x31 = x00;
  if (accumulate) {
    x00 = v128.load(c0);
    x01 = v128.load(c0, 16);
    x10 = v128.load(c1);
    x11 = v128.load(c1, 16);
    x20 = v128.load(c2);
    x21 = v128.load(c2, 16);
    x30 = v128.load(c3);
    x31 = v128.load(c3, 16);
  }
  // The end of the packed B panel bounds the loop (kc ≥ 1): no step counter beside the two pointers.
  const end = pb + ((<usize>kc) << 5);
  do {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    x00 = f32x4.add(x00, f32x4.mul(a, b0));
    x01 = f32x4.add(x01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    x10 = f32x4.add(x10, f32x4.mul(a, b0));
    x11 = f32x4.add(x11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    x20 = f32x4.add(x20, f32x4.mul(a, b0));
    x21 = f32x4.add(x21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    x30 = f32x4.add(x30, f32x4.mul(a, b0));
    x31 = f32x4.add(x31, f32x4.mul(a, b1));
    pa += 16;
    pb += 32;
  } while (pb < end);
  v128.store(c0, x00);
  v128.store(c0, x01, 16);
  v128.store(c1, x10);
  v128.store(c1, x11, 16);
  v128.store(c2, x20);
  v128.store(c2, x21, 16);
  v128.store(c3, x30);
  v128.store(c3, x31, 16);
}

/** C[0:4][0:4] (+)= the product of a packed 4-row panel of A and a packed 4-column panel of B, in float64. */
function kernel64(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, accumulate: bool): void {
  const row = (<usize>ldc) << 3;
  const c0 = c;
  const c1 = c0 + row;
  const c2 = c1 + row;
  const c3 = c2 + row;
  let x00 = f64x2.splat(0);
  let x01 = x00;
  let x10 = x00;
  let x11 = x00;
  let x20 = x00;
  let x21 = x00;
  let x30 = x00;
  let x31 = x00;
  if (accumulate) {
    x00 = v128.load(c0);
    x01 = v128.load(c0, 16);
    x10 = v128.load(c1);
    x11 = v128.load(c1, 16);
    x20 = v128.load(c2);
    x21 = v128.load(c2, 16);
    x30 = v128.load(c3);
    x31 = v128.load(c3, 16);
  }
  // The end of the packed B panel bounds the loop (kc ≥ 1): no step counter beside the two pointers.
  const end = pb + ((<usize>kc) << 5);
  do {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load64_splat(pa);
    x00 = f64x2.add(x00, f64x2.mul(a, b0));
    x01 = f64x2.add(x01, f64x2.mul(a, b1));
    a = v128.load64_splat(pa, 8);
    x10 = f64x2.add(x10, f64x2.mul(a, b0));
    x11 = f64x2.add(x11, f64x2.mul(a, b1));
    a = v128.load64_splat(pa, 16);
    x20 = f64x2.add(x20, f64x2.mul(a, b0));
    x21 = f64x2.add(x21, f64x2.mul(a, b1));
    a = v128.load64_splat(pa, 24);
    x30 = f64x2.add(x30, f64x2.mul(a, b0));
    x31 = f64x2.add(x31, f64x2.mul(a, b1));
    pa += 32;
    pb += 32;
  } while (pb < end);
  v128.store(c0, x00);
  v128.store(c0, x01, 16);
  v128.store(c1, x10);
  v128.store(c1, x11, 16);
  v128.store(c2, x20);
  v128.store(c2, x21, 16);
  v128.store(c3, x30);
  v128.store(c3, x31, 16);
}
