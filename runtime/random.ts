// The seeded random number generator behind randomNormal / randomUniform.
//
// Algorithm (fixed: changing it changes every seeded tensor, and test/runtime pins the
// first outputs, so a change fails the tests on purpose):
//
// - Generator: xoshiro128** (Blackman and Vigna, 2018), 128 bits of state in four
//   32-bit words. Every step is a 32-bit integer operation written with Math.imul and
//   `>>> 0`, so the integer stream is exact and identical on every JS engine and machine.
// - Seeding: the seed must be a safe integer. For 0 <= seed < 2^32 the four state words
//   are the first four outputs of splitmix32 started at `seed` (a Weyl sequence
//   z += 0x9e3779b9 finished by MurmurHash3's fmix32). For other integers the Weyl
//   sequence starts at lo ^ fmix32(hi), lo and hi being the low and high 32 bits of the
//   seed (two's complement for negatives). fmix32 is a bijection with fmix32(0) = 0, so
//   at most one state word is zero and the forbidden all-zero state cannot occur.
// - Uniform [0, 1) float64: two outputs a, b give ((a >>> 5) * 2^26 + (b >>> 6)) / 2^53,
//   every multiple of 2^-53 equally likely. float32 uses the top 24 bits of the same a
//   ((a >>> 8) / 2^24, still consuming b), so it stays below 1 after rounding to float32
//   and a float32 draw is the float64 draw truncated to 24 bits.
// - Normal: Box–Muller on pairs of float64 uniforms (u1, u2):
//   r = sqrt(-2 ln(1 - u1)), z0 = r cos(2π u2), z1 = r sin(2π u2), used in that order
//   (an odd count drops the last z1). 1 - u1 lies in (0, 1], so the log is finite.
//   float32 normals are the float64 normals rounded, so the same seed gives the same
//   numbers in both dtypes. Math.log/cos/sin are V8's fdlibm ports, the same on every
//   platform Node runs on.

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;
const TWO_POW_24 = 16777216;

/** xoshiro128** seeded through splitmix32; see the comment at the top of random.ts. */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new Error(`random: seed must be a safe integer, got ${String(seed)}`);
    }
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    let z = (lo ^ fmix32(hi)) >>> 0;
    const next = (): number => {
      z = (z + 0x9e3779b9) >>> 0;
      return fmix32(z);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A generator with the given raw state (for checking against the reference vectors). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Xoshiro128 {
    const g = new Xoshiro128(0);
    g.s0 = s0 >>> 0;
    g.s1 = s1 >>> 0;
    g.s2 = s2 >>> 0;
    g.s3 = s3 >>> 0;
    return g;
  }

  /** The next 32-bit output as an unsigned integer. */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    this.s1 = (s1 ^ s2) >>> 0;
    this.s0 = (s0 ^ s3) >>> 0;
    s2 ^= t;
    this.s2 = s2 >>> 0;
    this.s3 = ((s3 << 11) | (s3 >>> 21)) >>> 0;
    return result;
  }

  /** A uniform float64 in [0, 1) with 53 random bits (consumes two outputs). */
  nextFloat64(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * TWO_POW_26 + b) / TWO_POW_53;
  }

  /** A uniform in [0, 1) exactly representable in float32 (consumes two outputs, like nextFloat64). */
  nextFloat32(): number {
    const a = this.nextUint32() >>> 8;
    this.nextUint32();
    return a / TWO_POW_24;
  }

  /** Fills `out` with standard normals by Box–Muller (two float64 uniforms per pair). */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): void {
    const n = out.length;
    for (let i = 0; i < n; i += 2) {
      const u1 = this.nextFloat64();
      const u2 = this.nextFloat64();
      const r = Math.sqrt(-2 * Math.log(1 - u1));
      const theta = 2 * Math.PI * u2;
      out[i] = mean + std * (r * Math.cos(theta));
      if (i + 1 < n) out[i + 1] = mean + std * (r * Math.sin(theta));
    }
  }

  /** Fills `out` with uniforms in [low, high); see randomUniform for the rounding caveat. */
  fillUniform(out: Float32Array | Float64Array, low = 0, high = 1): void {
    const n = out.length;
    const span = high - low;
    if (out instanceof Float32Array) {
      for (let i = 0; i < n; i++) out[i] = low + span * this.nextFloat32();
    } else {
      for (let i = 0; i < n; i++) out[i] = low + span * this.nextFloat64();
    }
  }
}
