// Money for people: integer micro-dollars in, "$0.76" out, and back from what a user types.
// All arithmetic is on integers; floats never touch an amount.

import type { Micros } from "./ipc/types";

export const MICROS_PER_DOLLAR = 1_000_000;
const MICROS_PER_CENT = 10_000;

function sign(micros: Micros): string {
  return micros < 0 ? "-" : "";
}

/** Whole cents, rounding half up (away from zero for negatives): 756_000 → 76. */
export function toCents(micros: Micros): number {
  const abs = Math.abs(Math.trunc(micros));
  const cents = Math.floor((abs + MICROS_PER_CENT / 2) / MICROS_PER_CENT);
  return micros < 0 ? -cents : cents;
}

/** To the cent, as Kyma bills: 756_000 → "$0.76", 1_632_825 → "$1.63". */
export function formatCents(micros: Micros): string {
  const cents = Math.abs(toCents(micros));
  const dollars = Math.floor(cents / 100);
  const rest = String(cents % 100).padStart(2, "0");
  return `${sign(micros)}$${dollars.toLocaleString("en-US")}.${rest}`;
}

/** Every significant digit, at least two decimals: 756_000 → "$0.756", 94_500 → "$0.0945". */
export function formatExact(micros: Micros): string {
  return `${sign(micros)}$${exactDigits(Math.abs(Math.trunc(micros)))}`;
}

/** A per-second rate with all its digits: 151_200 → "$0.1512/s". */
export function formatRate(microsPerSecond: Micros): string {
  return `${formatExact(microsPerSecond)}/s`;
}

/** The plain decimal an input field should show for an amount: 1_500_000 → "1.50". */
export function toDollarInput(micros: Micros): string {
  return `${sign(micros)}${exactDigits(Math.abs(Math.trunc(micros)))}`;
}

function exactDigits(abs: number): string {
  const dollars = Math.floor(abs / MICROS_PER_DOLLAR);
  let frac = String(abs % MICROS_PER_DOLLAR).padStart(6, "0").replace(/0+$/, "");
  if (frac.length < 2) frac = frac.padEnd(2, "0");
  return `${dollars}.${frac}`;
}

/**
 * Parses a non-negative dollar amount as typed ("1.50", "$2", ".5", "1,000.25") into micros,
 * exactly: the decimal string is split, never multiplied as a float. Returns null for anything
 * else: text, negatives, more than six decimals, or amounts too large to count safely.
 */
export function parseDollars(text: string): Micros | null {
  const m = /^\s*\$?\s*(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?\s*$/.exec(text);
  if (!m) return null;
  const whole = m[1].replaceAll(",", "");
  const frac = m[2] ?? "";
  if (whole === "" && frac === "") return null;
  if (frac.length > 6) return null;
  const micros = Number(whole || "0") * MICROS_PER_DOLLAR + Number(frac.padEnd(6, "0"));
  return Number.isSafeInteger(micros) ? micros : null;
}
