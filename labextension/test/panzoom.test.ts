/**
 * PanZoom: where fit, focus, centre and zoom put the drawing in a 400 × 300 px viewport.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

import { MAX_SCALE, MIN_SCALE, PanZoom, scrolled } from '../src/dag/panzoom';
import { IRect } from '../src/dag/types';

const W = 400;
const H = 300;

/** The transform applies at the next animation frame: here, at once. */
globalThis.requestAnimationFrame = (callback: FrameRequestCallback): number => {
  callback(0);
  return 0;
};
globalThis.cancelAnimationFrame = () => undefined;

function makePanZoom(): { pz: PanZoom; viewport: HTMLElement; camera: SVGGElement } {
  const classes = new Set<string>();
  const viewport = {
    clientWidth: W,
    clientHeight: H,
    dataset: {},
    classList: {
      toggle: (name: string, on: boolean) => (on ? classes.add(name) : classes.delete(name)),
      contains: (name: string) => classes.has(name)
    },
    addEventListener: () => undefined,
    removeEventListener: () => undefined
  } as unknown as HTMLElement;
  const camera = { style: {} } as unknown as SVGGElement;
  return { pz: new PanZoom(viewport, camera, () => undefined), viewport, camera };
}

/** Where drawing point (x, y) appears in the viewport. */
function screen(pz: PanZoom, x: number, y: number): [number, number] {
  return [x * pz.k + pz.tx, y * pz.k + pz.ty];
}

function near(actual: number, expected: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);
}

describe('PanZoom', () => {
  let pz: PanZoom;
  let viewport: HTMLElement;
  let camera: SVGGElement;
  beforeEach(() => {
    ({ pz, viewport, camera } = makePanZoom());
  });

  it('fits a rectangle with a margin, centred, at no more than the largest scale', () => {
    const rect: IRect = { x: 100, y: 50, w: 736, h: 100 };
    pz.fit(rect);
    near(pz.k, (W - 32) / 736, 'scale');
    const [cx, cy] = screen(pz, rect.x + rect.w / 2, rect.y + rect.h / 2);
    near(cx, W / 2, 'x');
    near(cy, H / 2, 'y');
    pz.fit({ x: 0, y: 0, w: 10, h: 10 });
    assert.equal(pz.k, 1, 'a small drawing is not blown up');
  });

  it('keeps the scale between MIN_SCALE and MAX_SCALE', () => {
    assert.equal(pz.fitScale({ x: 0, y: 0, w: 1e7, h: 1e7 }), MIN_SCALE);
    assert.equal(pz.fitScale({ x: 0, y: 0, w: 1, h: 1 }), MAX_SCALE);
    pz.zoomBy(1000);
    assert.equal(pz.k, MAX_SCALE);
  });

  it('focuses a group that fits whole and centred', () => {
    const rect: IRect = { x: 6, y: 140, w: 134, h: 200 };
    pz.focus(rect, 'TB');
    near(pz.k, 1, 'scale');
    const [cx, cy] = screen(pz, rect.x + rect.w / 2, rect.y + rect.h / 2);
    near(cx, W / 2, 'x');
    near(cy, H / 2, 'y');
  });

  it('shows the start of a group too long to read whole: top edge in a TB drawing', () => {
    const rect: IRect = { x: 6, y: 140, w: 134, h: 4000 };
    pz.focus(rect, 'TB', 0.45);
    near(pz.k, 0.45, 'scale');
    const [cx, top] = screen(pz, rect.x + rect.w / 2, rect.y);
    near(cx, W / 2, 'centred across the flow');
    near(top, 24, 'its top 24 px below the viewport top');
  });

  it('shows the start of a group too long to read whole: left edge in an LR drawing', () => {
    const rect: IRect = { x: 300, y: 10, w: 5000, h: 120 };
    pz.focus(rect, 'LR', 0.5);
    near(pz.k, 0.5, 'scale');
    const [left, cy] = screen(pz, rect.x, rect.y + rect.h / 2);
    near(left, 24, 'its left edge 24 px right of the viewport edge');
    near(cy, H / 2, 'centred across the flow');
  });

  it('zooms around a fixed viewport point', () => {
    pz.set(1, 30, -20);
    const before = [(120 - pz.tx) / pz.k, (80 - pz.ty) / pz.k];
    pz.zoomAt(120, 80, 2);
    near(pz.k, 2, 'scale');
    const [x, y] = screen(pz, before[0], before[1]);
    near(x, 120, 'x');
    near(y, 80, 'y');
  });

  it('writes the transform and marks far-out views', () => {
    pz.set(0.25, 10, 20);
    pz.flush();
    assert.equal(camera.style.transform, 'translate(10px, 20px) scale(0.25)');
    assert.equal(viewport.dataset.scale, '0.250');
    assert.equal(viewport.classList.contains('dln-dag-far'), true);
    pz.centre(0, 0, 1);
    assert.equal(viewport.classList.contains('dln-dag-far'), false);
  });

  it('fits a tall drawing across the flow with its top in view, not as a strip', () => {
    const tall: IRect = { x: 0, y: 0, w: 176, h: 5000 };
    pz.fitAcross(tall, 'TB');
    near(pz.k, 1, 'no larger than the largest scale');
    const [cx, top] = screen(pz, tall.w / 2, 0);
    near(cx, W / 2, 'centred across');
    near(top, 24, 'its top 24 px below the viewport top');
    const wide: IRect = { x: 0, y: 0, w: 1200, h: 5000 };
    pz.fitAcross(wide, 'TB');
    near(pz.k, (W - 48) / 1200, 'the whole width');
    const small: IRect = { x: 0, y: 0, w: 100, h: 100 };
    pz.fitAcross(small, 'TB');
    near(pz.k, 1, 'scale');
    near(screen(pz, 50, 50)[1], H / 2, 'a drawing that fits is centred');
    pz.fitAcross({ x: 0, y: 0, w: 5000, h: 176 }, 'LR');
    near(pz.k, 1, 'LR: fits the height');
    near(screen(pz, 0, 0)[0], 24, 'LR: its left edge in view');
  });

  it('scrolls within the drawing, then no further', () => {
    pz.bounds = { x: 0, y: 0, w: 200, h: 1000 };
    pz.set(1, 100, 24); // the top in view
    assert.equal(pz.scrollBy(0, -50), false, 'nothing above the top');
    assert.equal(pz.scrollBy(30, 0), false, 'the width fits: no sideways scroll');
    assert.equal(pz.scrollBy(0, 300), true);
    near(pz.ty, -276, 'scrolled down');
    assert.equal(pz.scrollBy(0, 5000), true);
    near(pz.ty, H - 24 - 1000, 'stops with the bottom 24 px above the viewport bottom');
    assert.equal(pz.scrollBy(0, 10), false, 'then lets the page scroll');
    pz.bounds = null;
    assert.equal(pz.scrollBy(0, -10), false);
  });

  it('lets a drawing pushed past an end only come back', () => {
    // span [0, 1000] in a 300 px viewport: the translation stays within [-724, 24]
    assert.equal(scrolled(100, 10, 0, 1000, 300), 90);
    assert.equal(scrolled(100, -10, 0, 1000, 300), 100, 'already past the start');
    assert.equal(scrolled(-800, 10, 0, 1000, 300), -800, 'already past the end');
    assert.equal(scrolled(-800, -10, 0, 1000, 300), -790);
    assert.equal(scrolled(0, 500, 0, 200, 300), 0, 'a drawing that fits stays');
  });
});
