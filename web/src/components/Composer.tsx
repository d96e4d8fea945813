import type { TargetedKeyboardEvent, TargetedSubmitEvent } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { SendIcon } from "./icons";

interface ComposerProps {
  initial: string;
  onDraft: (text: string) => void;
  onTyping: () => void;
  onSend: (text: string) => boolean;
}

const MAX_LENGTH = 4000;

export function Composer({ initial, onDraft, onTyping, onSend }: ComposerProps) {
  const [text, setText] = useState(initial);
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    // Keyboard and pointer users on wide screens land in the composer; on
    // phones focusing would pop the keyboard over the conversation.
    if (window.matchMedia("(min-width: 721px)").matches) input.current?.focus();
  }, []);

  function submit(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!text.trim()) return;
    if (onSend(text)) {
      setText("");
      onDraft("");
    }
  }

  function keyDown(event: TargetedKeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends, Shift+Enter is a new line; never mid-composition (IME).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      event.currentTarget.form?.requestSubmit();
    }
  }

  const remaining = MAX_LENGTH - text.length;
  return (
    <form id="composer" class="composer" onSubmit={submit}>
      <label for="composer-text" class="visually-hidden">
        Message
      </label>
      <textarea
        id="composer-text"
        ref={input}
        name="text"
        rows={1}
        maxLength={MAX_LENGTH}
        placeholder="Message"
        enterkeyhint="send"
        aria-describedby="composer-hint"
        value={text}
        onInput={(event) => {
          const value = event.currentTarget.value;
          setText(value);
          onDraft(value);
          onTyping();
        }}
        onKeyDown={keyDown}
      />
      <span id="composer-hint" class="visually-hidden">
        Enter sends, Shift+Enter starts a new line.
      </span>
      {remaining < 200 && (
        <span class="composer-count" aria-live="polite">
          {remaining}
        </span>
      )}
      <button type="submit" class="send-button" aria-label="Send" disabled={!text.trim()}>
        <SendIcon />
      </button>
    </form>
  );
}
