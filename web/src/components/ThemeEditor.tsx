import type { ComponentChildren, TargetedKeyboardEvent, TargetedSubmitEvent } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { type Api, ApiError } from "../state/api";
import { MIN_CONTRAST, checkContrast, formatRatio, normalizeColor } from "../state/color";
import { formatBytes } from "../state/emoji";
import {
  CONTRAST_PAIRS,
  type Draft,
  MAX_LAYERS,
  MAX_STOPS,
  MAX_THEME_EMOJI,
  MIN_STOPS,
  NAME_MAX,
  type Problems,
  RANGES,
  addLayer,
  describeSpeed,
  draftFromTheme,
  draftProblems,
  moveLayer,
  newDraft,
  previewSpec,
  removeEmoji,
  removeLayer,
  serverProblem,
  specFromDraft,
  toggleEmoji,
  updateLayer,
} from "../state/themeDraft";
import { themeErrorMessage } from "../state/themeLibrary";
import { backgroundTone, themeVars } from "../state/themeStyle";
import { moveInGrid } from "../state/shortcode";
import type { BackgroundKind, ColorKey, EmojiView, ParallaxLayer, Theme, ThemeSpec, UploadView } from "../state/types";
import {
  BACKGROUND_TYPES,
  type UploadProgress,
  apiTransport,
  backgroundDimensionsProblem,
  backgroundErrorMessage,
  backgroundFileProblem,
  sniffImageType,
  uploadFile,
} from "../state/upload";
import { BackIcon, CheckIcon, ChevronDownIcon, ChevronUpIcon, CloseIcon, ImageIcon, PlusIcon, TrashIcon } from "./icons";
import { EmojiImg, gridColumns, useEmoji } from "./EmojiText";
import { ThemeBackground } from "./ThemeBackground";
import { useThemes } from "./themeKit";

export interface ThemeEditorProps {
  api: Api;
  /** Null: a new theme. */
  theme: Theme | null;
  /** Back to the list, with the saved theme (null: cancelled). */
  onDone: (saved: Theme | null) => void;
}

const KINDS: { kind: BackgroundKind; label: string }[] = [
  { kind: "color", label: "Colour" },
  { kind: "gradient", label: "Gradient" },
  { kind: "image", label: "Image" },
  { kind: "parallax", label: "Parallax" },
];

const COLOR_LABELS: Record<ColorKey, string> = {
  accent: "Accent",
  own_bubble: "Bubble",
  own_text: "Text",
  other_bubble: "Bubble",
  other_text: "Text",
};

/** Where each field the server (or the draft) can name lives in the form. */
function fieldTarget(field: string): { id: string; label: string } {
  const color = /^colors\.(\w+)$/.exec(field);
  if (color?.[1]) {
    const k = color[1] as ColorKey;
    const whose = k.startsWith("own") ? "Your " : k.startsWith("other") ? "Their " : "";
    return { id: `color-${k}-text`, label: `${whose}${COLOR_LABELS[k].toLowerCase()}`.replace(/^./, (c) => c.toUpperCase()) };
  }
  const stop = /^background\.stops\[(\d+)\]$/.exec(field);
  if (stop?.[1]) return { id: `stop-${stop[1]}-text`, label: `Gradient colour ${Number(stop[1]) + 1}` };
  const layer = /^background\.layers\[(\d+)\]\.(\w+)$/.exec(field);
  if (layer?.[1] && layer[2]) return { id: `layer-${layer[1]}-${layer[2]}`, label: `Layer ${Number(layer[1]) + 1} ${layer[2].replace("_", " ")}` };
  switch (field) {
    case "name":
      return { id: "theme-name", label: "Name" };
    case "background.color":
      return { id: "bg-color-text", label: "Background colour" };
    case "background.angle":
      return { id: "bg-angle", label: "Gradient angle" };
    case "background.stops":
      return { id: "stop-0-text", label: "Gradient colours" };
    case "background.upload_id":
      return { id: "bg-upload", label: "Image" };
    case "background.blur":
      return { id: "bg-image-blur", label: "Blur" };
    case "background.layers":
      return { id: "bg-upload", label: "Layers" };
    case "emoji":
      return { id: "theme-emoji-add", label: "Emoji set" };
    default:
      return { id: "theme-name", label: field };
  }
}

export function ThemeEditor({ api, theme, onDone }: ThemeEditorProps) {
  const { library } = useThemes();
  const { cache } = useEmoji();
  const initial = useMemo(() => (theme ? draftFromTheme(theme) : newDraft()), [theme]);
  const [draft, setDraft] = useState<Draft>(initial);
  const [uploads, setUploads] = useState<UploadView[]>([]);
  const [uploadsState, setUploadsState] = useState<"loading" | "ready" | "failed">("loading");
  const [serverProblems, setServerProblems] = useState<Problems>({});
  const [generalError, setGeneralError] = useState("");
  const [saving, setSaving] = useState(false);
  const nameInput = useRef<HTMLInputElement>(null);

  function loadUploads() {
    api.uploads().then(
      (list) => {
        setUploads(list.uploads.filter((u) => u.kind === "background" && u.state === "ready"));
        setUploadsState("ready");
      },
      () => {
        setUploadsState("failed");
      },
    );
  }
  useEffect(loadUploads, [api]);
  // In the task that shows the form, so keys typed at once go to the name.
  useLayoutEffect(() => {
    nameInput.current?.focus();
  }, []);

  const images = useMemo(() => {
    const map: Record<string, string> = { ...(theme?.images ?? {}) };
    for (const u of uploads) if (u.url) map[u.upload_id] = u.url;
    return map;
  }, [theme, uploads]);

  const isGone = (id: string) => cache.peek(id)?.status === "gone";
  const problems = { ...draftProblems(draft, isGone), ...serverProblems };
  const problemFields = Object.keys(problems);
  const spec = useMemo(() => previewSpec(draft, initial), [draft, initial]);

  function change(patch: Partial<Draft> | ((d: Draft) => Partial<Draft>)) {
    setDraft((d) => ({ ...d, ...(typeof patch === "function" ? patch(d) : patch) }));
    setServerProblems({});
    setGeneralError("");
  }

  async function save(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (saving) return;
    const first = Object.keys(draftProblems(draft, isGone))[0];
    if (first) {
      document.getElementById(fieldTarget(first).id)?.focus();
      return;
    }
    setSaving(true);
    setGeneralError("");
    const out = specFromDraft(draft);
    try {
      const saved = theme ? await library.update(theme.theme_id, out) : await library.create(out);
      onDone(saved);
    } catch (e) {
      if (e instanceof ApiError && (e.code === "invalid_theme" || e.code === "low_contrast")) {
        const { field, text, missing } = serverProblem(e.message, out.emoji ?? []);
        if (missing) {
          // Deleted since it was listed: shown as such here and in messages.
          cache.markGone(missing);
          document.getElementById(`theme-emoji-${out.emoji?.indexOf(missing) ?? 0}-remove`)?.focus();
        }
        if (field) {
          setServerProblems({ [field]: text });
          if (!missing) document.getElementById(fieldTarget(field).id)?.focus();
        } else setGeneralError(text);
      } else {
        setGeneralError(themeErrorMessage(e));
      }
    } finally {
      setSaving(false);
    }
  }

  const p = (field: string) => problems[field];
  return (
    <div class="theme-editor">
      <div class="editor-topbar">
        <button
          type="button"
          class="button ghost small"
          onClick={() => {
            onDone(null);
          }}
        >
          <BackIcon class="button-icon" />
          My themes
        </button>
        <h3 id="editor-title">{theme ? `Edit “${theme.name}”` : "New theme"}</h3>
      </div>
      <div class="editor-layout">
        <EditorPreview spec={spec} images={images} />
        <form id="theme-form" class="editor-form" onSubmit={(e) => void save(e)} aria-labelledby="editor-title" noValidate>
          <div class="field">
            <label for="theme-name">Name</label>
            <input
              ref={nameInput}
              id="theme-name"
              name="name"
              autocomplete="off"
              maxLength={NAME_MAX * 2}
              placeholder="Midnight garden"
              value={draft.name}
              aria-invalid={Boolean(draft.name && p("name"))}
              aria-describedby="theme-name-msg"
              onInput={(e) => {
                change({ name: e.currentTarget.value });
              }}
            />
            <p id="theme-name-msg" class={draft.name && p("name") ? "field-error" : "field-hint"}>
              {draft.name && p("name") ? p("name") : `${Array.from(draft.name.trim()).length}/${NAME_MAX}`}
            </p>
          </div>

          <fieldset class="editor-section">
            <legend>Colours</legend>
            <ColorField
              id="color-accent"
              label="Accent"
              hint="Send button, links, highlights"
              value={draft.colors.accent}
              problem={p("colors.accent")}
              onChange={(v) => {
                change((d) => ({ colors: { ...d.colors, accent: v } }));
              }}
            />
            {CONTRAST_PAIRS.map(({ text, bubble }) => {
              const own = text === "own_text";
              const check = checkContrast(draft.colors[text], draft.colors[bubble]);
              return (
                <div key={text} class="color-pair">
                  <h4 class="color-pair-title">{own ? "Your messages" : "Their messages"}</h4>
                  <div class="color-pair-fields">
                    <ColorField
                      id={`color-${bubble}`}
                      label={`${own ? "Your" : "Their"} bubble`}
                      value={draft.colors[bubble]}
                      problem={p(`colors.${bubble}`)}
                      onChange={(v) => {
                        change((d) => ({ colors: { ...d.colors, [bubble]: v } }));
                      }}
                    />
                    <ColorField
                      id={`color-${text}`}
                      label={`${own ? "Your" : "Their"} text`}
                      value={draft.colors[text]}
                      problem={p(`colors.${text}`)}
                      onChange={(v) => {
                        change((d) => ({ colors: { ...d.colors, [text]: v } }));
                      }}
                    />
                  </div>
                  <div
                    id={`contrast-${own ? "own" : "other"}`}
                    class={`contrast-readout${check ? (check.passes ? " pass" : " fail") : ""}`}
                    data-pass={check ? String(check.passes) : ""}
                    aria-live="polite"
                  >
                    <span
                      class="contrast-sample"
                      aria-hidden="true"
                      style={{ background: normalizeColor(draft.colors[bubble]) ?? undefined, color: normalizeColor(draft.colors[text]) ?? undefined }}
                    >
                      Aa
                    </span>
                    <span class="contrast-ratio">{check ? formatRatio(check.ratio) : "–"}</span>
                    <span class="contrast-verdict">
                      {check ? (check.passes ? "Readable (AA)" : `Too faint: needs ${MIN_CONTRAST}:1`) : "Enter both colours"}
                    </span>
                  </div>
                </div>
              );
            })}
          </fieldset>

          <fieldset class="editor-section">
            <legend>Background</legend>
            <div class="kind-picker" role="radiogroup" aria-label="Background kind">
              {KINDS.map(({ kind, label }) => (
                <label key={kind} class={`kind-option${draft.kind === kind ? " checked" : ""}`}>
                  <input
                    type="radio"
                    name="background-kind"
                    value={kind}
                    checked={draft.kind === kind}
                    onChange={() => {
                      change({ kind });
                    }}
                  />
                  <span class={`kind-swatch kind-${kind}`} aria-hidden="true" />
                  {label}
                </label>
              ))}
            </div>
            {draft.kind === "color" && (
              <ColorField
                id="bg-color"
                label="Background colour"
                value={draft.color}
                problem={p("background.color")}
                onChange={(v) => {
                  change({ color: v });
                }}
              />
            )}
            {draft.kind === "gradient" && <GradientFields draft={draft} problems={problems} change={change} />}
            {draft.kind === "image" && (
              <>
                <BackgroundPicker
                  api={api}
                  uploads={uploads}
                  uploadsState={uploadsState}
                  mode="single"
                  selected={draft.image}
                  full={false}
                  problem={p("background.upload_id")}
                  onUploaded={(view) => {
                    if (view.url) setUploads((list) => [view, ...list.filter((u) => u.upload_id !== view.upload_id)]);
                    else loadUploads();
                  }}
                  onPick={(id) => {
                    change({ image: id });
                  }}
                />
                <Slider
                  id="bg-image-blur"
                  label="Blur"
                  min={RANGES.blur.min}
                  max={RANGES.blur.max}
                  step={0.5}
                  value={draft.imageBlur}
                  format={(v) => `${v} px`}
                  problem={p("background.blur")}
                  onChange={(v) => {
                    change({ imageBlur: v });
                  }}
                />
              </>
            )}
            {draft.kind === "parallax" && (
              <ParallaxFields
                api={api}
                draft={draft}
                problems={problems}
                images={images}
                uploads={uploads}
                uploadsState={uploadsState}
                change={change}
                onUploaded={(view) => {
                  if (view.url) setUploads((list) => [view, ...list.filter((u) => u.upload_id !== view.upload_id)]);
                  else loadUploads();
                }}
              />
            )}
          </fieldset>

          <EmojiSetFields
            ids={draft.emoji}
            problem={p("emoji")}
            onChange={(next) => {
              change((d) => ({ emoji: next(d.emoji) }));
            }}
          />

          <div class="editor-footer">
            {problemFields.length > 0 && (
              <div id="theme-problems" class="problem-summary" role="status">
                <p>
                  {problemFields.length === 1 ? "One thing to fix before saving:" : `${problemFields.length} things to fix before saving:`}
                </p>
                <ul>
                  {problemFields.map((field) => {
                    const target = fieldTarget(field);
                    return (
                      <li key={field} data-field={field}>
                        <button
                          type="button"
                          class="button link small"
                          onClick={() => {
                            document.getElementById(target.id)?.focus();
                          }}
                        >
                          {target.label}
                        </button>
                        : {problems[field]}
                      </li>
                    );
                  })}
                </ul>
              </div>
            )}
            <p id="theme-error" class="form-error" role="alert">
              {generalError}
            </p>
            <div class="editor-actions">
              <button
                type="button"
                class="button ghost"
                onClick={() => {
                  onDone(null);
                }}
              >
                Cancel
              </button>
              <button
                type="submit"
                id="theme-save"
                class="button primary"
                disabled={saving || problemFields.length > 0}
                aria-describedby={problemFields.length ? "theme-problems" : undefined}
              >
                {saving ? "Saving…" : theme ? "Save changes" : "Save theme"}
              </button>
            </div>
          </div>
        </form>
      </div>
    </div>
  );
}

// ---------------------------------------------------------------- fields

interface ColorFieldProps {
  id: string;
  label: string;
  hint?: string;
  value: string;
  problem: string | undefined;
  onChange: (value: string) => void;
  children?: ComponentChildren;
}

/** A colour picker and the same colour as text (any form the server reads). */
function ColorField({ id, label, hint, value, problem, onChange, children }: ColorFieldProps) {
  const hex = normalizeColor(value);
  const [swatch, setSwatch] = useState(hex ?? "#000000");
  useEffect(() => {
    if (hex) setSwatch(hex);
  }, [hex]);
  const messageId = `${id}-msg`;
  return (
    <div class={`color-field${problem ? " invalid" : ""}`}>
      <label for={`${id}-text`}>{label}</label>
      <div class="color-input">
        <input
          type="color"
          id={`${id}-swatch`}
          class="color-swatch"
          value={swatch}
          aria-label={`${label}: colour picker`}
          onInput={(e) => {
            onChange(e.currentTarget.value);
          }}
        />
        <input
          type="text"
          id={`${id}-text`}
          class="color-text"
          value={value}
          spellcheck={false}
          autocomplete="off"
          autocapitalize="none"
          aria-invalid={Boolean(problem)}
          aria-describedby={messageId}
          onInput={(e) => {
            onChange(e.currentTarget.value);
          }}
        />
        {children}
      </div>
      <p id={messageId} class={problem ? "field-error" : "field-hint"}>
        {problem ?? hint ?? ""}
      </p>
    </div>
  );
}

interface SliderProps {
  id: string;
  label: string;
  min: number;
  max: number;
  step: number;
  value: number;
  format: (v: number) => string;
  problem?: string | undefined;
  hint?: string;
  onChange: (v: number) => void;
}

function Slider({ id, label, min, max, step, value, format, problem, hint, onChange }: SliderProps) {
  const text = format(value);
  return (
    <div class={`slider-field${problem ? " invalid" : ""}`}>
      <div class="slider-head">
        <label for={id}>{label}</label>
        <output id={`${id}-out`} for={id} class="slider-value">
          {text}
        </output>
      </div>
      <input
        type="range"
        id={id}
        min={min}
        max={max}
        step={step}
        value={value}
        aria-valuetext={text}
        aria-describedby={problem || hint ? `${id}-msg` : undefined}
        onInput={(e) => {
          onChange(Number(e.currentTarget.value));
        }}
      />
      {(problem || hint) && (
        <p id={`${id}-msg`} class={problem ? "field-error" : "field-hint"}>
          {problem ?? hint}
        </p>
      )}
    </div>
  );
}

interface DraftFieldsProps {
  draft: Draft;
  problems: Problems;
  change: (patch: Partial<Draft> | ((d: Draft) => Partial<Draft>)) => void;
}

function GradientFields({ draft, problems, change }: DraftFieldsProps) {
  const spec = previewSpec(draft);
  const stops = spec.background.kind === "gradient" ? spec.background.stops : [];
  return (
    <div class="gradient-fields">
      <div class="gradient-bar" aria-hidden="true" style={{ background: `linear-gradient(90deg, ${stops.join(", ")})` }} />
      <Slider
        id="bg-angle"
        label="Angle"
        min={RANGES.angle.min}
        max={RANGES.angle.max}
        step={1}
        value={draft.angle}
        format={(v) => `${v}°`}
        problem={problems["background.angle"]}
        onChange={(v) => {
          change({ angle: v });
        }}
      />
      <ol class="stop-list" aria-label="Gradient colours">
        {draft.stops.map((stop, i) => (
          <li key={i} class="stop-row">
            <ColorField
              id={`stop-${i}`}
              label={`Colour ${i + 1}`}
              value={stop}
              problem={problems[`background.stops[${i}]`]}
              onChange={(v) => {
                change((d) => ({ stops: d.stops.map((s, j) => (j === i ? v : s)) }));
              }}
            >
              <button
                type="button"
                class="icon-button small-icon"
                aria-label={`Remove colour ${i + 1}`}
                disabled={draft.stops.length <= MIN_STOPS}
                onClick={() => {
                  change((d) => ({ stops: d.stops.filter((_, j) => j !== i) }));
                  requestAnimationFrame(() => document.getElementById(`stop-${Math.max(0, i - 1)}-text`)?.focus());
                }}
              >
                <TrashIcon />
              </button>
            </ColorField>
          </li>
        ))}
      </ol>
      <button
        type="button"
        class="button secondary small"
        disabled={draft.stops.length >= MAX_STOPS}
        onClick={() => {
          change((d) => ({ stops: [...d.stops, d.stops[d.stops.length - 1] ?? "#ffffff"] }));
          requestAnimationFrame(() => document.getElementById(`stop-${draft.stops.length}-text`)?.focus());
        }}
      >
        <PlusIcon class="button-icon" />
        Add colour
      </button>
      <p class="field-hint">
        {MIN_STOPS}–{MAX_STOPS} colours, blended in a line at the angle.
      </p>
    </div>
  );
}

// -------------------------------------------------------------- parallax

interface ParallaxFieldsProps extends DraftFieldsProps {
  api: Api;
  images: Record<string, string>;
  uploads: UploadView[];
  uploadsState: "loading" | "ready" | "failed";
  onUploaded: (view: UploadView) => void;
}

function ParallaxFields({ api, draft, problems, change, images, uploads, uploadsState, onUploaded }: ParallaxFieldsProps) {
  const layers = draft.layers;
  // Layers are often mostly transparent: show them on the colour behind them.
  const backdrop = normalizeColor(draft.color) ?? undefined;
  const full = layers.length >= MAX_LAYERS;
  /** After a move, focus follows the moved layer's button. */
  const focusAfter = useRef<string | null>(null);
  useLayoutEffect(() => {
    const id = focusAfter.current;
    if (!id) return;
    focusAfter.current = null;
    const el = document.getElementById(id) as HTMLButtonElement | null;
    if (el && !el.disabled) el.focus();
    else document.getElementById(id.replace(/-(up|down)$/, (_, d: string) => (d === "up" ? "-down" : "-up")))?.focus();
  });

  const setLayers = (next: ParallaxLayer[]) => {
    change({ layers: next });
  };

  return (
    <div class="parallax-fields">
      <ColorField
        id="bg-color"
        label="Colour behind the layers"
        value={draft.color}
        problem={problems["background.color"]}
        onChange={(v) => {
          change({ color: v });
        }}
      />
      <div class="layers-head">
        <h4 id="layers-title">
          Layers <span class="layers-count">{layers.length}/{MAX_LAYERS}</span>
        </h4>
        <p class="field-hint">Front first. Speed 0 stays put, 1 moves with the messages; slower layers feel further away.</p>
      </div>
      {problems["background.layers"] && <p class="field-error">{problems["background.layers"]}</p>}
      {layers.length > 0 && (
        <ol id="layer-list" class="layer-list" aria-labelledby="layers-title">
          {layers
            .map((layer, i) => ({ layer, i }))
            .reverse()
            .map(({ layer, i }) => (
              <LayerRow
                key={`${i}:${layer.upload_id}`}
                layer={layer}
                index={i}
                count={layers.length}
                url={images[layer.upload_id]}
                backdrop={backdrop}
                problems={problems}
                onChange={(patch) => {
                  setLayers(updateLayer(layers, i, patch));
                }}
                onMove={(delta) => {
                  focusAfter.current = `layer-${i + delta}-${delta > 0 ? "up" : "down"}`;
                  setLayers(moveLayer(layers, i, delta));
                }}
                onRemove={() => {
                  setLayers(removeLayer(layers, i));
                  requestAnimationFrame(() => {
                    const next = Math.min(i, layers.length - 2);
                    document.getElementById(next >= 0 ? `layer-${next}-remove` : "bg-upload")?.focus();
                  });
                }}
              />
            ))}
        </ol>
      )}
      <BackgroundPicker
        api={api}
        uploads={uploads}
        uploadsState={uploadsState}
        mode="add"
        backdrop={backdrop}
        selected={null}
        full={full}
        problem={undefined}
        onUploaded={onUploaded}
        onPick={(id) => {
          change((d) => ({ layers: addLayer(d.layers, id) }));
        }}
      />
    </div>
  );
}

interface LayerRowProps {
  layer: ParallaxLayer;
  index: number;
  count: number;
  url: string | undefined;
  backdrop: string | undefined;
  problems: Problems;
  onChange: (patch: Partial<ParallaxLayer>) => void;
  onMove: (delta: number) => void;
  onRemove: () => void;
}

function LayerRow({ layer, index: i, count, url, backdrop, problems, onChange, onMove, onRemove }: LayerRowProps) {
  const name = `Layer ${i + 1}`;
  const place = count === 1 ? "" : i === count - 1 ? "front" : i === 0 ? "back" : "";
  const f = (field: string) => problems[`background.layers[${i}].${field}`];
  const offsetRange = (v: number) => ({ min: Math.min(-800, Math.floor(v)), max: Math.max(800, Math.ceil(v)) });
  const ox = offsetRange(layer.offset_x);
  const oy = offsetRange(layer.offset_y);
  return (
    <li class="layer-row" data-index={i} aria-label={`${name}${place ? `, ${place}` : ""}`}>
      <div class="layer-head">
        {url ? (
          <img class="layer-thumb" src={url} alt="" style={{ backgroundColor: backdrop }} />
        ) : (
          <span class="layer-thumb missing" aria-hidden="true" />
        )}
        <div class="layer-title">
          <strong>{name}</strong>
          {place && <span class="pill">{place}</span>}
          <span class="layer-desc">{describeSpeed(layer.speed)}</span>
        </div>
        <div class="layer-order">
          <button
            type="button"
            id={`layer-${i}-up`}
            class="icon-button small-icon"
            aria-label={`Move ${name} forward`}
            title="Move forward"
            disabled={i === count - 1}
            onClick={() => {
              onMove(1);
            }}
          >
            <ChevronUpIcon />
          </button>
          <button
            type="button"
            id={`layer-${i}-down`}
            class="icon-button small-icon"
            aria-label={`Move ${name} back`}
            title="Move back"
            disabled={i === 0}
            onClick={() => {
              onMove(-1);
            }}
          >
            <ChevronDownIcon />
          </button>
          <button
            type="button"
            id={`layer-${i}-remove`}
            class="icon-button small-icon danger-icon"
            aria-label={`Remove ${name}`}
            title="Remove"
            onClick={onRemove}
          >
            <TrashIcon />
          </button>
        </div>
      </div>
      <div class="layer-controls">
        <Slider
          id={`layer-${i}-speed`}
          label="Speed"
          min={RANGES.speed.min}
          max={RANGES.speed.max}
          step={0.05}
          value={layer.speed}
          format={(v) => `${v.toFixed(2)}×`}
          problem={f("speed")}
          onChange={(v) => {
            onChange({ speed: v });
          }}
        />
        <Slider
          id={`layer-${i}-opacity`}
          label="Opacity"
          min={0}
          max={1}
          step={0.01}
          value={layer.opacity}
          format={(v) => `${Math.round(v * 100)}%`}
          problem={f("opacity")}
          onChange={(v) => {
            onChange({ opacity: v });
          }}
        />
        <Slider
          id={`layer-${i}-offset_x`}
          label="Offset X"
          min={ox.min}
          max={ox.max}
          step={1}
          value={layer.offset_x}
          format={(v) => `${v} px`}
          problem={f("offset_x")}
          onChange={(v) => {
            onChange({ offset_x: v });
          }}
        />
        <Slider
          id={`layer-${i}-offset_y`}
          label="Offset Y"
          min={oy.min}
          max={oy.max}
          step={1}
          value={layer.offset_y}
          format={(v) => `${v} px`}
          problem={f("offset_y")}
          onChange={(v) => {
            onChange({ offset_y: v });
          }}
        />
        <Slider
          id={`layer-${i}-blur`}
          label="Blur"
          min={RANGES.blur.min}
          max={RANGES.blur.max}
          step={0.5}
          value={layer.blur}
          format={(v) => `${v} px`}
          problem={f("blur")}
          onChange={(v) => {
            onChange({ blur: v });
          }}
        />
      </div>
    </li>
  );
}

// ----------------------------------------------------------------- emoji

interface EmojiSetFieldsProps {
  ids: readonly string[];
  problem: string | undefined;
  /** Changes the set from its latest value. */
  onChange: (next: (ids: readonly string[]) => string[]) => void;
}

/** The theme's emoji, in order, each removable; added from my library with a searchable grid. */
function EmojiSetFields({ ids, problem, onChange }: EmojiSetFieldsProps) {
  const { library } = useEmoji();
  const [adding, setAdding] = useState(false);
  /** Where focus goes once the change has rendered (a removed button, a closed grid took it). */
  const focusNext = useRef<string | null>(null);
  useEffect(() => {
    void library.load().catch(() => undefined);
  }, [library]);
  useLayoutEffect(() => {
    if (!focusNext.current) return;
    document.getElementById(focusNext.current)?.focus();
    focusNext.current = null;
  }, [ids, adding]);

  function remove(id: string, i: number) {
    const next = Math.min(i, ids.length - 2);
    focusNext.current = next >= 0 ? `theme-emoji-${next}-remove` : adding ? "emoji-set-search" : "theme-emoji-add";
    onChange((list) => removeEmoji(list, id));
  }

  return (
    <fieldset id="emoji-set" class={`editor-section emoji-set${problem ? " invalid" : ""}`} aria-describedby="emoji-set-hint">
      <legend>Emoji set</legend>
      <div class="emoji-set-head">
        <p id="emoji-set-hint" class="field-hint">
          Offered in the emoji picker wherever this theme shows. People can send only the ones that are also their own emoji.
        </p>
        <span id="emoji-set-count" class="emoji-set-count" aria-label={`${ids.length} of ${MAX_THEME_EMOJI} emoji`}>
          {ids.length}/{MAX_THEME_EMOJI}
        </span>
      </div>
      {ids.length > 0 ? (
        <ol id="theme-emoji-list" class="emoji-set-list" aria-label="Emoji in this theme">
          {ids.map((id, i) => (
            <EmojiSetItem
              key={id}
              id={id}
              index={i}
              onRemove={() => {
                remove(id, i);
              }}
            />
          ))}
        </ol>
      ) : (
        <p class="emoji-set-empty">No emoji in this theme yet.</p>
      )}
      {problem && (
        <p id="emoji-set-msg" class="field-error">
          {problem}
        </p>
      )}
      <button
        type="button"
        id="theme-emoji-add"
        class="button ghost small emoji-set-add"
        aria-expanded={adding}
        aria-controls={adding ? "emoji-set-picker" : undefined}
        aria-describedby={problem ? "emoji-set-msg" : undefined}
        onClick={() => {
          setAdding(!adding);
        }}
      >
        <PlusIcon class="button-icon" />
        Add from my emoji
      </button>
      {adding && (
        <EmojiSetPicker
          selected={ids}
          onToggle={(id) => {
            onChange((list) => toggleEmoji(list, id));
          }}
          onClose={() => {
            focusNext.current = "theme-emoji-add";
            setAdding(false);
          }}
        />
      )}
    </fieldset>
  );
}

function EmojiSetItem({ id, index, onRemove }: { id: string; index: number; onRemove: () => void }) {
  const { cache } = useEmoji();
  const state = cache.lookup(id);
  const name =
    state.status === "ready"
      ? `:${state.view.shortcode}:`
      : state.status === "gone"
        ? "Deleted emoji"
        : state.status === "failed"
          ? "Could not load"
          : "Loading…";
  const label = state.status === "ready" ? name : state.status === "gone" ? `deleted emoji ${index + 1}` : `emoji ${index + 1}`;
  return (
    <li class={`emoji-set-item ${state.status}`} data-emoji-id={id} data-state={state.status}>
      {state.status === "ready" ? (
        <EmojiImg
          view={state.view}
          label={name}
          size={28}
          lazy={false}
          onError={() => {
            cache.imageFailed(id, state.view.url);
          }}
        />
      ) : (
        <span class={`emoji-set-placeholder${state.status === "loading" ? " emoji-slot" : ""}`} aria-hidden="true">
          {state.status === "loading" ? "" : "?"}
        </span>
      )}
      <span class="emoji-set-name">{name}</span>
      <button
        type="button"
        id={`theme-emoji-${index}-remove`}
        class="icon-button small-icon"
        aria-label={`Remove ${label} from the set`}
        title="Remove"
        onClick={onRemove}
      >
        <CloseIcon />
      </button>
    </li>
  );
}

interface EmojiSetPickerProps {
  selected: readonly string[];
  onToggle: (id: string) => void;
  onClose: () => void;
}

/**
 * My library as a grid: the arrows move the highlight (focus stays in the
 * search field), Enter or a click adds or removes, Escape closes.
 */
function EmojiSetPicker({ selected, onToggle, onClose }: EmojiSetPickerProps) {
  const { library, openManager } = useEmoji();
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const [said, setSaid] = useState("");
  const list = useRef<HTMLUListElement>(null);
  const search = useRef<HTMLInputElement>(null);
  useLayoutEffect(() => {
    search.current?.focus();
  }, []);

  const items = library.search(query);
  const index = Math.min(active, items.length - 1);
  const current = items[index];
  const full = selected.length >= MAX_THEME_EMOJI;
  const optionId = (i: number) => `emoji-set-option-${i}`;

  useEffect(() => {
    if (index >= 0) document.getElementById(optionId(index))?.scrollIntoView({ block: "nearest" });
  }, [index]);

  function toggle(e: EmojiView) {
    const on = selected.includes(e.emoji_id);
    if (!on && full) {
      setSaid(`The set is full: ${MAX_THEME_EMOJI} emoji.`);
      return;
    }
    onToggle(e.emoji_id);
    setSaid(`${on ? "Removed" : "Added"} :${e.shortcode}:.`);
  }

  function keyDown(event: TargetedKeyboardEvent<HTMLDivElement>) {
    if (event.key === "Escape") {
      // Closes the grid, not the themes screen.
      event.preventDefault();
      event.stopPropagation();
      onClose();
      return;
    }
    if (event.target !== search.current) return;
    if (event.key === "Enter") {
      // Not the form's submit.
      event.preventDefault();
      if (current) toggle(current);
    } else if (event.key.startsWith("Arrow")) {
      const next = moveInGrid(Math.max(index, 0), event.key, items.length, gridColumns(list.current));
      if (next !== null) {
        event.preventDefault();
        setActive(next);
      }
    }
  }

  let note = "";
  if (library.items.length === 0) {
    note =
      library.status === "failed"
        ? "Your emoji could not be loaded."
        : library.status === "ready"
          ? "You have no emoji yet."
          : "Loading your emoji…";
  } else if (items.length === 0) note = `No emoji match “${query}”.`;

  return (
    <div id="emoji-set-picker" class="emoji-set-picker" onKeyDown={keyDown}>
      <div class="emoji-set-picker-head">
        <label for="emoji-set-search" class="visually-hidden">
          Search your emoji
        </label>
        <input
          ref={search}
          id="emoji-set-search"
          class="emoji-search"
          type="text"
          placeholder="Search your emoji"
          autocomplete="off"
          spellcheck={false}
          role="combobox"
          aria-expanded={items.length > 0}
          aria-controls={items.length > 0 ? "emoji-set-options" : undefined}
          aria-activedescendant={current ? optionId(index) : undefined}
          aria-autocomplete="list"
          aria-describedby="emoji-set-keys"
          value={query}
          onInput={(e) => {
            setQuery(e.currentTarget.value);
            setActive(0);
          }}
        />
        <button type="button" id="emoji-set-done" class="button primary small" onClick={onClose}>
          Done
        </button>
      </div>
      <span id="emoji-set-keys" class="visually-hidden">
        Arrow keys move, Enter adds or removes the highlighted emoji, Escape closes.
      </span>
      {note && (
        <p class="emoji-picker-note">
          {note}
          {library.status === "ready" && library.items.length === 0 && (
            <>
              {" "}
              <button type="button" class="button link small" onClick={openManager}>
                Open the emoji manager
              </button>
            </>
          )}
        </p>
      )}
      {items.length > 0 && (
        <ul
          id="emoji-set-options"
          ref={list}
          class="emoji-grid emoji-set-grid"
          role="listbox"
          aria-multiselectable="true"
          aria-label="Your emoji; selected ones are in the set"
        >
          {items.map((e, i) => {
            const on = selected.includes(e.emoji_id);
            return (
              <li
                key={e.emoji_id}
                id={optionId(i)}
                role="option"
                aria-selected={on}
                aria-disabled={!on && full ? true : undefined}
                class={`emoji-option${i === index ? " active" : ""}${on ? " chosen" : ""}${!on && full ? " disabled" : ""}`}
                data-shortcode={e.shortcode}
                // Keep focus in the search field while choosing with the pointer.
                onPointerDown={(ev) => {
                  ev.preventDefault();
                }}
                onPointerMove={() => {
                  if (i !== index) setActive(i);
                }}
                onClick={() => {
                  setActive(i);
                  toggle(e);
                }}
              >
                <EmojiImg view={e} label={`:${e.shortcode}:`} size={28} lazy={false} />
                {on && <CheckIcon class="emoji-chosen-mark" />}
              </li>
            );
          })}
        </ul>
      )}
      <p class="emoji-set-current" aria-hidden="true">
        {current ? `:${current.shortcode}:${selected.includes(current.emoji_id) ? " · in the set" : ""}` : ""}
      </p>
      <span id="emoji-set-status" class="visually-hidden" aria-live="polite">
        {said}
      </span>
      {full && <p class="field-hint">{MAX_THEME_EMOJI} emoji is the most a theme holds. Remove one to add another.</p>}
    </div>
  );
}

// --------------------------------------------------------------- uploads

interface BackgroundPickerProps {
  api: Api;
  uploads: UploadView[];
  uploadsState: "loading" | "ready" | "failed";
  /** "single": choose the image; "add": each choice adds a layer. */
  mode: "single" | "add";
  /** Behind each image (transparent ones show on it). */
  backdrop?: string | undefined;
  selected: string | null;
  full: boolean;
  problem: string | undefined;
  onUploaded: (view: UploadView) => void;
  onPick: (uploadId: string) => void;
}

function imageSize(file: Blob): Promise<{ width: number; height: number } | null> {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.onload = () => {
      resolve({ width: img.naturalWidth, height: img.naturalHeight });
      URL.revokeObjectURL(url);
    };
    img.onerror = () => {
      resolve(null);
      URL.revokeObjectURL(url);
    };
    img.src = url;
  });
}

/** New uploads (with progress) and my earlier background images. */
function BackgroundPicker({ api, uploads, uploadsState, mode, backdrop, selected, full, problem, onUploaded, onPick }: BackgroundPickerProps) {
  const transport = useMemo(() => apiTransport(api), [api]);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [fileName, setFileName] = useState("");
  const [error, setError] = useState("");
  const abort = useRef<AbortController | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(
    () => () => {
      abort.current?.abort();
    },
    [],
  );

  async function choose(file: File | undefined) {
    if (!file || progress) return;
    setError("");
    setFileName(file.name);
    const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
    const type = sniffImageType(head) ?? (file.type || null);
    const problemCode = backgroundFileProblem(type, file.size);
    const size = problemCode ? null : await imageSize(file);
    const sizeProblem = problemCode ?? (size ? backgroundDimensionsProblem(size.width, size.height) : "upload_type_not_allowed");
    if (sizeProblem) {
      setError(backgroundErrorMessage(sizeProblem));
      if (input.current) input.current.value = "";
      return;
    }
    const controller = new AbortController();
    abort.current = controller;
    try {
      setProgress({ stage: "create", loaded: 0, total: file.size });
      const view = await uploadFile(transport, {
        kind: "background",
        file,
        contentType: type ?? undefined,
        onProgress: setProgress,
        signal: controller.signal,
      });
      onUploaded(view);
      onPick(view.upload_id);
    } catch (e) {
      setError(backgroundErrorMessage(e));
    } finally {
      abort.current = null;
      setProgress(null);
      if (input.current) input.current.value = "";
    }
  }

  const percent = progress ? (progress.stage === "create" ? 0 : Math.round((progress.loaded / Math.max(1, progress.total)) * 100)) : 0;
  const progressText =
    progress?.stage === "create" ? "Preparing…" : progress?.stage === "put" ? `Uploading… ${percent}%` : progress?.stage === "finalize" ? "Checking the image…" : "";
  const adding = mode === "add";
  return (
    <div class="bg-picker">
      <div class="bg-picker-head">
        <h4 id={`bg-picker-${mode}`}>{adding ? "Add a layer" : "Image"}</h4>
        <span class="field-hint">PNG, JPEG or WebP, up to 5 MB and 4096 × 4096 px.</span>
      </div>
      <ul class="bg-choices" aria-labelledby={`bg-picker-${mode}`}>
        <li>
          <input
            ref={input}
            id="bg-upload"
            class="visually-hidden"
            type="file"
            accept={BACKGROUND_TYPES.join(",")}
            disabled={Boolean(progress) || full}
            aria-describedby={full ? "bg-full-note" : undefined}
            onChange={(e) => void choose(e.currentTarget.files?.[0])}
          />
          <label for="bg-upload" class={`bg-upload-tile${full ? " disabled" : ""}`}>
            <ImageIcon />
            <span>Upload</span>
          </label>
        </li>
        {uploads.map((u, n) => (
          <li key={u.upload_id}>
            <button
              type="button"
              class="bg-choice"
              style={{ backgroundColor: backdrop }}
              data-upload-id={u.upload_id}
              aria-pressed={adding ? undefined : selected === u.upload_id}
              aria-label={`${adding ? "Add as a layer: " : ""}image ${n + 1}${u.width ? `, ${u.width} × ${u.height}` : ""}, ${formatBytes(u.size)}`}
              disabled={adding && full}
              onClick={() => {
                onPick(u.upload_id);
              }}
            >
              {u.url && <img src={u.url} alt="" loading="lazy" />}
            </button>
          </li>
        ))}
      </ul>
      {uploadsState === "failed" && <p class="field-hint">Your earlier images could not be listed.</p>}
      {full && (
        <p id="bg-full-note" class="field-hint">
          {MAX_LAYERS} layers is the most a theme holds. Remove one to add another.
        </p>
      )}
      {progress && (
        <div class="upload-progress">
          <progress id="bg-progress" max={100} value={percent} aria-label={`Uploading ${fileName}`} />
          <span id="bg-progress-text" class="upload-progress-text">
            {progressText}
          </span>
          {progress.stage !== "finalize" && (
            <button
              type="button"
              class="button link small"
              onClick={() => {
                abort.current?.abort();
              }}
            >
              Cancel
            </button>
          )}
        </div>
      )}
      <p id="bg-error" class="form-error" role="alert">
        {error || problem || ""}
      </p>
    </div>
  );
}

// --------------------------------------------------------------- preview

const PREVIEW_MESSAGES: [boolean, string][] = [
  [false, "Morning! Did you finish the layers?"],
  [true, "Almost, scroll this chat and watch"],
  [true, "The far one drifts, the near one keeps up"],
  [false, "Ooh, it has depth"],
  [false, "Make the stars slower?"],
  [true, "Done: 0.2 for the stars"],
  [false, "Perfect"],
  [true, "And the clouds at 0.8"],
  [false, "Can I copy it once it is in the market?"],
  [true, "Of course, I will publish it tonight"],
  [false, "Yay!"],
  [true, "Saving now"],
  [false, "Send it to the group too"],
  [true, "Everyone will see it there"],
];

/** A small chat in the theme being edited; its list scrolls, so parallax layers move as they will. */
function EditorPreview({ spec, images }: { spec: ThemeSpec; images: Record<string, string> }) {
  const scroller = useRef<HTMLDivElement>(null);
  const vars = useMemo(() => ({ ...themeVars(spec), colorScheme: backgroundTone(spec.background) }), [spec]);
  return (
    <section class="editor-preview" aria-labelledby="preview-title">
      <h4 id="preview-title" class="preview-title">
        Live preview
      </h4>
      <div id="theme-preview" class="preview-chat" style={vars}>
        <div class="chat-bg" aria-hidden="true">
          <ThemeBackground spec={spec} images={images} scroller={scroller} scrollerKey="preview" />
        </div>
        <div class="preview-content">
          <div class="preview-header" aria-hidden="true">
            <span class="avatar avatar-sm preview-avatar">R</span>
            <span class="preview-who">
              <strong>Rio</strong>
              <span>online</span>
            </span>
          </div>
          <div
            ref={scroller}
            class="messages-scroller preview-scroller"
            tabIndex={0}
            role="region"
            aria-label="Preview messages; scroll to see the layers move"
          >
            <ol class="messages">
              {PREVIEW_MESSAGES.map(([mine, text], i) => {
                const prev = PREVIEW_MESSAGES[i - 1];
                const next = PREVIEW_MESSAGES[i + 1];
                const first = prev?.[0] !== mine;
                const last = next?.[0] !== mine;
                return (
                  <li key={i} class={`message ${mine ? "mine" : "theirs"}${first ? " first" : ""}${last ? " last" : ""}`}>
                    <div class="bubble">
                      <p class="text">{text}</p>
                      <span class="meta">
                        <time>{`9:${String(10 + i).padStart(2, "0")}`}</time>
                      </span>
                    </div>
                  </li>
                );
              })}
            </ol>
          </div>
          <div class="preview-composer" aria-hidden="true">
            <span class="preview-input">Message</span>
            <span class="preview-send" />
          </div>
        </div>
      </div>
      <p class="field-hint preview-hint">Scroll the preview to see the layers move.</p>
    </section>
  );
}
