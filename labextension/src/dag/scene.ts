/**
 * The SVG drawing of one layout of a network: boxes, group frames and edges, with the
 * stable class names and data attributes (`data-node-id`, `data-group-id`) the view and
 * its tests select on. Colours (PALETTE, generated from Python) and box text match
 * dl_notebook/graph/svg.py.
 */
import { PALETTE } from '../vocabulary';
import { clip, compactNumber, formatInt, formatShape } from './format';
import { edgePath, groupFrames, IGroupFrame } from './geometry';
import { DagIndex } from './graph';
import { IDagBox, IDagGroup, IDagLayout, IDagNode, IRect } from './types';

const SVG_NS = 'http://www.w3.org/2000/svg';

const LINE = 15;
const PAD_Y = 7;

/** One drawn layout and the elements the view updates. */
export interface IScene {
  /** Whether every layer is drawn. */
  expanded: boolean;
  /** The groups drawn layer by layer, each in a frame. */
  open: string[];
  root: SVGGElement;
  /** Layer or group id -> its box element. */
  boxes: Map<string, SVGGElement>;
  /** Group id -> its frame (groups drawn layer by layer). */
  frames: Map<string, SVGGElement>;
  /** Box id -> rectangle of the box (or of the frame, for a group in an expanded scene). */
  rects: Map<string, IRect>;
  /** Box id -> the edges that start or end there. */
  edges: Map<string, SVGPathElement[]>;
  /** The rectangle that holds the whole drawing. */
  bounds: IRect;
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: { [name: string]: string | number },
  parent?: Element
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    el.setAttribute(name, String(value));
  }
  if (parent) {
    parent.appendChild(el);
  }
  return el;
}

function text(
  parent: Element,
  x: number,
  y: number,
  content: string,
  cls: string,
  anchor = 'middle'
): SVGTextElement {
  const t = svg('text', { x, y, class: cls, 'text-anchor': anchor }, parent);
  t.textContent = content;
  return t;
}

/** A rounded box the size of *box*, shifted by *off* px, drawn into *g*. */
function boxRect(
  g: SVGGElement,
  box: IDagBox,
  off: number,
  fill: string,
  stroke: string,
  extra: Record<string, string | number> = {}
): SVGElement {
  const attrs = { x: box.x + off, y: box.y + off, width: box.w, height: box.h, rx: 6 };
  return svg('rect', { ...attrs, fill, stroke, ...extra }, g);
}

function drawLayer(node: IDagNode, box: IDagBox): SVGGElement {
  const [fill, stroke] = PALETTE[node.kind] ?? PALETTE.other;
  const shape = formatShape(node.shape);
  const g = svg('g', { class: 'dln-dag-node', 'data-node-id': node.id, 'data-kind': node.kind });
  const title = svg('title', {}, g);
  title.textContent =
    `${node.name}\n${node.type} (${node.kind})\noutput ${shape}\n${formatInt(node.params)} params` +
    (node.scope ? `\nin ${node.scope}` : '');
  boxRect(g, box, 0, fill, stroke, { class: 'dln-dag-box' });
  const cx = box.x + box.w / 2;
  text(g, cx, box.y + PAD_Y + 11.5, clip(node.name), 'dln-dag-label dln-dag-label-main');
  text(g, cx, box.y + PAD_Y + LINE + 11.5, clip(`${node.type} · ${shape}`), 'dln-dag-label');
  return g;
}

function drawGroup(group: IDagGroup, box: IDagBox, index: DagIndex): SVGGElement {
  const [fill, stroke] = PALETTE.group;
  const g = svg('g', {
    class: 'dln-dag-group',
    'data-group-id': group.id,
    'data-members': group.members.length,
    'data-repeat': group.repeat
  });
  const per = group.units[0]?.length ?? group.members.length;
  const size = group.repeat > 1 ? `${group.repeat} × ${per} layers` : `${per} layers`;
  const title = svg('title', {}, g);
  title.textContent =
    `${group.label}\n${group.members.length} layers, ${formatInt(group.params)} params\n` +
    `output ${formatShape(group.shape)}\nclick to expand`;
  if (group.repeat > 1) {
    for (const off of [6, 3]) {
      boxRect(g, box, off, fill, stroke); // the stack behind a repeated block
    }
  }
  boxRect(g, box, 0, fill, stroke, { class: 'dln-dag-box', 'stroke-width': 1.6 });
  const cx = box.x + box.w / 2;
  const lines = [
    group.label,
    `${size} · ${compactNumber(group.params)} params`,
    formatShape(group.shape)
  ];
  lines.forEach((line, i) => {
    const cls = i === 0 ? 'dln-dag-label dln-dag-label-main' : 'dln-dag-label';
    text(g, cx, box.y + PAD_Y + LINE * i + 11.5, clip(line), cls);
  });
  const parts = index.composition(group);
  const total = parts.reduce((sum, [, count]) => sum + count, 0);
  let bx = box.x + 8;
  const bw = box.w - 16;
  for (const [kind, count] of parts) {
    const seg = (bw * count) / total;
    svg(
      'rect',
      {
        x: bx,
        y: box.y + box.h - PAD_Y - 3,
        width: seg,
        height: 4,
        fill: (PALETTE[kind] ?? PALETTE.other)[1]
      },
      g
    );
    bx += seg;
  }
  // an expander mark in the top-right corner
  const ex = box.x + box.w - 10;
  const ey = box.y + 10;
  svg('circle', { class: 'dln-dag-expander', cx: ex, cy: ey, r: 6.5 }, g);
  const plus = `M${ex - 3.5},${ey} h7 M${ex},${ey - 3.5} v7`;
  svg('path', { class: 'dln-dag-expander-mark', d: plus }, g);
  return g;
}

function drawFrame(frame: IGroupFrame): SVGGElement {
  const { group, rect, tab } = frame;
  const g = svg('g', { class: 'dln-dag-frame', 'data-group-id': group.id });
  const title = svg('title', {}, g);
  title.textContent = `${group.label}\n${group.members.length} layers\nclick to collapse`;
  svg(
    'rect',
    { class: 'dln-dag-frame-box', x: rect.x, y: rect.y, width: rect.w, height: rect.h, rx: 10 },
    g
  );
  svg(
    'rect',
    { class: 'dln-dag-frame-tab', x: tab.x, y: tab.y, width: tab.w, height: tab.h, rx: 4 },
    g
  );
  text(g, frame.labelX, frame.labelY, frame.label, 'dln-dag-frame-label', 'end');
  return g;
}

/**
 * Draw *layout*: a layer box per layer id, a group box per group id and a frame around
 * the members of each group drawn layer by layer.
 */
export function buildScene(index: DagIndex, layout: IDagLayout, markerId: string): IScene {
  const root = svg('g', { class: 'dln-dag-scene' });
  const frameLayer = svg('g', { class: 'dln-dag-frames' }, root);
  const edgeLayer = svg('g', { class: 'dln-dag-edges' }, root);
  const boxLayer = svg('g', { class: 'dln-dag-boxes' }, root);
  const scene: IScene = {
    expanded: layout.expanded,
    open: layout.open ?? (layout.expanded ? index.data.groups.map(g => g.id) : []),
    root,
    boxes: new Map(),
    frames: new Map(),
    rects: new Map(),
    edges: new Map(),
    bounds: { x: 0, y: 0, w: Math.max(layout.width, 1), h: Math.max(layout.height, 1) }
  };
  const fragment = document.createDocumentFragment();
  for (const box of layout.boxes) {
    const node = index.nodes.get(box.id);
    const group = node ? undefined : index.groups.get(box.id);
    let el: SVGGElement;
    if (node) {
      el = drawLayer(node, box);
    } else if (group) {
      el = drawGroup(group, box, index);
    } else {
      continue;
    }
    fragment.appendChild(el);
    scene.boxes.set(box.id, el);
    scene.rects.set(box.id, { x: box.x, y: box.y, w: box.w, h: box.h });
  }
  boxLayer.appendChild(fragment);

  const edges = document.createDocumentFragment();
  for (const edge of layout.edges) {
    if (edge.points.length < 2) {
      continue;
    }
    const path = svg('path', {
      class: 'dln-dag-edge',
      'data-source': edge.source,
      'data-target': edge.target,
      d: edgePath(edge.points, layout.direction),
      'marker-end': `url(#${markerId})`
    });
    edges.appendChild(path);
    for (const end of [edge.source, edge.target]) {
      const list = scene.edges.get(end);
      if (list) {
        list.push(path);
      } else {
        scene.edges.set(end, [path]);
      }
    }
  }
  edgeLayer.appendChild(edges);

  // a frame around each group drawn layer by layer
  const { frames, bounds } = groupFrames(index.data.groups, scene.rects, scene.bounds);
  for (const frame of frames) {
    const el = drawFrame(frame);
    frameLayer.appendChild(el);
    scene.frames.set(frame.group.id, el);
    scene.rects.set(frame.group.id, frame.rect);
  }
  scene.bounds = bounds;
  return scene;
}
