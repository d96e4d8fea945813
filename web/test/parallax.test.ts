import { describe, expect, it, vi } from "vitest";
import { type FrameScheduler, type LayerMotion, ParallaxDriver, blurReach, layerBox, layerShift, layerTransform, reversedSpan } from "../src/state/parallax";

const far: LayerMotion = { speed: 0.2, offset_x: 0, offset_y: 0 };
const near: LayerMotion = { speed: 0.8, offset_x: 12, offset_y: -30 };

describe("layer positions", () => {
  it("moves each layer by the scroll times its speed, from its offsets", () => {
    // Scrolling up a bottom-anchored list makes scrollTop negative: layers move down.
    expect(layerShift(far, -500)).toEqual({ x: 0, y: 100 });
    expect(layerShift(near, -500)).toEqual({ x: 12, y: 370 });
    expect(layerTransform(near, -500)).toBe("translate3d(12px, 370px, 0)");
    expect(layerShift({ speed: -1, offset_x: 0, offset_y: 0 }, -100)).toEqual({ x: 0, y: -100 });
    expect(layerShift({ speed: 0, offset_x: 0, offset_y: 5 }, -1000)).toEqual({ x: 0, y: 5 });
    expect(layerShift({ speed: 1, offset_x: 0, offset_y: 0 }, -321)).toEqual({ x: 0, y: 321 });
  });

  it("moves layers apart in proportion to their speeds", () => {
    const d = (l: LayerMotion) => layerShift(l, -640).y - layerShift(l, -40).y;
    expect(d(near) / d(far)).toBeCloseTo(4, 10);
  });

  it("keeps layers at their offsets when motion is reduced", () => {
    expect(layerShift(near, -500, true)).toEqual({ x: 12, y: -30 });
    expect(layerTransform(far, -9999, true)).toBe("translate3d(0px, 0px, 0)");
  });

  it("never writes -0 and rounds to hundredths", () => {
    expect(layerTransform({ speed: 0.5, offset_x: 0, offset_y: 0 }, 0)).toBe("translate3d(0px, 0px, 0)");
    expect(layerShift({ speed: 0.333, offset_x: 0, offset_y: 0 }, -10).y).toBe(3.33);
  });
});

describe("layer boxes", () => {
  const H = 700;
  /** The translated box covers the panel [0, H] at this scroll position, and the image's top is at the translation. */
  function covers(layer: LayerMotion, scrollTop: number, range: number, still = false) {
    const box = layerBox(layer, reversedSpan(range), still);
    const { x, y } = layerShift(layer, scrollTop, still);
    const top = box.top + y;
    const bottom = top + H + box.extra;
    const left = -box.padX + x;
    const tileTop = top + box.tileY;
    return { top, bottom, left, tileTop, box };
  }

  it("covers the panel at every scroll position for any speed and offset", () => {
    const layers: LayerMotion[] = [far, near, { speed: -1.5, offset_x: 0, offset_y: 40 }, { speed: 2, offset_x: 0, offset_y: -4096, blur: 8 }, { speed: 0, offset_x: 0, offset_y: 300 }];
    for (const layer of layers) {
      for (const range of [0, 1, 850, 12000]) {
        for (const t of [0, 0.25, 0.5, 1]) {
          const s = -range * t;
          const { top, bottom, tileTop } = covers(layer, s, range);
          expect(top, `${JSON.stringify(layer)} at ${s}`).toBeLessThanOrEqual(0);
          expect(bottom).toBeGreaterThanOrEqual(H);
          expect(tileTop).toBeCloseTo(layerShift(layer, s).y, 6);
        }
      }
    }
  });

  it("is only as tall as the movement needs", () => {
    expect(layerBox(far, reversedSpan(1000)).extra).toBe(200);
    expect(layerBox({ speed: -1.5, offset_x: 0, offset_y: 0 }, reversedSpan(1000)).extra).toBe(1500);
    expect(layerBox({ speed: 0, offset_x: 0, offset_y: 0 }, reversedSpan(1000)).extra).toBe(0);
  });

  it("is the panel's size, at its offset, when still", () => {
    const { top, bottom, tileTop, box } = covers(near, -800, 1000, true);
    expect([top, bottom, box.extra]).toEqual([0, H, 0]);
    expect(tileTop).toBe(-30);
  });

  it("reaches past the edges by a blur's fade", () => {
    expect(blurReach(0)).toBe(0);
    expect(blurReach(4)).toBe(12);
    const { top, bottom, left, box } = covers({ ...far, blur: 4 }, 0, 0);
    expect(top).toBe(-12);
    expect(bottom).toBe(H + 12);
    expect(left).toBe(-12);
    expect(box.tileX).toBe(12);
  });
});

describe("parallax driver", () => {
  function setup() {
    let scrollTop = 0;
    const queue = new Map<number, () => void>();
    let nextId = 1;
    const frames: FrameScheduler = {
      request: (cb) => {
        queue.set(nextId, cb);
        return nextId++;
      },
      cancel: (id) => queue.delete(id),
    };
    const read = vi.fn(() => scrollTop);
    const writes: [number, string][] = [];
    const driver = new ParallaxDriver({ read, write: (i, t) => writes.push([i, t]), frames });
    const flush = () => {
      const cbs = [...queue.values()];
      queue.clear();
      for (const cb of cbs) cb();
    };
    return { driver, read, writes, flush, queue, scrollTo: (v: number) => (scrollTop = v) };
  }

  it("draws at once, then once per frame however many scroll events come", () => {
    const { driver, read, writes, flush, queue, scrollTo } = setup();
    driver.set([far, near], false);
    expect(writes).toEqual([
      [0, "translate3d(0px, 0px, 0)"],
      [1, "translate3d(12px, -30px, 0)"],
    ]);
    writes.length = 0;
    read.mockClear();
    for (let i = 1; i <= 10; i++) {
      scrollTo(-10 * i);
      driver.onScroll();
    }
    expect(queue.size).toBe(1);
    expect(read).not.toHaveBeenCalled();
    flush();
    expect(read).toHaveBeenCalledTimes(1);
    expect(writes).toEqual([
      [0, "translate3d(0px, 20px, 0)"],
      [1, "translate3d(12px, 50px, 0)"],
    ]);
  });

  it("writes only the layers that moved", () => {
    const { driver, writes, flush, scrollTo } = setup();
    driver.set([{ speed: 0, offset_x: 0, offset_y: 0 }, near], false);
    writes.length = 0;
    scrollTo(-100);
    driver.onScroll();
    flush();
    expect(writes.map(([i]) => i)).toEqual([1]);
  });

  it("does not move layers when motion is reduced", () => {
    const { driver, read, writes, queue, scrollTo } = setup();
    scrollTo(-400);
    driver.set([far, near], true);
    expect(writes.map(([, t]) => t)).toEqual(["translate3d(0px, 0px, 0)", "translate3d(12px, -30px, 0)"]);
    driver.onScroll();
    expect(queue.size).toBe(0);
    expect(read).not.toHaveBeenCalled();
  });

  it("cancels a pending frame when stopped or given new layers", () => {
    const { driver, queue } = setup();
    driver.set([far], false);
    driver.onScroll();
    expect(queue.size).toBe(1);
    driver.stop();
    expect(queue.size).toBe(0);
    driver.onScroll();
    expect(queue.size).toBe(0);
  });

  it("rewrites everything when forced (new elements)", () => {
    const { driver, writes } = setup();
    driver.set([far, near], false);
    writes.length = 0;
    driver.draw();
    expect(writes).toEqual([]);
    driver.draw(true);
    expect(writes).toHaveLength(2);
  });
});
