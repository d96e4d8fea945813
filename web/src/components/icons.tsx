// Small inline icons; decorative unless given a label by the caller.

interface IconProps {
  class?: string;
}

const base = {
  width: 20,
  height: 20,
  viewBox: "0 0 24 24",
  fill: "none",
  stroke: "currentColor",
  "stroke-width": 2,
  "stroke-linecap": "round",
  "stroke-linejoin": "round",
  "aria-hidden": "true",
  focusable: "false",
} as const;

export function SendIcon(props: IconProps) {
  return (
    <svg {...base} class={props.class}>
      <path d="M5 12h13M13 6l6 6-6 6" />
    </svg>
  );
}

export function BackIcon(props: IconProps) {
  return (
    <svg {...base} class={props.class}>
      <path d="M15 18l-6-6 6-6" />
    </svg>
  );
}

export function CheckIcon(props: IconProps) {
  return (
    <svg {...base} width={16} height={16} class={props.class}>
      <path d="M4 12.5l5 5L20 7" />
    </svg>
  );
}

export function DoubleCheckIcon(props: IconProps) {
  return (
    <svg {...base} width={18} height={16} viewBox="0 0 28 24" class={props.class}>
      <path d="M2 12.5l5 5L18 7" />
      <path d="M11 16l1.5 1.5L24 7" />
    </svg>
  );
}

export function ClockIcon(props: IconProps) {
  return (
    <svg {...base} width={14} height={14} class={props.class}>
      <circle cx="12" cy="12" r="9" />
      <path d="M12 7v5l3 2" />
    </svg>
  );
}

export function AlertIcon(props: IconProps) {
  return (
    <svg {...base} width={16} height={16} class={props.class}>
      <circle cx="12" cy="12" r="9" />
      <path d="M12 7.5v5M12 16.5h.01" />
    </svg>
  );
}

export function PlusIcon(props: IconProps) {
  return (
    <svg {...base} class={props.class}>
      <path d="M12 5v14M5 12h14" />
    </svg>
  );
}

export function SmileIcon(props: IconProps) {
  return (
    <svg {...base} class={props.class}>
      <circle cx="12" cy="12" r="9" />
      <path d="M8.5 14.5c.9 1.3 2.1 2 3.5 2s2.6-.7 3.5-2M9 9.5h.01M15 9.5h.01" />
    </svg>
  );
}

export function CloseIcon(props: IconProps) {
  return (
    <svg {...base} class={props.class}>
      <path d="M6 6l12 12M18 6L6 18" />
    </svg>
  );
}

export function ImageIcon(props: IconProps) {
  return (
    <svg {...base} width={28} height={28} class={props.class}>
      <rect x="3.5" y="4.5" width="17" height="15" rx="3" />
      <circle cx="9" cy="10" r="1.8" />
      <path d="M4 17l5-4.5 4 3.5 3-2.5 4 3.5" />
    </svg>
  );
}

export function LogoMark(props: IconProps) {
  return (
    <svg viewBox="0 0 64 64" width={32} height={32} aria-hidden="true" focusable="false" class={props.class}>
      <path
        class="logo-bubble"
        d="M32 6C17.1 6 6 16.4 6 29.5c0 7.3 3.5 13.8 9.2 18.1L13 58l11.6-6.1c2.4.6 4.9.9 7.4.9 14.9 0 26-10.4 26-23.4S46.9 6 32 6z"
      />
      <circle class="logo-dot" cx="22" cy="30" r="3.6" />
      <circle class="logo-dot" cx="32" cy="30" r="3.6" />
      <circle class="logo-dot" cx="42" cy="30" r="3.6" />
    </svg>
  );
}

export function PaletteIcon(props: IconProps) {
  return (
    <svg {...base} class={props.class}>
      <path d="M12 3a9 9 0 100 18c1.2 0 1.8-.8 1.8-1.7 0-.5-.2-.9-.5-1.3-.3-.3-.5-.7-.5-1.2 0-1 .8-1.8 1.8-1.8H17a4 4 0 004-4c0-4.4-4-8-9-8z" />
      <circle cx="7.5" cy="11.5" r="1.2" />
      <circle cx="10" cy="7.5" r="1.2" />
      <circle cx="14.5" cy="7.5" r="1.2" />
    </svg>
  );
}

export function ChevronUpIcon(props: IconProps) {
  return (
    <svg {...base} width={18} height={18} class={props.class}>
      <path d="M6 15l6-6 6 6" />
    </svg>
  );
}

export function ChevronDownIcon(props: IconProps) {
  return (
    <svg {...base} width={18} height={18} class={props.class}>
      <path d="M6 9l6 6 6-6" />
    </svg>
  );
}

export function TrashIcon(props: IconProps) {
  return (
    <svg {...base} width={18} height={18} class={props.class}>
      <path d="M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 002 2h6a2 2 0 002-2l1-12M9 7V4h6v3" />
    </svg>
  );
}

export function LayersIcon(props: IconProps) {
  return (
    <svg {...base} class={props.class}>
      <path d="M12 3l9 5-9 5-9-5 9-5z" />
      <path d="M3 13l9 5 9-5" />
    </svg>
  );
}

export function EyeIcon(props: IconProps) {
  return (
    <svg {...base} width={18} height={18} class={props.class}>
      <path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z" />
      <circle cx="12" cy="12" r="3" />
    </svg>
  );
}

export function CopyIcon(props: IconProps) {
  return (
    <svg {...base} width={18} height={18} class={props.class}>
      <rect x="8" y="8" width="12" height="12" rx="2.5" />
      <path d="M16 8V6a2 2 0 00-2-2H6a2 2 0 00-2 2v8a2 2 0 002 2h2" />
    </svg>
  );
}

export function SignOutIcon(props: IconProps) {
  return (
    <svg {...base} width={18} height={18} class={props.class}>
      <path d="M15 4h3a2 2 0 012 2v12a2 2 0 01-2 2h-3M10 17l5-5-5-5M15 12H4" />
    </svg>
  );
}

export function MoreIcon(props: IconProps) {
  return (
    <svg {...base} width={18} height={18} class={props.class}>
      <path d="M6 12h.01M12 12h.01M18 12h.01" stroke-width={3} />
    </svg>
  );
}

export function PencilIcon(props: IconProps) {
  return (
    <svg {...base} width={16} height={16} class={props.class}>
      <path d="M4 20h4L19 9a2.8 2.8 0 00-4-4L4 16v4zM13.5 6.5l4 4" />
    </svg>
  );
}

/** A solid triangle, pointing up (or down with `down`). */
export function VoteIcon(props: IconProps & { down?: boolean }) {
  return (
    <svg {...base} width={12} height={12} fill="currentColor" stroke="none" class={props.class}>
      <path d={props.down ? "M4 7h16l-8 11z" : "M12 6l8 11H4z"} />
    </svg>
  );
}

export function PaperclipIcon(props: IconProps) {
  return (
    <svg {...base} class={props.class}>
      <path d="M20.5 11.5l-8.2 8.2a5 5 0 01-7.1-7.1l8.5-8.5a3.3 3.3 0 014.7 4.7l-8.5 8.5a1.7 1.7 0 01-2.4-2.4l7.8-7.8" />
    </svg>
  );
}

export function FileIcon(props: IconProps) {
  return (
    <svg {...base} class={props.class}>
      <path d="M14 3H7a2 2 0 00-2 2v14a2 2 0 002 2h10a2 2 0 002-2V8l-5-5z" />
      <path d="M14 3v5h5" />
    </svg>
  );
}

export function DownloadIcon(props: IconProps) {
  return (
    <svg {...base} width={18} height={18} class={props.class}>
      <path d="M12 4v11M7 10l5 5 5-5M5 20h14" />
    </svg>
  );
}

export function ExternalIcon(props: IconProps) {
  return (
    <svg {...base} width={16} height={16} class={props.class}>
      <path d="M14 4h6v6M20 4l-9 9M18 14v4a2 2 0 01-2 2H6a2 2 0 01-2-2V8a2 2 0 012-2h4" />
    </svg>
  );
}

/** Two people with a spark between them: meeting someone new. */
export function MeetIcon(props: IconProps) {
  return (
    <svg {...base} class={props.class}>
      <circle cx="7.5" cy="8" r="3" />
      <circle cx="16.5" cy="8" r="3" />
      <path d="M2.5 20c.4-3.4 2.4-5.5 5-5.5s4.6 2.1 5 5.5M11.5 20c.4-3.4 2.4-5.5 5-5.5s4.6 2.1 5 5.5" />
    </svg>
  );
}

export function RetryIcon(props: IconProps) {
  return (
    <svg {...base} width={16} height={16} class={props.class}>
      <path d="M4 12a8 8 0 0113.7-5.7L20 8.5M20 4v4.5h-4.5M20 12a8 8 0 01-13.7 5.7L4 15.5M4 20v-4.5h4.5" />
    </svg>
  );
}

/** A stopwatch: messages that disappear. */
export function TimerIcon(props: IconProps) {
  return (
    <svg {...base} width={16} height={16} class={props.class}>
      <circle cx="12" cy="13.5" r="7.5" />
      <path d="M12 9.5v4l2.5 1.5M9.5 2.5h5M19 6l-1.5 1.5" />
    </svg>
  );
}

/** A circle struck through: blocking someone. */
export function BlockIcon(props: IconProps) {
  return (
    <svg {...base} width={16} height={16} class={props.class}>
      <circle cx="12" cy="12" r="9" />
      <path d="M5.6 5.6l12.8 12.8" />
    </svg>
  );
}

export function InfoIcon(props: IconProps) {
  return (
    <svg {...base} width={16} height={16} class={props.class}>
      <circle cx="12" cy="12" r="9" />
      <path d="M12 11v5.5M12 7.5h.01" />
    </svg>
  );
}

export function SearchIcon(props: IconProps) {
  return (
    <svg {...base} width={16} height={16} class={props.class}>
      <circle cx="11" cy="11" r="6.5" />
      <path d="M20 20l-4.2-4.2" />
    </svg>
  );
}

/** A chat bubble: write to someone. */
export function MessageIcon(props: IconProps) {
  return (
    <svg {...base} width={16} height={16} class={props.class}>
      <path d="M5 18.5l-1.5 3 4.2-1.6A9 9 0 104 12c0 2.5 1 4.8 2.6 6.5z" />
    </svg>
  );
}

/** A small crown: a group's admin. */
export function CrownIcon(props: IconProps) {
  return (
    <svg {...base} width={14} height={14} class={props.class}>
      <path d="M4 18h16M4.5 15L3 7l5 4 4-6 4 6 5-4-1.5 8z" />
    </svg>
  );
}

export function HashIcon(props: IconProps) {
  return (
    <svg {...base} class={props.class}>
      <path d="M5 9h15M4 15h15M10 3L8 21M16 3l-2 18" />
    </svg>
  );
}

export function LeaveIcon(props: IconProps) {
  return (
    <svg {...base} class={props.class}>
      <path d="M14 4h4a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-4M9 16l-4-4 4-4M5 12h11" />
    </svg>
  );
}

export function KeyIcon(props: IconProps) {
  return (
    <svg {...base} width={18} height={18} class={props.class}>
      <circle cx="8" cy="15" r="4" />
      <path d="M10.85 12.15L19 4M16 7l2.5 2.5M14 9l2 2" />
    </svg>
  );
}
