import { hueOf, initials } from "../state/format";

interface AvatarProps {
  id: string;
  name: string;
  size?: "sm" | "md" | "lg";
  group?: boolean;
}

/** Initials on a colour derived from the id; the hue is a custom property so themes can restyle it. */
export function Avatar({ id, name, size = "md", group = false }: AvatarProps) {
  return (
    <span
      class={`avatar avatar-${size}${group ? " avatar-group" : ""}`}
      style={{ "--avatar-hue": String(hueOf(id)) }}
      aria-hidden="true"
    >
      {initials(name)}
    </span>
  );
}
