/**
 * Geometry of a drawn layout, without the DOM: the SVG path of an edge, and in a drawing
 * with every layer, the frame around the members of each group, its label tab and the
 * bounds that hold them all. The scene draws what these functions compute.
 */
import { clip } from './format';
import { IDagGroup, IRect } from './types';

/** Space in px between a group's member boxes and its frame. */
export const FRAME_PAD = 8;
/** The longest group label on a frame's tab before it is shortened. */
export const FRAME_LABEL_CHARS = 32;
const LABEL_CHAR = 6.6; // estimated width of one 11 px character
const TAB_HEIGHT = 17;

/** The frame of an expanded group: its rectangle, and the label tab left of its top corner. */
export interface IGroupFrame {
  group: IDagGroup;
  rect: IRect;
  /** The tab's text: a collapse mark and the (shortened) group label. */
  label: string;
  tab: IRect;
  /** The anchor of the label's text (its right end, on the baseline). */
  labelX: number;
  labelY: number;
}

/** The SVG path of an edge: straight along a column, a cubic curve between columns. */
export function edgePath(points: [number, number][], direction: 'TB' | 'LR'): string {
  const [x0, y0] = points[0];
  const parts = [`M${x0},${y0}`];
  for (let i = 1; i < points.length; i++) {
    const [xa, ya] = points[i - 1];
    const [xb, yb] = points[i];
    if ((direction === 'TB' && xa === xb) || (direction === 'LR' && ya === yb)) {
      parts.push(`L${xb},${yb}`);
    } else if (direction === 'TB') {
      const ym = (ya + yb) / 2;
      parts.push(`C${xa},${ym} ${xb},${ym} ${xb},${yb}`);
    } else {
      const xm = (xa + xb) / 2;
      parts.push(`C${xm},${ya} ${xm},${yb} ${xb},${yb}`);
    }
  }
  return parts.join(' ');
}

/** The smallest rectangle that holds *a* and *b*. */
export function union(a: IRect, b: IRect): IRect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    w: Math.max(a.x + a.w, b.x + b.w) - x,
    h: Math.max(a.y + a.h, b.y + b.h) - y
  };
}

/**
 * The frame of *group* in a drawing whose boxes are *rects* (layer id -> rectangle): the
 * drawn members' boxes with FRAME_PAD px around them, or null when no member is drawn.
 */
export function groupFrame(group: IDagGroup, rects: Map<string, IRect>): IGroupFrame | null {
  let box: IRect | undefined;
  for (const name of group.members) {
    const r = rects.get(name);
    if (r) {
      box = box ? union(box, r) : r;
    }
  }
  if (!box) {
    return null;
  }
  const rect = {
    x: box.x - FRAME_PAD,
    y: box.y - FRAME_PAD,
    w: box.w + 2 * FRAME_PAD,
    h: box.h + 2 * FRAME_PAD
  };
  const label = `− ${clip(group.label, FRAME_LABEL_CHARS)}`;
  const right = rect.x - 6; // the tab ends just left of the frame's top corner
  const labelY = rect.y + 13;
  const width = label.length * LABEL_CHAR + 6;
  const tab = { x: right - width, y: labelY - 12, w: width + 4, h: TAB_HEIGHT };
  return { group, rect, label, tab, labelX: right - 2, labelY };
}

/**
 * The frames of *groups* (those with a drawn member, in order) and the bounds of the
 * drawing once they are added to *bounds*.
 */
export function groupFrames(
  groups: IDagGroup[],
  rects: Map<string, IRect>,
  bounds: IRect
): { frames: IGroupFrame[]; bounds: IRect } {
  const frames: IGroupFrame[] = [];
  for (const group of groups) {
    const frame = groupFrame(group, rects);
    if (frame) {
      frames.push(frame);
      bounds = union(union(bounds, frame.rect), frame.tab);
    }
  }
  return { frames, bounds };
}
