// Float64 special functions that JavaScript's Math lacks, for the reference interpreter.

/**
 * The error function to near double precision. Uses erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)),
 * a series of positive terms (no cancellation) that converges for every x; beyond |x| = 6,
 * erf(x) rounds to ±1 in double precision.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 500; n++) {
    term *= (2 * ax * ax) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
}

/** Round half to even, as ONNX Round specifies. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Python's `%` on integers: the result has the sign of the divisor (ONNX Mod with fmod=0). */
export function pythonMod(a: number, b: number): number {
  if (b === 0) throw new Error("integer modulo by zero");
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** C's fmod: the result has the sign of the dividend (ONNX Mod with fmod=1). */
export function cFmod(a: number, b: number): number {
  return a % b;
}

/** C integer division (truncation toward zero), as ONNX Div computes on integers. */
export function truncDiv(a: number, b: number): number {
  if (b === 0) throw new Error("integer division by zero");
  return Math.trunc(a / b) | 0;
}
