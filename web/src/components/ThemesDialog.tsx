import type { ComponentType, TargetedKeyboardEvent } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Api } from "../state/api";
import { type PeopleLookup, memberName } from "../state/format";
import { MAX_THEMES, themeErrorMessage } from "../state/themeLibrary";
import type { ConversationState } from "../state/store";
import type { Profile, Theme, ThemeSource } from "../state/types";
import { CloseIcon, PlusIcon } from "./icons";
import { lazyComponent } from "./lazy";
import type { MarketProps } from "./Market";
import type { ThemeEditorProps } from "./ThemeEditor";
import { type ThemesView, useThemes } from "./themeKit";
import { ThemeThumb } from "./ThemeThumb";

export interface ThemesDialogProps {
  api: Api;
  me: Profile;
  open: boolean;
  /** Where to be when opened; `at` tells one request from the next. */
  view: { view: ThemesView; at: number };
  /** The conversation on screen, which "here" means. */
  conversation: ConversationState | null;
  /** Names of people the conversation does not list (a room's admins). */
  people?: PeopleLookup;
  onClose: () => void;
}

/** Separate chunks: the editor and the market load when first shown. */
const loadEditor = lazyComponent(() => import("./ThemeEditor").then((m) => m.ThemeEditor));
const loadMarket = lazyComponent(() => import("./Market").then((m) => m.Market));

type Tab = "library" | "market";

export function ThemesDialog({ api, me, open, view, conversation, people, onClose }: ThemesDialogProps) {
  const { library, looks } = useThemes();
  const dialog = useRef<HTMLDialogElement>(null);
  const [tab, setTab] = useState<Tab>("library");
  /** Editing: a theme's id, "new", or null for the list. */
  const [editing, setEditing] = useState<string | null>(null);
  const [Editor, setEditor] = useState<ComponentType<ThemeEditorProps> | null>(null);
  const [MarketView, setMarketView] = useState<ComponentType<MarketProps> | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [loadError, setLoadError] = useState("");

  function showTab(next: Tab) {
    setTab(next);
    if (next === "market" && !MarketView) {
      loadMarket().then(
        (c) => {
          setMarketView(() => c);
        },
        () => {
          setLoadError("The market could not be loaded. Check your connection and try again.");
        },
      );
    }
  }

  function edit(id: string | null) {
    loadEditor().then(
      (c) => {
        setEditor(() => c);
        setEditing(id ?? "new");
      },
      () => {
        setLoadError("The editor could not be loaded. Check your connection and try again.");
      },
    );
  }

  // Opening (again) goes where it was asked to, with fresh lists and image links.
  useEffect(() => {
    if (!open) {
      if (dialog.current?.open) dialog.current.close();
      return;
    }
    setLoadError("");
    setEditing(null);
    if (view.view === "new") {
      setTab("library");
      edit(null);
    } else {
      showTab(view.view);
    }
    if (!dialog.current?.open) dialog.current?.showModal();
    void library.load(true).catch(() => undefined);
    if (conversation) looks.lookup(conversation.conversation_id);
    // Runs per request to open, not per render.
  }, [open, view.at]);

  const onTabKey = (event: TargetedKeyboardEvent<HTMLElement>) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft" && event.key !== "Home" && event.key !== "End") return;
    event.preventDefault();
    const next: Tab = event.key === "Home" ? "library" : event.key === "End" ? "market" : tab === "library" ? "market" : "library";
    showTab(next);
    setEditing(null);
    document.getElementById(`themes-tab-${next}`)?.focus();
  };

  const editingTheme = editing && editing !== "new" ? library.get(editing) : undefined;
  return (
    <dialog
      ref={dialog}
      id="themes-dialog"
      class="themes-dialog"
      aria-labelledby="themes-title"
      onClose={onClose}
    >
      <header class="themes-header">
        <h2 id="themes-title">Themes</h2>
        <div class="themes-tabs" role="tablist" aria-label="Themes" onKeyDown={onTabKey}>
          {(["library", "market"] as const).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              id={`themes-tab-${t}`}
              class="themes-tab"
              aria-selected={tab === t}
              aria-controls={`themes-panel-${t}`}
              tabIndex={tab === t ? 0 : -1}
              onClick={() => {
                showTab(t);
                setEditing(null);
              }}
            >
              {t === "library" ? "My themes" : "Market"}
            </button>
          ))}
        </div>
        <button
          type="button"
          class="icon-button"
          aria-label="Close themes"
          onClick={() => {
            dialog.current?.close();
          }}
        >
          <CloseIcon />
        </button>
      </header>
      <div class="themes-body">
        {loadError && (
          <p class="form-error themes-load-error" role="alert">
            {loadError}
          </p>
        )}
        <div id="themes-panel-library" role="tabpanel" aria-labelledby="themes-tab-library" class="themes-panel" hidden={tab !== "library"}>
          {editing && Editor ? (
            <Editor
              key={editing}
              api={api}
              theme={editingTheme ?? null}
              onDone={(saved) => {
                setEditing(null);
                if (saved) setAnnouncement(`Saved ${saved.name}.`);
                requestAnimationFrame(() => document.getElementById("themes-library-title")?.focus());
              }}
            />
          ) : (
            <LibraryView
              me={me}
              conversation={conversation}
              people={people}
              announce={setAnnouncement}
              onEdit={(id) => {
                edit(id);
              }}
            />
          )}
        </div>
        <div id="themes-panel-market" role="tabpanel" aria-labelledby="themes-tab-market" class="themes-panel" hidden={tab !== "market"}>
          {MarketView ? (
            <MarketView
              api={api}
              active={open && tab === "market"}
              openedAt={view.at}
              announce={setAnnouncement}
              onPreview={(theme) => {
                looks.setPreview(theme);
                dialog.current?.close();
              }}
            />
          ) : (
            <p class="themes-empty">Loading the market…</p>
          )}
        </div>
      </div>
      <p id="themes-status" class="visually-hidden" role="status">
        {announcement}
      </p>
    </dialog>
  );
}

// ------------------------------------------------------------- library

const SOURCE_TEXT: Record<ThemeSource, string> = {
  override: "just for you",
  conversation: "this conversation’s theme",
  default: "your default",
  builtin: "nothing else is set",
};

interface LibraryViewProps {
  me: Profile;
  conversation: ConversationState | null;
  people: PeopleLookup | undefined;
  announce: (s: string) => void;
  onEdit: (id: string | null) => void;
}

function LibraryView({ me, conversation, people, announce, onEdit }: LibraryViewProps) {
  const { library, looks } = useThemes();
  const [error, setError] = useState("");
  const cid = conversation?.conversation_id ?? null;
  const state = cid ? looks.lookup(cid) : null;
  const current = state?.status === "ready" ? state.looks : null;
  const canSetForAll = conversation ? conversation.kind === "direct" || conversation.role === "admin" : false;
  const title = conversation ? (conversation.kind !== "direct" ? conversation.title ?? `this ${conversation.kind}` : `your chat with ${memberName(conversation, conversation.members.find((m) => m.user_id !== me.user_id)?.user_id ?? "")}`) : "";

  async function run(action: () => Promise<unknown>, done: string) {
    setError("");
    try {
      await action();
      announce(done);
    } catch (e) {
      setError(themeErrorMessage(e));
    }
  }

  const apply = {
    setDefault: (t: Theme | null) =>
      run(() => library.setDefault(t?.theme_id ?? null), t ? `${t.name} is your default.` : "Your default is the built-in look."),
    setForAll: (t: Theme | null) =>
      cid ? run(() => library.setForConversation(cid, t?.theme_id ?? null), t ? `Everyone here now sees ${t.name}.` : "This conversation’s theme is cleared.") : Promise.resolve(),
    setOverride: (t: Theme | null) =>
      cid ? run(() => library.setOverride(cid, t?.theme_id ?? null), t ? `You now see ${t.name} here.` : "Your own theme here is cleared.") : Promise.resolve(),
  };

  const setBy = current?.conversation_set_by;
  const setByName = setBy === me.user_id ? "you" : setBy && conversation ? memberName(conversation, setBy, people) : "";
  const items = [...library.items].reverse();
  const shownName = current ? (current.shown === "builtin" ? "Built-in" : (current[current.shown]?.name ?? "")) : "";

  return (
    <div class="themes-library">
      <section class="themes-here" aria-labelledby="themes-here-title">
        <h3 id="themes-here-title">{conversation ? "In this conversation" : "Where themes apply"}</h3>
        {conversation ? (
          <p id="themes-shown" class="themes-shown" data-shown={current?.shown ?? ""}>
            {current ? (
              current.shown === "builtin" ? (
                <>You see the built-in look in {title}.</>
              ) : (
                <>
                  You see <strong>{shownName}</strong> in {title}: {SOURCE_TEXT[current.shown]}.
                </>
              )
            ) : (
              "Loading…"
            )}
          </p>
        ) : (
          <p class="themes-shown">Open a conversation to set a theme there. Your default applies wherever nothing else is set.</p>
        )}
        <dl class="applied-list">
          {conversation && (
            <>
              <AppliedRow
                id="applied-override"
                label="Just for you here"
                theme={current?.override}
                active={current?.shown === "override"}
                onClear={() => void apply.setOverride(null)}
              />
              <AppliedRow
                id="applied-conversation"
                label="For everyone here"
                theme={current?.conversation}
                note={current?.conversation && setByName ? `set by ${setByName}` : undefined}
                active={current?.shown === "conversation"}
                onClear={canSetForAll ? () => void apply.setForAll(null) : undefined}
              />
            </>
          )}
          <AppliedRow
            id="applied-default"
            label="Your default"
            theme={library.defaultTheme ?? undefined}
            active={current ? current.shown === "default" : false}
            onClear={() => void apply.setDefault(null)}
          />
        </dl>
        {conversation && !canSetForAll && (
          <p id="group-admin-note" class="field-hint">
            Only admins of {conversation.title ?? `this ${conversation.kind}`} can set the theme everyone here sees.
          </p>
        )}
        <p class="form-error" role="alert">
          {error}
        </p>
      </section>

      <section class="themes-mine" aria-labelledby="themes-library-title">
        <div class="themes-mine-head">
          <h3 id="themes-library-title" tabIndex={-1}>
            My themes <span class="themes-count">{library.items.length}/{MAX_THEMES}</span>
          </h3>
          <button
            type="button"
            id="new-theme"
            class="button primary small"
            disabled={library.full}
            onClick={() => {
              onEdit(null);
            }}
          >
            <PlusIcon class="button-icon" />
            New theme
          </button>
        </div>
        {items.length === 0 ? (
          <p class="themes-empty">
            {library.status === "failed"
              ? "Your themes could not be loaded."
              : library.status === "ready"
                ? "No themes yet. Make one, or copy one from the market."
                : "Loading…"}
          </p>
        ) : (
          <ul id="theme-library" class="theme-grid">
            {items.map((t) => (
              <LibraryCard
                key={t.theme_id}
                theme={t}
                conversationOpen={Boolean(conversation)}
                canSetForAll={canSetForAll}
                isDefault={library.defaultTheme?.theme_id === t.theme_id}
                isForAll={current?.conversation?.theme_id === t.theme_id}
                isOverride={current?.override?.theme_id === t.theme_id}
                apply={apply}
                announce={announce}
                onEdit={() => {
                  onEdit(t.theme_id);
                }}
              />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

interface AppliedRowProps {
  id: string;
  label: string;
  theme: Theme | undefined;
  note?: string;
  active: boolean;
  /** Absent: not mine to clear. */
  onClear?: () => void;
}

function AppliedRow({ id, label, theme, note, active, onClear }: AppliedRowProps) {
  return (
    <div id={id} class={`applied-row${active ? " active" : ""}`} data-theme-id={theme?.theme_id ?? ""}>
      <dt>{label}</dt>
      <dd>
        <span class="applied-name">{theme ? theme.name : "—"}</span>
        {note && <span class="applied-note"> · {note}</span>}
        {active && <span class="in-effect">In effect</span>}
        {theme && onClear && (
          <button type="button" class="button link small" aria-label={`Clear: ${label.toLowerCase()}`} onClick={onClear}>
            Clear
          </button>
        )}
      </dd>
    </div>
  );
}

interface LibraryCardProps {
  theme: Theme;
  conversationOpen: boolean;
  canSetForAll: boolean;
  isDefault: boolean;
  isForAll: boolean;
  isOverride: boolean;
  apply: {
    setDefault: (t: Theme | null) => Promise<void>;
    setForAll: (t: Theme | null) => Promise<void>;
    setOverride: (t: Theme | null) => Promise<void>;
  };
  announce: (s: string) => void;
  onEdit: () => void;
}

function LibraryCard({ theme: t, conversationOpen, canSetForAll, isDefault, isForAll, isOverride, apply, announce, onEdit }: LibraryCardProps) {
  const { library } = useThemes();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const confirmButton = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const published = Boolean(t.published_at);
  const idBase = `theme-${t.theme_id}`;

  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  async function act(action: () => Promise<unknown>, done: string) {
    setBusy(true);
    setError("");
    try {
      await action();
      announce(done);
    } catch (e) {
      setError(themeErrorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class="theme-card" data-theme-id={t.theme_id} data-name={t.name} aria-labelledby={`${idBase}-name`}>
      <ThemeThumb theme={t} />
      <div class="theme-card-body">
        <h4 id={`${idBase}-name`} class="theme-card-name">
          {t.name}
        </h4>
        <p class="theme-card-meta">
          {published ? (
            <span class="pill published">
              Published · <span class="theme-copies">{t.copies}</span> {t.copies === 1 ? "copy" : "copies"}
            </span>
          ) : (
            <span class="pill">Private</span>
          )}
          {t.copied_from && <span class="pill">From the market</span>}
        </p>
        <div class="theme-apply" role="group" aria-label={`Use ${t.name}`}>
          <ApplyToggle
            label="Use as my default"
            kind="default"
            pressed={isDefault}
            onClick={() => void apply.setDefault(isDefault ? null : t)}
          />
          {conversationOpen && (
            <ApplyToggle
              label="Set for this conversation"
              kind="conversation"
              pressed={isForAll}
              disabled={!canSetForAll}
              describedBy={canSetForAll ? `${idBase}-all-hint` : "group-admin-note"}
              onClick={() => void apply.setForAll(isForAll ? null : t)}
            />
          )}
          {conversationOpen && (
            <ApplyToggle
              label="Use just for me here"
              kind="override"
              pressed={isOverride}
              onClick={() => void apply.setOverride(isOverride ? null : t)}
            />
          )}
          {conversationOpen && canSetForAll && (
            <p id={`${idBase}-all-hint`} class="visually-hidden">
              Everyone in the conversation sees it.
            </p>
          )}
        </div>
        {confirming ? (
          <div class="theme-confirm" role="group" aria-label={`Delete ${t.name}?`}>
            <p>Delete this theme? Conversations that use it keep their copy.</p>
            <div class="theme-card-actions">
              <button
                ref={confirmButton}
                type="button"
                class="button danger small"
                disabled={busy}
                onClick={() => void act(() => library.remove(t.theme_id), `Deleted ${t.name}.`)}
              >
                Delete
              </button>
              <button
                type="button"
                class="button ghost small"
                disabled={busy}
                onClick={() => {
                  setConfirming(false);
                  requestAnimationFrame(() => deleteButton.current?.focus());
                }}
              >
                Keep
              </button>
            </div>
          </div>
        ) : (
          <div class="theme-card-actions">
            <button type="button" class="button secondary small" data-action="edit" aria-label={`Edit ${t.name}`} onClick={onEdit}>
              Edit
            </button>
            <button
              type="button"
              class="button ghost small"
              data-action={published ? "unpublish" : "publish"}
              aria-label={`${published ? "Unpublish" : "Publish"} ${t.name}`}
              disabled={busy}
              onClick={() =>
                void act(() => library.setPublished(t.theme_id, !published), published ? `${t.name} left the market.` : `${t.name} is in the market.`)
              }
            >
              {published ? "Unpublish" : "Publish"}
            </button>
            <button
              ref={deleteButton}
              type="button"
              class="button ghost small danger-text"
              data-action="delete"
              aria-label={`Delete ${t.name}`}
              onClick={() => {
                setConfirming(true);
              }}
            >
              Delete
            </button>
          </div>
        )}
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
    </li>
  );
}

interface ApplyToggleProps {
  label: string;
  kind: string;
  pressed: boolean;
  disabled?: boolean;
  describedBy?: string;
  onClick: () => void;
}

function ApplyToggle({ label, kind, pressed, disabled, describedBy, onClick }: ApplyToggleProps) {
  return (
    <button
      type="button"
      class="apply-toggle"
      data-apply={kind}
      aria-pressed={pressed}
      aria-describedby={describedBy}
      disabled={disabled}
      onClick={onClick}
    >
      <span class="apply-check" aria-hidden="true" />
      {label}
    </button>
  );
}
