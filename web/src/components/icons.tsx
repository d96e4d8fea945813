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
