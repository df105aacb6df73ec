// The module cross-module.ts calls into; its vjps are generated here.
export function sq(x: number) {
  return x * x;
}

export const drag = (v: number, k: number) => k * sq(v) * Math.tanh(v);
