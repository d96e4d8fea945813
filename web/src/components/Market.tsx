import type { TargetedKeyboardEvent } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Api } from "../state/api";
import { MarketPager } from "../state/market";
import { themeErrorMessage } from "../state/themeLibrary";
import type { MarketOrder, MarketTheme } from "../state/types";
import { CopyIcon, EyeIcon } from "./icons";
import { useThemes } from "./themeKit";
import { ThemeThumb } from "./ThemeThumb";
import { useSubscription } from "./useSubscription";

export interface MarketProps {
  api: Api;
  /** Shown now: it loads (or reloads) when this turns true. */
  active: boolean;
  /** Changes each time the themes screen opens. */
  openedAt: number;
  announce: (s: string) => void;
  /** Try a theme on in the chat. */
  onPreview: (theme: MarketTheme) => void;
}

const ORDERS: { order: MarketOrder; label: string }[] = [
  { order: "newest", label: "Newest" },
  { order: "most_copied", label: "Most copied" },
];

export function Market({ api, active, openedAt, announce, onPreview }: MarketProps) {
  const pager = useMemo(() => new MarketPager(api), [api]);
  useSubscription(pager);
  const [shownAt, setShownAt] = useState(-1);

  // Fresh each time the screen opens on it: new themes and counts, live image links.
  useEffect(() => {
    if (!active || shownAt === openedAt) return;
    setShownAt(openedAt);
    void pager.open(pager.order, true);
  }, [active, openedAt]);

  const onKey = (event: TargetedKeyboardEvent<HTMLElement>) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    event.preventDefault();
    const next: MarketOrder = pager.order === "newest" ? "most_copied" : "newest";
    void pager.open(next);
    document.getElementById(`market-order-${next}`)?.focus();
  };

  return (
    <div class="market">
      <div class="market-head">
        <h3 id="market-title">Market</h3>
        <div class="segmented" role="tablist" aria-label="Order" onKeyDown={onKey}>
          {ORDERS.map(({ order, label }) => (
            <button
              key={order}
              type="button"
              role="tab"
              id={`market-order-${order}`}
              aria-selected={pager.order === order}
              aria-controls="market-grid"
              tabIndex={pager.order === order ? 0 : -1}
              onClick={() => void pager.open(order)}
            >
              {label}
            </button>
          ))}
        </div>
      </div>
      <p class="field-hint market-intro">Themes people have published. Try one on in your chat, then copy it to make it yours.</p>
      <div id="market-grid" role="tabpanel" aria-labelledby={`market-order-${pager.order}`} aria-busy={pager.status === "loading"}>
        {pager.items.length === 0 ? (
          <p class="themes-empty">
            {pager.status === "failed"
              ? "The market could not be loaded."
              : pager.status === "ready"
                ? "Nothing published yet. Publish one of your themes to start the market."
                : "Loading…"}
          </p>
        ) : (
          <ul class="theme-grid">
            {pager.items.map((t) => (
              <MarketCard key={t.theme_id} theme={t} pager={pager} announce={announce} onPreview={onPreview} />
            ))}
          </ul>
        )}
      </div>
      {pager.error !== null && pager.items.length > 0 && (
        <p class="form-error" role="alert">
          More themes could not be loaded. Try again.
        </p>
      )}
      {pager.hasMore && (
        <div class="market-more">
          <button type="button" id="market-more" class="button secondary" disabled={pager.loadingMore} onClick={() => void pager.loadMore()}>
            {pager.loadingMore ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </div>
  );
}

interface MarketCardProps {
  theme: MarketTheme;
  pager: MarketPager;
  announce: (s: string) => void;
  onPreview: (theme: MarketTheme) => void;
}

function MarketCard({ theme: t, pager, announce, onPreview }: MarketCardProps) {
  const { library } = useThemes();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const mine = t.owner === library.me;
  const copied = library.copyOf(t.theme_id);
  const idBase = `market-${t.theme_id}`;

  async function copy() {
    setBusy(true);
    setError("");
    try {
      await library.copy(t.theme_id);
      announce(`Copied ${t.name} to your themes.`);
      await pager.refresh(t.theme_id).catch(() => undefined);
    } catch (e) {
      setError(themeErrorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class="theme-card market-card" data-theme-id={t.theme_id} data-name={t.name} aria-labelledby={`${idBase}-name`}>
      <ThemeThumb theme={t} />
      <div class="theme-card-body">
        <h4 id={`${idBase}-name`} class="theme-card-name">
          {t.name}
        </h4>
        <p class="theme-card-meta">
          <span class="market-owner">by @{t.owner_handle ?? "someone"}</span>
          <span class="pill market-copies" data-copies={t.copies}>
            {t.copies} {t.copies === 1 ? "copy" : "copies"}
          </span>
        </p>
        <div class="theme-card-actions">
          <button
            type="button"
            class="button secondary small"
            data-action="preview"
            aria-label={`Preview ${t.name} in the chat`}
            onClick={() => {
              onPreview(t);
            }}
          >
            <EyeIcon class="button-icon" />
            Preview
          </button>
          {mine ? (
            <span class="pill">Yours</span>
          ) : (
            <button
              type="button"
              class="button primary small"
              data-action="copy"
              aria-label={copied ? `${t.name} is in your themes` : `Copy ${t.name} to my themes`}
              disabled={busy || Boolean(copied)}
              onClick={() => void copy()}
            >
              <CopyIcon class="button-icon" />
              {copied ? "In your themes" : busy ? "Copying…" : "Copy to my themes"}
            </button>
          )}
        </div>
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
    </li>
  );
}
