/**
 * The `%%dl` grammar: which words of a magic line and of a layer line get which token.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  IToken,
  isDlCell,
  isDlLineMagic,
  isNumber,
  layerTokens,
  magicTokens
} from '../src/highlight/grammar';
import { ACTIVATIONS, ATOM_WORDS } from '../src/vocabulary';

/** `[type, text]` of each token of *line*, in order. */
function spans(line: string, tokens: IToken[]): [string, string][] {
  return tokens.map(t => [t.type, line.slice(t.from, t.to)]);
}

describe('isNumber', () => {
  it('reads integers, decimals, exponents, percentages, sizes and ratios', () => {
    for (const word of [
      '32',
      '-1',
      '0.5',
      '.5',
      '1e-4',
      '3E+2',
      '50%',
      '3x3',
      '32x32x1',
      '64/16/20',
      '0.8:0.2',
      '2×2'
    ]) {
      assert.equal(isNumber(word), true, word);
    }
  });

  it('rejects names, options and half-numbers', () => {
    for (const word of ['relu', 'conv1', 'x3', '3x', '1e', '--input', 'stride=2', '', '1/2/']) {
      assert.equal(isNumber(word), false, word);
    }
  });
});

describe('cell and line detection', () => {
  it('knows a %%dl cell by its first line', () => {
    assert.equal(isDlCell('%%dl model lenet'), true);
    assert.equal(isDlCell('%%dl'), true);
    assert.equal(isDlCell('%%dlx'), false);
    assert.equal(isDlCell(' %%dl model'), false);
    assert.equal(isDlCell('%dl show net'), false);
  });

  it('knows a %dl line magic, indented or not', () => {
    assert.equal(isDlLineMagic('%dl show net'), true);
    assert.equal(isDlLineMagic('    %dl train net data'), true);
    assert.equal(isDlLineMagic('%dlfoo'), false);
    assert.equal(isDlLineMagic('%%dl model'), false);
    assert.equal(isDlLineMagic('x = 1  # %dl'), false);
  });
});

describe('magicTokens', () => {
  it('splits a cell magic into magic, command, name and options', () => {
    const line = '%%dl model lenet --input 32x32x1';
    assert.deepEqual(spans(line, magicTokens(line)), [
      ['magic', '%%dl'],
      ['command', 'model'],
      ['variable', 'lenet'],
      ['option', '--input'],
      ['number', '32x32x1']
    ]);
  });

  it('reads --flag=value and key=value pairs and keeps offsets of an indented line', () => {
    const line = '  %dl train net digits --epochs=5 lr=1e-3 # quick';
    assert.deepEqual(spans(line, magicTokens(line)), [
      ['magic', '%dl'],
      ['command', 'train'],
      ['variable', 'net'],
      ['variable', 'digits'],
      ['option', '--epochs'],
      ['operator', '='],
      ['number', '5'],
      ['option', 'lr'],
      ['operator', '='],
      ['number', '1e-3'],
      ['comment', '# quick']
    ]);
    assert.equal(magicTokens(line)[0].from, 2);
  });

  it('does not take a number or an option for the command', () => {
    const line = '%dl --help';
    assert.deepEqual(spans(line, magicTokens(line)), [
      ['magic', '%dl'],
      ['option', '--help']
    ]);
  });

  it('returns nothing for other lines', () => {
    assert.deepEqual(magicTokens('print("%dl")'), []);
    assert.deepEqual(magicTokens('%dlx show'), []);
  });
});

describe('layerTokens', () => {
  it('marks the definition, the layer keyword, numbers, atoms and options', () => {
    const line = 'conv1: conv 32 3x3 relu stride=2';
    assert.deepEqual(spans(line, layerTokens(line)), [
      ['def', 'conv1'],
      ['punctuation', ':'],
      ['keyword', 'conv'],
      ['number', '32'],
      ['number', '3x3'],
      ['atom', 'relu'],
      ['option', 'stride'],
      ['operator', '='],
      ['number', '2']
    ]);
  });

  it('reads a layer without a name, commas, and a trailing comment', () => {
    const line = 'res a, b  # skip';
    assert.deepEqual(spans(line, layerTokens(line)), [
      ['keyword', 'res'],
      ['variable', 'a'],
      ['punctuation', ','],
      ['variable', 'b'],
      ['comment', '# skip']
    ]);
  });

  it('draws pooling modes, paddings and booleans as atoms, quoted and path values as values', () => {
    const line = "pool MAX 2 padding=same flag=True name='net' file=x/y";
    const tokens = spans(line, layerTokens(line));
    assert.deepEqual(
      tokens.filter(([type]) => type === 'atom').map(([, text]) => text),
      ['MAX', 'same', 'True']
    );
    assert.deepEqual(
      tokens.filter(([type]) => type === 'value').map(([, text]) => text),
      ["'net'", 'x/y']
    );
  });

  it('does not take a number or a key=value for the layer keyword', () => {
    assert.deepEqual(spans('64 relu', layerTokens('64 relu')), [
      ['number', '64'],
      ['atom', 'relu']
    ]);
    assert.equal(layerTokens('units=3')[0].type, 'option');
  });

  it('does not take a :: for a definition', () => {
    assert.equal(layerTokens('a::b')[0].type, 'keyword');
  });

  it('gives a comment line one comment token', () => {
    assert.deepEqual(spans('  # note', layerTokens('  # note')), [['comment', '# note']]);
  });

  it('draws every activation and atom word of the vocabulary as an atom', () => {
    for (const word of [...ACTIVATIONS, ...ATOM_WORDS]) {
      const line = `dense 8 ${word}`;
      const tokens = spans(line, layerTokens(line));
      assert.deepEqual(tokens[tokens.length - 1], ['atom', word], word);
    }
  });

  it('gives tokens in order, each inside the line, none overlapping', () => {
    const line = "b2: conv 8 3x3, relu stride=2 name='x' # c";
    const tokens = layerTokens(line);
    tokens.forEach((t, i) => {
      assert.ok(t.from < t.to && t.to <= line.length);
      if (i) {
        assert.ok(tokens[i - 1].to <= t.from);
      }
    });
  });
});
