import type { TargetedSubmitEvent } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Chat } from "../state/chat";
import { field } from "../state/format";
import { PeopleSearch } from "../state/people";
import { PlusIcon } from "./icons";
import { PeopleResults } from "./PeopleResults";
import { useSubscription } from "./useSubscription";

export function NewConversation({ chat }: { chat: Chat }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [groupOpen, setGroupOpen] = useState(false);
  const directForm = useRef<HTMLFormElement>(null);
  // People whose handle starts with what is typed, as it is typed.
  const search = useMemo(() => new PeopleSearch({ load: (prefix, cursor, limit) => chat.searchUsers(prefix, cursor, limit) }), [chat]);
  useSubscription(search);
  useEffect(
    () => () => {
      search.dispose();
    },
    [search],
  );

  async function run(form: HTMLFormElement, action: () => Promise<void>) {
    setBusy(true);
    setError("");
    try {
      await action();
      form.reset();
      if (form === directForm.current) search.clear();
      setGroupOpen(false);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  function openDirect(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const handle = field(new FormData(form), "handle").trim();
    if (handle) void run(form, () => chat.openDirect(handle));
  }

  function createGroup(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const title = field(data, "title").trim();
    const handles = field(data, "members")
      .split(",")
      .map((h) => h.trim())
      .filter(Boolean);
    if (title) void run(form, () => chat.createGroup(title, handles));
  }

  return (
    <div class="new-conversation">
      <form id="new-direct" class="inline-form" onSubmit={openDirect} ref={directForm}>
        <label for="new-direct-handle" class="visually-hidden">
          Handle to chat with, or the start of one to find people
        </label>
        <input
          id="new-direct-handle"
          name="handle"
          placeholder="Chat with @handle"
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          required
          aria-describedby="new-direct-hint"
          aria-controls="people-results"
          onInput={(event) => {
            search.setQuery(event.currentTarget.value);
          }}
          onKeyDown={(event) => {
            if (event.key === "Escape" && (search.prefix !== null || search.problem)) {
              event.preventDefault();
              search.clear();
            }
          }}
        />
        <button type="submit" class="button primary" disabled={busy}>
          Open
        </button>
        <span id="new-direct-hint" class="visually-hidden">
          People whose handle starts with what you type are listed below as you type. Escape hides them.
        </span>
      </form>
      <PeopleResults
        chat={chat}
        search={search}
        busy={busy}
        onMessage={(person) => {
          const form = directForm.current;
          if (form) void run(form, () => chat.openDirect(person.handle));
        }}
      />
      <details
        class="new-group"
        open={groupOpen}
        onToggle={(e) => {
          setGroupOpen(e.currentTarget.open);
        }}
      >
        <summary>
          <PlusIcon class="summary-icon" />
          New group
        </summary>
        <form id="new-group" class="stack-form" onSubmit={createGroup}>
          <label for="new-group-title" class="visually-hidden">
            Group title
          </label>
          <input id="new-group-title" name="title" placeholder="Group title" required maxLength={100} />
          <label for="new-group-members" class="visually-hidden">
            Group members (handles, comma separated)
          </label>
          <input
            id="new-group-members"
            name="members"
            placeholder="Members: ada, bob"
            autocomplete="off"
            autocapitalize="none"
            spellcheck={false}
          />
          <button type="submit" class="button primary" disabled={busy}>
            Create group
          </button>
        </form>
      </details>
      <p class="form-error sidebar-error" role="alert">
        {error}
      </p>
    </div>
  );
}
