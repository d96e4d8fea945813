// Parallax layers: where each is drawn for a scroll position, how big its
// box must be to cover the panel wherever it moves, and a driver that
// moves them at most once per animation frame. No DOM here: the view passes
// in how to read the scroll position, write a transform and wait a frame.

/** What moves a layer; other fields are ignored. */
export interface LayerMotion {
  /** Pixels moved per pixel scrolled: 0 stays put, 1 moves with the messages, negative against them. */
  speed: number;
  offset_x: number;
  offset_y: number;
  /** Blur radius in px: a blurred edge fades, so the box reaches further. */
  blur?: number;
}

/** The scrollTop values a scroller can take. */
export interface ScrollSpan {
  min: number;
  max: number;
}

const round = (v: number) => Math.round(v * 100) / 100 + 0; // + 0 turns -0 into 0

/**
 * A layer's translation at a scroll position: its offsets, minus the scroll
 * times its speed. `still` (reduced motion) keeps it at its offsets.
 */
export function layerShift(layer: LayerMotion, scrollTop: number, still = false): { x: number; y: number } {
  return { x: round(layer.offset_x), y: round(layer.offset_y - (still ? 0 : scrollTop * layer.speed)) };
}

export function layerTransform(layer: LayerMotion, scrollTop: number, still = false): string {
  const { x, y } = layerShift(layer, scrollTop, still);
  return `translate3d(${x}px, ${y}px, 0)`;
}

/**
 * The span of a bottom-anchored (column-reverse) scroller, whose scrollTop
 * is 0 at the newest message and negative above: `range` is
 * scrollHeight - clientHeight.
 */
export function reversedSpan(range: number): ScrollSpan {
  return { min: -Math.max(0, range), max: 0 };
}

/** How far a blur's fade reaches past an edge. */
export function blurReach(blur = 0): number {
  return Math.ceil(Math.max(0, blur) * 3);
}

/**
 * The layer's box, relative to the panel: `top` px from its top, `extra` px
 * taller than it, `padX` px wider on each side, and where the image's first
 * tile starts inside the box (`tileX`, `tileY`; it repeats vertically).
 * At every scroll position in `span` the translated box covers the panel,
 * and the image's top sits at the translation's y.
 */
export interface LayerBox {
  top: number;
  extra: number;
  padX: number;
  tileX: number;
  tileY: number;
}

export function layerBox(layer: LayerMotion, span: ScrollSpan, still = false): LayerBox {
  const pad = blurReach(layer.blur);
  const a = layerShift(layer, still ? 0 : span.min, still).y;
  const b = layerShift(layer, still ? 0 : span.max, still).y;
  const low = Math.min(a, b);
  const high = Math.max(a, b);
  return { top: round(-high - pad), extra: round(high - low + 2 * pad), padX: pad, tileX: pad, tileY: round(high + pad) };
}

// ---------------------------------------------------------------- driver

export interface FrameScheduler {
  request(callback: () => void): number;
  cancel(id: number): void;
}

export interface ParallaxDriverOptions {
  /** The scroller's scrollTop: the only layout value read per frame. */
  read: () => number;
  /** Sets layer `index`'s transform. */
  write: (index: number, transform: string) => void;
  frames: FrameScheduler;
}

/** Moves layers with a scroller: one read and only the changed writes per animation frame. */
export class ParallaxDriver {
  private layers: readonly LayerMotion[] = [];
  private still = false;
  private pending: number | null = null;
  private written: string[] = [];

  constructor(private readonly opts: ParallaxDriverOptions) {}

  /** New layers or motion preference: drawn now. */
  set(layers: readonly LayerMotion[], still: boolean): void {
    this.layers = layers;
    this.still = still;
    this.written = [];
    this.cancel();
    this.draw();
  }

  /** A scroll happened: draw on the next frame (once, however many scrolls come first). */
  readonly onScroll = (): void => {
    if (this.still || this.pending !== null || this.layers.length === 0) return;
    this.pending = this.opts.frames.request(() => {
      this.pending = null;
      this.draw();
    });
  };

  /** Draws for the current position now; `force` rewrites every layer (the view replaced their elements, say). */
  draw(force = false): void {
    if (force) this.written = [];
    const scrollTop = this.still || this.layers.length === 0 ? 0 : this.opts.read();
    this.layers.forEach((layer, i) => {
      const transform = layerTransform(layer, scrollTop, this.still);
      if (this.written[i] === transform) return;
      this.written[i] = transform;
      this.opts.write(i, transform);
    });
  }

  stop(): void {
    this.cancel();
    this.layers = [];
  }

  private cancel(): void {
    if (this.pending !== null) this.opts.frames.cancel(this.pending);
    this.pending = null;
  }
}
