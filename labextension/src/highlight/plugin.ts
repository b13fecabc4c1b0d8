/**
 * CodeMirror 6 highlighting of `%%dl` cells and `%dl` line magics: a ViewPlugin that adds
 * `dln-hl-*` classes (styled with JupyterLab's editor theme variables) to the visible lines.
 *
 * This module is loaded on demand (see ../plugin.ts): only frontends with CodeMirror
 * editors need `@codemirror/state` and `@codemirror/view`.
 */
import { Prec, RangeSetBuilder } from '@codemirror/state';
import { Decoration, DecorationSet, EditorView, ViewPlugin, ViewUpdate } from '@codemirror/view';
import { EditorExtensionRegistry, IEditorExtensionRegistry } from '@jupyterlab/codemirror';

import { IToken, isDlCell, isDlLineMagic, layerTokens, magicTokens } from './grammar';

const marks = new Map<string, Decoration>();

function mark(type: string): Decoration {
  let deco = marks.get(type);
  if (!deco) {
    deco = Decoration.mark({ class: `dln-hl dln-hl-${type}` });
    marks.set(type, deco);
  }
  return deco;
}

const CELL_LINE = Decoration.line({ class: 'dln-hl-line' });
const MAGIC_LINE = Decoration.line({ class: 'dln-hl-line dln-hl-magic-line' });

/** The decorations of the visible part of *view*. */
function decorate(view: EditorView): DecorationSet {
  const doc = view.state.doc;
  const builder = new RangeSetBuilder<Decoration>();
  const cell = isDlCell(doc.line(1).text);
  let last = 0;
  for (const { from, to } of view.visibleRanges) {
    let pos = from;
    while (pos <= to) {
      const line = doc.lineAt(pos);
      pos = line.to + 1;
      if (line.number <= last) {
        continue;
      }
      last = line.number;
      let tokens: IToken[] | null = null;
      let lineDeco = CELL_LINE;
      if (cell) {
        tokens = line.number === 1 ? magicTokens(line.text) : layerTokens(line.text);
        lineDeco = line.number === 1 ? MAGIC_LINE : CELL_LINE;
      } else if (isDlLineMagic(line.text)) {
        tokens = magicTokens(line.text);
        lineDeco = MAGIC_LINE;
      }
      if (!tokens) {
        continue;
      }
      builder.add(line.from, line.from, lineDeco);
      for (const token of tokens) {
        if (token.to > token.from) {
          builder.add(line.from + token.from, line.from + token.to, mark(token.type));
        }
      }
    }
  }
  return builder.finish();
}

/** The ViewPlugin that keeps the `%%dl` / `%dl` decorations of an editor up to date. */
export const dlHighlighter = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;

    constructor(view: EditorView) {
      this.decorations = decorate(view);
    }

    update(update: ViewUpdate): void {
      if (update.docChanged || update.viewportChanged) {
        this.decorations = decorate(update.view);
      }
    }
  },
  { decorations: plugin => plugin.decorations }
);

/** Add the `%%dl` highlighting to every editor that *registry* configures. */
export function addDlHighlighting(registry: IEditorExtensionRegistry): void {
  registry.addExtension({
    name: 'dl-notebook:dl-highlighting',
    // lowest precedence: the marks nest inside the language's own highlight spans
    factory: () => EditorExtensionRegistry.createImmutableExtension(Prec.lowest(dlHighlighter))
  });
}
