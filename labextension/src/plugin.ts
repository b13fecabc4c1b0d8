/**
 * The JupyterLab plugins of dl_notebook (the network view is the mime extension in mime.ts).
 *
 * Only the editor registry's token is imported here: `@jupyterlab/codemirror` is shared by
 * JupyterLab and by Voila. The highlighter itself needs `@codemirror/state` and
 * `@codemirror/view`, which Voila does not share; it lives in a chunk of its own that is
 * loaded only when an editor registry exists, so Voila never has to resolve them.
 */
import { IEditorExtensionRegistry } from '@jupyterlab/codemirror';

/** The part of a JupyterLab plugin this package uses (no dependency on the application). */
interface IPlugin<T> {
  id: string;
  description: string;
  autoStart: boolean;
  optional: unknown[];
  activate: (app: unknown, ...services: (T | null)[]) => void | Promise<void>;
}

/**
 * Highlighting of `%%dl` cells and `%dl` line magics in every CodeMirror editor. The
 * registry is optional so that frontends without editors (Voila) load the package cleanly.
 * Activation waits for the highlighter's chunk, so editors created afterwards have it.
 */
const highlighting: IPlugin<IEditorExtensionRegistry> = {
  id: 'dl-notebook:dl-highlighting',
  description: 'Highlights %%dl cells and %dl line magics.',
  autoStart: true,
  optional: [IEditorExtensionRegistry],
  activate: async (_app, registry) => {
    if (!registry) {
      return;
    }
    const { addDlHighlighting } = await import('./highlight/plugin');
    addDlHighlighting(registry);
  }
};

export default [highlighting];
