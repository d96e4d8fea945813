import type { RefObject } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { ParallaxDriver, type ScrollSpan, blurReach, layerBox, reversedSpan } from "../state/parallax";
import { baseBackground, cssUrl } from "../state/themeStyle";
import type { ParallaxLayer, ThemeSpec } from "../state/types";
import { useReducedMotion } from "./useReducedMotion";

export interface ThemeBackgroundProps {
  /** Null: the built-in look. */
  spec: ThemeSpec | null;
  /** Upload id → image URL. */
  images: Record<string, string>;
  /** The scroller parallax layers follow; without one they rest at their offsets. */
  scroller?: RefObject<HTMLElement | null>;
  /** Changes when the scroller element may have been replaced or refilled (another conversation). */
  scrollerKey?: string;
  /** An image would not load (an expired link, say). */
  onImageError?: () => void;
}

/** What goes inside a `.chat-bg`: the built-in layers, or a theme's colour, gradient, image or parallax layers. */
export function ThemeBackground(props: ThemeBackgroundProps) {
  return props.spec ? <ThemedBackground {...props} spec={props.spec} /> : <BuiltinBackground />;
}

function BuiltinBackground() {
  return (
    <>
      <div class="chat-bg-layer chat-bg-base" data-depth="0" />
      <div class="chat-bg-layer chat-bg-glow" data-depth="0.15" />
      <div class="chat-bg-layer chat-bg-pattern" data-depth="0.35" />
    </>
  );
}

type ImageState = "loading" | "loaded" | "failed";

/** Loads each URL once as an image, to know when it can be shown (and when it cannot). */
function useImageStates(urls: readonly string[], onError: (() => void) | undefined): Record<string, ImageState> {
  const [states, setStates] = useState<Record<string, ImageState>>({});
  const errorRef = useRef(onError);
  errorRef.current = onError;
  const key = urls.join("\n");
  useEffect(() => {
    let live = true;
    const loaders = urls.map((url) => {
      const img = new Image();
      img.decoding = "async";
      img.onload = () => {
        if (live) setStates((s) => ({ ...s, [url]: "loaded" }));
      };
      img.onerror = () => {
        if (!live) return;
        setStates((s) => ({ ...s, [url]: "failed" }));
        errorRef.current?.();
      };
      img.src = url;
      return img;
    });
    return () => {
      live = false;
      for (const img of loaders) {
        img.onload = null;
        img.onerror = null;
      }
    };
    // `key` stands for `urls`.
  }, [key]);
  return states;
}

const AT_REST: ScrollSpan = { min: 0, max: 0 };
const NO_LAYERS: ParallaxLayer[] = [];
const frames = {
  request: (cb: () => void) => requestAnimationFrame(cb),
  cancel: (id: number) => {
    cancelAnimationFrame(id);
  },
};

function ThemedBackground({ spec, images, scroller, scrollerKey, onImageError }: ThemeBackgroundProps & { spec: ThemeSpec }) {
  const reduced = useReducedMotion();
  const bg = spec.background;
  const layers = bg.kind === "parallax" ? bg.layers : NO_LAYERS;
  const moving = Boolean(scroller) && !reduced && layers.length > 0;
  const still = !moving;
  const uploads = bg.kind === "image" ? [bg.upload_id] : layers.map((l) => l.upload_id);
  const urls = uploads.map((id) => images[id]).filter((u): u is string => Boolean(u));
  const states = useImageStates(urls, onImageError);
  const [span, setSpan] = useState<ScrollSpan>(AT_REST);
  const elements = useRef<(HTMLDivElement | null)[]>([]);

  // Transforms only, one scrollTop read per frame: the layers are composited and never re-laid out on scroll.
  const driver = useMemo(
    () =>
      new ParallaxDriver({
        read: () => scroller?.current?.scrollTop ?? 0,
        write: (i, transform) => {
          const el = elements.current[i];
          if (el) el.style.transform = transform;
        },
        frames,
      }),
    [scroller],
  );
  useEffect(() => () => {
    driver.stop();
  }, [driver]);

  // How far the list scrolls decides how tall the layers must be; it changes with the content, not per frame.
  useLayoutEffect(() => {
    const el = scroller?.current;
    if (!el || !moving) {
      setSpan(AT_REST);
      return;
    }
    const measure = () => {
      const range = Math.max(0, el.scrollHeight - el.clientHeight);
      setSpan((s) => (Math.abs(-s.min - range) < 1 ? s : reversedSpan(range)));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    for (const child of Array.from(el.children)) observer.observe(child);
    return () => {
      observer.disconnect();
    };
  }, [scroller, scrollerKey, moving]);

  const layersKey = layers.map((l) => `${l.upload_id}:${l.speed}:${l.offset_x}:${l.offset_y}`).join("|");
  useLayoutEffect(() => {
    driver.set(layers, still);
    // `layersKey` stands for `layers`.
  }, [driver, layersKey, still, scrollerKey]);

  useEffect(() => {
    const el = scroller?.current;
    if (!el || !moving) return;
    el.addEventListener("scroll", driver.onScroll, { passive: true });
    return () => {
      el.removeEventListener("scroll", driver.onScroll);
    };
  }, [driver, scroller, scrollerKey, moving]);

  const imageUrl = bg.kind === "image" ? images[bg.upload_id] : undefined;
  const reach = bg.kind === "image" ? blurReach(bg.blur) : 0;
  return (
    <>
      <div class="chat-bg-layer chat-bg-base" style={{ background: baseBackground(bg) }} />
      {bg.kind === "image" && imageUrl && (
        <div
          class="chat-bg-layer chat-bg-image"
          data-state={states[imageUrl] ?? "loading"}
          style={{
            inset: `${-reach}px`,
            backgroundImage: cssUrl(imageUrl),
            filter: bg.blur > 0 ? `blur(${bg.blur}px)` : "none",
          }}
        />
      )}
      {layers.map((layer, i) => {
        const url = images[layer.upload_id];
        const state = url ? (states[url] ?? "loading") : "failed";
        const box = layerBox(layer, still ? AT_REST : span, still);
        return (
          <div
            key={`${i}:${layer.upload_id}`}
            ref={(el) => {
              elements.current[i] = el;
            }}
            class="chat-bg-layer parallax-layer"
            data-index={i}
            data-speed={layer.speed}
            data-state={state}
            style={{
              top: `${box.top}px`,
              left: `${-box.padX}px`,
              width: `calc(100% + ${2 * box.padX}px)`,
              height: `calc(100% + ${box.extra}px)`,
              backgroundImage: url ? cssUrl(url) : "none",
              backgroundSize: box.padX ? `calc(100% - ${2 * box.padX}px) auto` : "100% auto",
              backgroundPosition: `${box.tileX}px ${box.tileY}px`,
              opacity: state === "loaded" ? layer.opacity : 0,
              filter: layer.blur > 0 ? `blur(${layer.blur}px)` : "none",
            }}
          />
        );
      })}
    </>
  );
}
