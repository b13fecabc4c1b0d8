/**
 * The interactive network view: a toolbar (search, zoom, fit, expand), the drawing with
 * pan and zoom, and a details panel. A click on a group draws that group layer by layer,
 * the others staying boxes; "Expand all" draws every layer. Each of these layouts comes
 * computed from Python (the engine of the notebook's SVG drawing); the view switches
 * between them.
 */
import { KINDS, PALETTE } from '../vocabulary';
import { showGroup, showLayer } from './details';
import { compactNumber, formatInt } from './format';
import { ALL_GROUPS, DagIndex } from './graph';
import { PanZoom } from './panzoom';
import { buildScene, IScene } from './scene';
import { IDagData, IDagLayout } from './types';

const SVG_NS = 'http://www.w3.org/2000/svg';
const MIN_HEIGHT = 180;
const MAX_HEIGHT = 560;
// The smallest text of the drawing is 11 px (frame labels; box labels are 12 px): at this
// scale or more it is at least 10 px on screen. The first view, an opened group and a
// found layer are shown no smaller; the rest is a scroll away.
export const READABLE_SCALE = 0.92;

let instances = 0;

type Selection = { kind: 'node' | 'group'; id: string } | null;

function html<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls: string,
  parent: HTMLElement,
  content?: string
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = cls;
  if (content !== undefined) {
    e.textContent = content;
  }
  parent.appendChild(e);
  return e;
}

function button(parent: HTMLElement, cls: string, label: string, title: string): HTMLButtonElement {
  const b = html('button', `dln-dag-button ${cls}`, parent, label);
  b.type = 'button';
  b.title = title;
  return b;
}

/** The interactive view of one network message, drawn into *host*. */
export class DagExplorer {
  readonly index: DagIndex;
  readonly host: HTMLElement;
  readonly viewport: HTMLDivElement;
  readonly panel: HTMLDivElement;
  readonly search: HTMLInputElement;

  constructor(host: HTMLElement, data: IDagData) {
    this.host = host;
    this.index = new DagIndex(data);
    this._markerId = `dln-dag-arrow-${++instances}`;
    host.textContent = '';
    host.dataset.layers = String(data.nodes.length);
    host.dataset.groups = String(data.groups.length);

    const bar = html('div', 'dln-dag-toolbar', host);
    const title = html('span', 'dln-dag-title', bar, data.name);
    const layers = formatInt(data.nodes.length);
    title.title = `${data.name}: ${layers} layers, ${formatInt(this.index.params)} params`;
    const summary = `${layers} layers · ${compactNumber(this.index.params)} params`;
    html('span', 'dln-dag-subtitle', bar, summary);
    html('span', 'dln-dag-spacer', bar);
    this.search = html('input', 'dln-dag-search', bar);
    this.search.type = 'search';
    this.search.placeholder = 'Find a layer';
    this.search.setAttribute('aria-label', 'Find a layer by name');
    this._count = html('span', 'dln-dag-search-count', bar);
    const zoomOut = button(bar, 'dln-dag-zoom-out', '−', 'Zoom out');
    const zoomIn = button(bar, 'dln-dag-zoom-in', '+', 'Zoom in');
    const fit = button(
      bar,
      'dln-dag-fit',
      'Fit',
      "Fit the network's width (all of it when it fits)"
    );
    this._toggle = button(bar, 'dln-dag-toggle', 'Expand all', 'Draw every layer');
    this._toggle.hidden = !this.index.canExpand;

    const legend = html('div', 'dln-dag-legend', host);
    const present = new Set(data.nodes.map(n => n.kind));
    for (const kind of KINDS.filter(k => present.has(k))) {
      const item = html('span', 'dln-dag-legend-item', legend);
      const swatch = html('span', 'dln-dag-swatch', item);
      swatch.style.background = PALETTE[kind][0];
      swatch.style.borderColor = PALETTE[kind][1];
      item.appendChild(document.createTextNode(kind));
    }

    const body = html('div', 'dln-dag-body', host);
    this.viewport = html('div', 'dln-dag-viewport', body);
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('class', 'dln-dag-svg');
    svg.innerHTML =
      `<defs><marker id="${this._markerId}" viewBox="0 0 10 10" refX="9.5" refY="5" ` +
      'markerWidth="7" markerHeight="7" orient="auto-start-reverse">' +
      '<path class="dln-dag-arrow" d="M0,1 L10,5 L0,9 z"/></marker></defs>';
    this._camera = document.createElementNS(SVG_NS, 'g');
    this._camera.setAttribute('class', 'dln-dag-camera');
    svg.appendChild(this._camera);
    this.viewport.appendChild(svg);

    const side = html('div', 'dln-dag-side', body);
    side.hidden = true;
    this._side = side;
    const close = button(side, 'dln-dag-close', '×', 'Close the details');
    this.panel = html('div', 'dln-dag-details', side);

    this._pz = new PanZoom(this.viewport, this._camera, target => this._click(target));
    this._setScene(null);

    zoomIn.addEventListener('click', () => this._pz.zoomBy(1.25));
    zoomOut.addEventListener('click', () => this._pz.zoomBy(0.8));
    fit.addEventListener('click', () => this.fit());
    this._toggle.addEventListener('click', () => {
      this._setScene(this._open === ALL_GROUPS ? null : ALL_GROUPS);
      this._select(null);
      this.fit();
    });
    close.addEventListener('click', () => this._select(null));
    this.search.addEventListener('input', () => this._find(this.search.value));
    this.search.addEventListener('keydown', event => {
      if (event.key === 'Enter') {
        event.preventDefault();
        this._step(event.shiftKey ? -1 : 1);
      } else if (event.key === 'Escape') {
        this.search.value = '';
        this._find('');
      }
      event.stopPropagation();
    });

    // The first view needs the viewport's size, known once the view is attached: the
    // whole drawing when it is readable so, else its start at a readable scale.
    this._resize = new ResizeObserver(() => {
      if (!this._fitted && this.viewport.clientWidth > 0) {
        this._fitted = true;
        this._pz.focus(this._scene.bounds, data.layout.direction, READABLE_SCALE, 1);
        this._pz.flush();
      }
    });
    this._resize.observe(this.viewport);
  }

  /** Fit the drawing's width (its height in a left-to-right drawing); all of it when it fits. */
  fit(): void {
    this._pz.fitAcross(this._scene.bounds, this._direction, 1);
  }

  dispose(): void {
    this._resize.disconnect();
    this._pz.dispose();
  }

  // -- scenes ------------------------------------------------------------------------
  /** Draw the layout of *open*: null (groups as boxes), a group id, or ALL_GROUPS. */
  private _setScene(open: string | null): void {
    const layout = this.index.layoutFor(open);
    let scene = this._scenes.get(layout);
    if (!scene) {
      scene = buildScene(this.index, layout, this._markerId);
      this._scenes.set(layout, scene);
    }
    if (this._scene) {
      this._camera.removeChild(this._scene.root);
    }
    this._open = open;
    this._scene = scene;
    this._camera.appendChild(scene.root);
    this._pz.bounds = scene.bounds;
    // the viewport grows with the drawing (an opened group) up to MAX_HEIGHT, and stays
    const height = Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, scene.bounds.h + 48));
    if (height > this._height) {
      this._height = Math.round(height);
      this.viewport.style.height = `${this._height}px`;
    }
    this.host.dataset.mode = scene.expanded ? 'expanded' : 'grouped';
    this.host.dataset.open = scene.open.join(' ');
    const all = open === ALL_GROUPS;
    this._toggle.textContent = all ? 'Collapse groups' : 'Expand all';
    this._toggle.title = all ? 'Draw repeated blocks as one box' : 'Draw every layer';
    this._decorate();
  }

  private get _direction(): 'TB' | 'LR' {
    return this.index.data.layout.direction;
  }

  /** Put the selection and search classes on the current scene's elements. */
  private _decorate(): void {
    for (const [el, cls] of this._decorated) {
      el.classList.remove(cls);
    }
    this._decorated = [];
    const scene = this._scene;
    const mark = (el: Element | undefined, cls: string) => {
      if (el) {
        el.classList.add(cls);
        this._decorated.push([el, cls]);
      }
    };
    const boxOf = (id: string) => this._visibleBox(id);
    for (const id of this._matches) {
      mark(boxOf(id), 'dln-dag-match');
    }
    if (this._matches.length) {
      mark(boxOf(this._matches[this._matchIndex]), 'dln-dag-current');
    }
    const sel = this._selection;
    if (sel) {
      const el =
        sel.kind === 'group'
          ? (scene.boxes.get(sel.id) ?? scene.frames.get(sel.id))
          : boxOf(sel.id);
      mark(el, 'dln-dag-selected');
      const boxId = el?.getAttribute('data-node-id') ?? el?.getAttribute('data-group-id');
      for (const edge of (boxId && scene.edges.get(boxId)) || []) {
        mark(edge, 'dln-dag-edge-active');
      }
    }
  }

  /** The element that shows layer *id* now: its box, or the box of its collapsed group. */
  private _visibleBox(id: string): Element | undefined {
    const scene = this._scene;
    const box = scene.boxes.get(id);
    if (box) {
      return box;
    }
    const group = this.index.nodes.get(id)?.group;
    return group ? scene.boxes.get(group) : undefined;
  }

  // -- interaction --------------------------------------------------------------------
  private _click(target: Element): void {
    const node = target.closest('[data-node-id]');
    if (node && this.viewport.contains(node)) {
      this._select({ kind: 'node', id: node.getAttribute('data-node-id')! });
      return;
    }
    const group = target.closest('.dln-dag-group');
    if (group) {
      this.expandGroup(group.getAttribute('data-group-id')!);
      return;
    }
    const frame = target.closest('.dln-dag-frame');
    if (frame) {
      this.collapseGroup(frame.getAttribute('data-group-id')!);
      return;
    }
    this._select(null);
  }

  /**
   * Draw group *id* layer by layer, every other group as a box (an open group closes),
   * and bring its members into view at a readable scale.
   */
  expandGroup(id: string): void {
    if (!this.index.canExpand || !this.index.groups.has(id)) {
      return;
    }
    this._setScene(id);
    this._select({ kind: 'group', id });
    const rect = this._scene.rects.get(id);
    if (rect) {
      this._pz.focus(rect, this._direction, READABLE_SCALE);
    }
  }

  /** Draw the groups as boxes and bring group *id*'s box into view. */
  collapseGroup(id: string): void {
    this._setScene(null);
    this._select({ kind: 'group', id });
    const rect = this._scene.rects.get(id);
    if (rect) {
      this._pz.focus(rect, this._direction, READABLE_SCALE, Math.max(this._pz.k, READABLE_SCALE));
    }
  }

  /** Select layer *id*, show it (opening its group if it is inside a closed one) and its details. */
  showLayer(id: string): void {
    const node = this.index.nodes.get(id);
    if (!node) {
      return;
    }
    if (!this._scene.boxes.has(id) && node.group) {
      this._setScene(node.group);
    }
    this._select({ kind: 'node', id });
    const rect = this._scene.rects.get(id);
    if (rect) {
      const k = Math.min(Math.max(this._pz.k, READABLE_SCALE), 1.5);
      this._pz.centre(rect.x + rect.w / 2, rect.y + rect.h / 2, k);
    }
  }

  private _select(selection: Selection): void {
    this._selection = selection;
    this._decorate();
    this._side.hidden = !selection;
    if (!selection) {
      this.panel.textContent = '';
      delete this.panel.dataset.nodeId;
      delete this.panel.dataset.groupId;
    } else if (selection.kind === 'node') {
      showLayer(
        this.panel,
        this.index,
        selection.id,
        id => this.showLayer(id),
        id => this._showGroupFromPanel(id)
      );
    } else {
      showGroup(this.panel, this.index, selection.id, id => this.showLayer(id));
    }
  }

  /** Select group *id* as it is drawn now (a box, or a frame when it is open). */
  private _showGroupFromPanel(id: string): void {
    this._select({ kind: 'group', id });
    const rect = this._scene.rects.get(id);
    if (rect) {
      this._pz.focus(rect, this._direction, READABLE_SCALE);
    }
  }

  // -- search -------------------------------------------------------------------------
  private _find(query: string): void {
    this._matches = this.index.search(query);
    this._matchIndex = 0;
    this.host.dataset.matches = String(this._matches.length);
    if (!query.trim()) {
      this._count.textContent = '';
      this._decorate();
      return;
    }
    if (!this._matches.length) {
      this._count.textContent = 'no match';
      this._decorate();
      return;
    }
    this._goToMatch();
  }

  private _step(delta: number): void {
    const n = this._matches.length;
    if (!n) {
      return;
    }
    this._matchIndex = (this._matchIndex + delta + n) % n;
    this._goToMatch();
  }

  private _goToMatch(): void {
    this._count.textContent = `${this._matchIndex + 1} / ${this._matches.length}`;
    this.showLayer(this._matches[this._matchIndex]);
  }

  private _scenes = new Map<IDagLayout, IScene>();
  private _scene!: IScene;
  private _open: string | null = null;
  private _height = 0;
  private _camera: SVGGElement;
  private _pz: PanZoom;
  private _side: HTMLDivElement;
  private _toggle: HTMLButtonElement;
  private _count: HTMLSpanElement;
  private _markerId: string;
  private _resize: ResizeObserver;
  private _fitted = false;
  private _selection: Selection = null;
  private _matches: string[] = [];
  private _matchIndex = 0;
  private _decorated: [Element, string][] = [];
}
