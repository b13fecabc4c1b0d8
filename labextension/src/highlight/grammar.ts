/**
 * Tokens of the `%%dl` cell language and of `%dl` line magics, one line at a time.
 *
 * A `%%dl` cell: the magic line `%%dl model NAME --input 32x32x1`, then one layer per
 * line: `[name:] type [values...] [key=value...] [# comment]`, for example
 * `conv1: conv 32 3x3 relu stride=2`, `pool max 2`, `res1: res conv1 conv3`.
 */
import { ACTIVATIONS, ATOM_WORDS } from '../vocabulary';

/** A highlighted span of a line: offsets from the line's start and a token class. */
export interface IToken {
  from: number;
  to: number;
  type: TokenType;
}

export type TokenType =
  | 'magic' // %%dl, %dl
  | 'command' // the word after the magic: model, data, train...
  | 'def' // a layer name before ':'
  | 'punctuation' // ':' after a layer name, ',' between values
  | 'keyword' // the layer type: conv, pool, dense, output, res...
  | 'number' // 32, 0.5, 1e-4, 3x3, 32x32x1, 64/16/20
  | 'option' // the key of key=value, a --flag
  | 'operator' // '='
  | 'value' // a value that is not a number
  | 'atom' // an activation or a mode: relu, softmax, max, same
  | 'variable' // another word: a layer, model or dataset name
  | 'comment'; // from '#' to the end of the line

/** Words drawn as atoms: activations, pooling modes, paddings, booleans. */
const ATOMS = new Set([...ACTIVATIONS, ...ATOM_WORDS]);

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?%?$/i;
const SIZE = /^\d+(?:[x×]\d+)+$/i; // 3x3, 32x32x1
const RATIOS = /^\d+(?:\.\d+)?(?:[/:]\d+(?:\.\d+)?)+$/; // 64/16/20
const DEF = /^(\s*)([A-Za-z_][\w.-]*)(\s*):(?!:)/;

/** Whether *word* reads as a number or a size. */
export function isNumber(word: string): boolean {
  return NUMBER.test(word) || SIZE.test(word) || RATIOS.test(word);
}

/** Whether a document's first line makes it a `%%dl` cell. */
export function isDlCell(firstLine: string): boolean {
  return /^%%dl(?:\s|$)/.test(firstLine);
}

/** Whether *line* is a `%dl` line magic. */
export function isDlLineMagic(line: string): boolean {
  return /^\s*%dl(?:\s|$)/.test(line);
}

/**
 * Split *text* (from *start*) into words at whitespace and commas; a '#' that starts a
 * word starts a comment (pushed to *out*, like the commas).
 */
function words(text: string, start: number, out: IToken[]): [number, number][] {
  const found: [number, number][] = [];
  let i = start;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '#') {
      out.push({ from: i, to: n, type: 'comment' });
      break;
    } else if (c === ',') {
      out.push({ from: i, to: i + 1, type: 'punctuation' });
      i++;
    } else {
      let j = i;
      while (j < n && !' \t,'.includes(text[j])) {
        j++;
      }
      found.push([i, j]);
      i = j;
    }
  }
  return found;
}

/** Tokens of one word that is not the layer type: numbers, key=value, --flags, names. */
function word(text: string, from: number, to: number, out: IToken[]): void {
  const w = text.slice(from, to);
  if (w.startsWith('-') && !isNumber(w)) {
    const eq = w.indexOf('=');
    if (eq < 0) {
      out.push({ from, to, type: 'option' });
      return;
    }
    out.push({ from, to: from + eq, type: 'option' });
    out.push({ from: from + eq, to: from + eq + 1, type: 'operator' });
    value(text, from + eq + 1, to, out);
    return;
  }
  const eq = w.indexOf('=');
  if (eq > 0) {
    out.push({ from, to: from + eq, type: 'option' });
    out.push({ from: from + eq, to: from + eq + 1, type: 'operator' });
    value(text, from + eq + 1, to, out);
    return;
  }
  value(text, from, to, out);
}

function value(text: string, from: number, to: number, out: IToken[]): void {
  if (from >= to) {
    return;
  }
  const w = text.slice(from, to);
  if (isNumber(w)) {
    out.push({ from, to, type: 'number' });
  } else if (ATOMS.has(w.toLowerCase())) {
    out.push({ from, to, type: 'atom' });
  } else if (/^(['"]).*\1$/.test(w) || w.includes('/') || w.includes(':')) {
    out.push({ from, to, type: 'value' });
  } else {
    out.push({ from, to, type: 'variable' });
  }
}

/** Tokens of a magic line: `%%dl model NAME --input 32x32x1` or `%dl train net data ...`. */
export function magicTokens(text: string): IToken[] {
  const out: IToken[] = [];
  const m = /^(\s*)(%%?dl)(?=\s|$)/.exec(text);
  if (!m) {
    return out;
  }
  const start = m[1].length;
  out.push({ from: start, to: start + m[2].length, type: 'magic' });
  const rest = words(text, start + m[2].length, out);
  rest.forEach(([from, to], i) => {
    if (i === 0 && !text[from].match(/[-\d]/)) {
      out.push({ from, to, type: 'command' });
    } else {
      word(text, from, to, out);
    }
  });
  return out.sort((a, b) => a.from - b.from);
}

/** Tokens of a layer line of a `%%dl` cell: `[name:] type values... key=value... # note`. */
export function layerTokens(text: string): IToken[] {
  const out: IToken[] = [];
  let start = 0;
  const def = DEF.exec(text);
  if (def) {
    const from = def[1].length;
    out.push({ from, to: from + def[2].length, type: 'def' });
    start = def[0].length;
    out.push({ from: start - 1, to: start, type: 'punctuation' });
  }
  const rest = words(text, start, out);
  rest.forEach(([from, to], i) => {
    if (i === 0 && !isNumber(text.slice(from, to)) && !text.slice(from, to).includes('=')) {
      out.push({ from, to, type: 'keyword' });
    } else {
      word(text, from, to, out);
    }
  });
  return out.sort((a, b) => a.from - b.from);
}
