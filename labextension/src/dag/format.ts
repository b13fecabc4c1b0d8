/**
 * Text helpers of the network view; they match dl_notebook/graph/_format.py.
 */
import { ConfigValue, Shape } from './types';

/** The longest label drawn in a box before it is shortened in the middle. */
export const MAX_LABEL_CHARS = 42;

/** `[32, 32, 6]` -> `32×32×6`; `[null, 10]` -> `?×10`; `[[4], [2, 2]]` -> `4, 2×2`. */
export function formatShape(shape: Shape): string {
  if (shape === null || shape === undefined) {
    return '?';
  }
  if (!Array.isArray(shape)) {
    return String(shape);
  }
  if (shape.length === 0) {
    return 'scalar';
  }
  const nested = shape.some(s => Array.isArray(s));
  if (nested && shape.every(s => Array.isArray(s) || s === null)) {
    return shape.map(s => formatShape(s)).join(', ');
  }
  return shape.map(d => (d === null ? '?' : String(d))).join('×');
}

/** A parameter count in a few characters: 950, 23.5K, 60.4M. */
export function compactNumber(n: number): string {
  const steps: [number, string][] = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K']
  ];
  for (const [size, suffix] of steps) {
    if (Math.abs(n) >= size) {
      return `${(n / size).toFixed(1).replace(/\.0$/, '')}${suffix}`;
    }
  }
  return String(n);
}

/** An integer with thousands separators. */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Shorten *text* to at most *limit* characters with an ellipsis in the middle. */
export function clip(text: string, limit: number = MAX_LABEL_CHARS): string {
  if (text.length <= limit) {
    return text;
  }
  const head = Math.floor((limit - 1) / 2);
  return text.slice(0, head) + '…' + text.slice(text.length - (limit - 1 - head));
}

/** A layer setting as short text: `[3, 3]` -> `3×3` for sizes, lists in brackets. */
export function formatValue(value: ConfigValue): string {
  if (value === null) {
    return 'None';
  }
  if (Array.isArray(value)) {
    if (value.length > 1 && value.every(v => typeof v === 'number')) {
      return value.join('×');
    }
    return `[${value.map(v => formatValue(v)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(', ');
  }
  return String(value);
}
