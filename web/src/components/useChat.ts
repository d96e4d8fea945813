import { useEffect, useState } from "preact/hooks";
import type { Chat } from "../state/chat";

/** Re-renders the caller whenever the chat's state changes. */
export function useChat(chat: Chat): void {
  const [, setVersion] = useState(0);
  useEffect(
    () =>
      chat.subscribe(() => {
        setVersion((n) => n + 1);
      }),
    [chat],
  );
}
