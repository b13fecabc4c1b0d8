/**
 * Pan and zoom of an SVG group by a CSS transform: drag or wheel to pan (the wheel scrolls
 * the drawing until its end, then the page), Ctrl/⌘ + wheel or a pinch to zoom around the
 * pointer. At most one transform is written per animation frame.
 */
import { IRect } from './types';

export const MIN_SCALE = 0.02;
export const MAX_SCALE = 4;
const DRAG_THRESHOLD = 4; // px a press may move and still count as a click
const FAR_SCALE = 0.35; // below this scale box text is hidden (it is unreadable anyway)
const EDGE = 24; // px kept between the drawing's ends and the viewport's edges

/** Pan and zoom state of one viewport. */
export class PanZoom {
  k = 1;
  tx = 0;
  ty = 0;
  /** The drawing's extent: the wheel scrolls within it. */
  bounds: IRect | null = null;

  /**
   * @param viewport the element that receives pointer and wheel events.
   * @param camera the SVG group that is transformed.
   * @param onClick called with the element pressed and released without a drag.
   * @param onChange called after the transform changes (once per frame).
   */
  constructor(
    readonly viewport: HTMLElement,
    readonly camera: SVGGElement,
    readonly onClick: (target: Element) => void,
    readonly onChange: () => void = () => undefined
  ) {
    viewport.addEventListener('pointerdown', this._onDown);
    viewport.addEventListener('pointermove', this._onMove);
    viewport.addEventListener('pointerup', this._onUp);
    viewport.addEventListener('pointercancel', this._onCancel);
    viewport.addEventListener('wheel', this._onWheel, { passive: false });
  }

  dispose(): void {
    this.viewport.removeEventListener('pointerdown', this._onDown);
    this.viewport.removeEventListener('pointermove', this._onMove);
    this.viewport.removeEventListener('pointerup', this._onUp);
    this.viewport.removeEventListener('pointercancel', this._onCancel);
    this.viewport.removeEventListener('wheel', this._onWheel);
    if (this._frame) {
      cancelAnimationFrame(this._frame);
    }
  }

  /** The viewport's size in CSS pixels. */
  get size(): [number, number] {
    return [this.viewport.clientWidth, this.viewport.clientHeight];
  }

  /** Scale so that *rect* fits the viewport with *margin* px around it. */
  fitScale(rect: IRect, margin = 16): number {
    const [w, h] = this.size;
    const k = Math.min(
      (w - 2 * margin) / Math.max(rect.w, 1),
      (h - 2 * margin) / Math.max(rect.h, 1)
    );
    return clamp(k, MIN_SCALE, MAX_SCALE);
  }

  /** Show all of *rect*, centred, no larger than *maxScale*. */
  fit(rect: IRect, maxScale = 1): void {
    this.centre(rect.x + rect.w / 2, rect.y + rect.h / 2, Math.min(this.fitScale(rect), maxScale));
  }

  /**
   * Bring *rect* into view at a readable scale: whole and centred when it fits at
   * *minScale* or more, else centred across the flow with its start at the viewport's edge.
   */
  focus(rect: IRect, direction: 'TB' | 'LR', minScale = 0.45, maxScale = 1): void {
    const fit = this.fitScale(rect, 24);
    const k = clamp(fit, minScale, maxScale);
    if (fit >= minScale) {
      this.centre(rect.x + rect.w / 2, rect.y + rect.h / 2, k);
      return;
    }
    const [w, h] = this.size;
    if (direction === 'TB') {
      this.set(k, w / 2 - (rect.x + rect.w / 2) * k, 24 - rect.y * k);
    } else {
      this.set(k, 24 - rect.x * k, h / 2 - (rect.y + rect.h / 2) * k);
    }
  }

  /**
   * Fit *rect* across the flow (its width in a TB drawing, its height in an LR one), no
   * larger than *maxScale*: whole and centred when it then fits along the flow too, else
   * with its start at the viewport's edge. A tall network stays readable, not a strip.
   */
  fitAcross(rect: IRect, direction: 'TB' | 'LR', maxScale = 1): void {
    const [w, h] = this.size;
    const across =
      direction === 'TB'
        ? (w - 2 * EDGE) / Math.max(rect.w, 1)
        : (h - 2 * EDGE) / Math.max(rect.h, 1);
    const k = clamp(Math.min(across, maxScale), MIN_SCALE, MAX_SCALE);
    this.focus(rect, direction, k, k);
  }

  /**
   * Scroll the drawing by (dx, dy) viewport px, no further than its ends (bounds);
   * returns whether it moved. Along an axis where the drawing fits, nothing moves.
   */
  scrollBy(dx: number, dy: number): boolean {
    const b = this.bounds;
    if (!b) {
      return false;
    }
    const [w, h] = this.size;
    const tx = scrolled(this.tx, dx, b.x * this.k, (b.x + b.w) * this.k, w);
    const ty = scrolled(this.ty, dy, b.y * this.k, (b.y + b.h) * this.k, h);
    if (Math.abs(tx - this.tx) < 0.5 && Math.abs(ty - this.ty) < 0.5) {
      return false;
    }
    this.set(this.k, tx, ty);
    return true;
  }

  /** Put drawing point (x, y) in the middle of the viewport at scale *k*. */
  centre(x: number, y: number, k = this.k): void {
    const [w, h] = this.size;
    k = clamp(k, MIN_SCALE, MAX_SCALE);
    this.set(k, w / 2 - x * k, h / 2 - y * k);
  }

  /** Multiply the scale by *factor*, keeping viewport point (px, py) fixed. */
  zoomAt(px: number, py: number, factor: number): void {
    const k = clamp(this.k * factor, MIN_SCALE, MAX_SCALE);
    const f = k / this.k;
    this.set(k, px - (px - this.tx) * f, py - (py - this.ty) * f);
  }

  /** Zoom around the middle of the viewport. */
  zoomBy(factor: number): void {
    const [w, h] = this.size;
    this.zoomAt(w / 2, h / 2, factor);
  }

  set(k: number, tx: number, ty: number): void {
    this.k = k;
    this.tx = tx;
    this.ty = ty;
    if (!this._frame) {
      this._frame = requestAnimationFrame(() => {
        this._frame = 0;
        this._apply();
      });
    }
  }

  /** Write the transform now (for example before the first paint). */
  flush(): void {
    if (this._frame) {
      cancelAnimationFrame(this._frame);
      this._frame = 0;
    }
    this._apply();
  }

  private _apply(): void {
    this.camera.style.transform = `translate(${this.tx}px, ${this.ty}px) scale(${this.k})`;
    this.viewport.classList.toggle('dln-dag-far', this.k < FAR_SCALE);
    this.viewport.dataset.scale = this.k.toFixed(3);
    this.onChange();
  }

  private _onDown = (event: PointerEvent): void => {
    if (event.button !== 0 || this._press) {
      return;
    }
    this._press = {
      id: event.pointerId,
      x: event.clientX,
      y: event.clientY,
      tx: this.tx,
      ty: this.ty,
      target: event.target as Element,
      dragging: false
    };
  };

  private _onMove = (event: PointerEvent): void => {
    const press = this._press;
    if (!press || press.id !== event.pointerId) {
      return;
    }
    const dx = event.clientX - press.x;
    const dy = event.clientY - press.y;
    if (!press.dragging && Math.hypot(dx, dy) > DRAG_THRESHOLD) {
      press.dragging = true;
      this.viewport.setPointerCapture(event.pointerId);
      this.viewport.classList.add('dln-dag-dragging');
    }
    if (press.dragging) {
      this.set(this.k, press.tx + dx, press.ty + dy);
    }
  };

  private _onUp = (event: PointerEvent): void => {
    const press = this._press;
    if (!press || press.id !== event.pointerId) {
      return;
    }
    this._press = null;
    if (press.dragging) {
      this.viewport.releasePointerCapture(event.pointerId);
      this.viewport.classList.remove('dln-dag-dragging');
    } else {
      this.onClick(press.target);
    }
  };

  private _onCancel = (event: PointerEvent): void => {
    if (this._press && this._press.id === event.pointerId) {
      this._press = null;
      this.viewport.classList.remove('dln-dag-dragging');
    }
  };

  private _onWheel = (event: WheelEvent): void => {
    const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      const factor = Math.exp(-event.deltaY * unit * 0.0015);
      const rect = this.viewport.getBoundingClientRect();
      this.zoomAt(event.clientX - rect.left, event.clientY - rect.top, factor);
      return;
    }
    // Shift + wheel scrolls sideways, as in a page
    const [dx, dy] =
      event.shiftKey && !event.deltaX ? [event.deltaY, 0] : [event.deltaX, event.deltaY];
    if (this.scrollBy(dx * unit, dy * unit)) {
      event.preventDefault(); // else the page scrolls on
    }
  };

  private _frame = 0;
  private _press: {
    id: number;
    x: number;
    y: number;
    tx: number;
    ty: number;
    target: Element;
    dragging: boolean;
  } | null = null;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

/**
 * The translation *t* after scrolling by *delta* px along an axis where the drawing spans
 * [lo, hi] (scaled) and the viewport *size* px: its ends stop EDGE px inside the viewport.
 * A drawing that fits does not move; one already past an end may only come back.
 */
export function scrolled(t: number, delta: number, lo: number, hi: number, size: number): number {
  if (hi - lo + 2 * EDGE <= size) {
    return t;
  }
  const first = EDGE - lo; // the drawing's start at the viewport's start
  const last = size - EDGE - hi; // its end at the viewport's end
  const next = t - delta;
  return delta > 0 ? Math.max(next, Math.min(last, t)) : Math.min(next, Math.max(first, t));
}
