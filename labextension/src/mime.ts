/**
 * The mime renderer of `application/vnd.dl-notebook.dag+json`: an interactive network view.
 */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { DagExplorer } from './dag/explorer';
import { IDagData, MIME_TYPE } from './dag/types';

/** A rendered network view; its node carries `data-mime-type` as JupyterLab's renderers do. */
export class DagRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this._mimeType = options.mimeType;
    this.addClass('dln-dag');
    this.node.dataset.mimeType = options.mimeType;
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this._mimeType] as unknown as IDagData;
    this._explorer?.dispose();
    this._explorer = null;
    if (!data || !Array.isArray(data.nodes) || !data.layout) {
      this.node.textContent = 'This network view has no data.';
      return;
    }
    this._explorer = new DagExplorer(this.node, data);
  }

  dispose(): void {
    this._explorer?.dispose();
    this._explorer = null;
    super.dispose();
  }

  private _mimeType: string;
  private _explorer: DagExplorer | null = null;
}

/** Creates the network views. */
export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MIME_TYPE],
  defaultRank: 0,
  createRenderer: options => new DagRenderer(options)
};

const extension: IRenderMime.IExtension = {
  id: 'dl-notebook:dag-renderer',
  description: 'Interactive network graphs of dl_notebook.',
  rendererFactory,
  rank: 0,
  dataType: 'json'
};

export default extension;
