/**
 * The JupyterLab plugins of dl_notebook (the network view is the mime extension in mime.ts).
 */
import { Prec } from '@codemirror/state';
import { EditorExtensionRegistry, IEditorExtensionRegistry } from '@jupyterlab/codemirror';

import { dlHighlighter } from './highlight/plugin';

/** The part of a JupyterLab plugin this package uses (no dependency on the application). */
interface IPlugin<T> {
  id: string;
  description: string;
  autoStart: boolean;
  optional: unknown[];
  activate: (app: unknown, ...services: (T | null)[]) => void;
}

/**
 * Highlighting of `%%dl` cells and `%dl` line magics in every CodeMirror editor. The
 * registry is optional so that frontends without editors (Voila) load the package cleanly.
 */
const highlighting: IPlugin<IEditorExtensionRegistry> = {
  id: 'dl-notebook:dl-highlighting',
  description: 'Highlights %%dl cells and %dl line magics.',
  autoStart: true,
  optional: [IEditorExtensionRegistry],
  activate: (_app, registry) => {
    if (!registry) {
      return;
    }
    registry.addExtension({
      name: 'dl-notebook:dl-highlighting',
      // lowest precedence: the marks nest inside the language's own highlight spans
      factory: () => EditorExtensionRegistry.createImmutableExtension(Prec.lowest(dlHighlighter))
    });
  }
};

export default [highlighting];
