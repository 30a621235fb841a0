import { z } from "zod";
import { imageRepository } from "@/server/providers/kubernetes";

// Image references as the container runtime accepts them (distribution/reference grammar, simplified to what matters):
// [registry[:port]/]path[:tag][@sha256:digest], lowercase path components, tags up to 128 characters.
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
// A registry is a first component with a dot or a port, or localhost (as Docker decides); otherwise it is a path.
const LABEL = "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?";
const REGISTRY = `(?:(?:localhost|${LABEL}(?:\\.${LABEL})+)(?::[0-9]+)?/|${LABEL}:[0-9]+/)`;
export const TAG_RE = /^[\w][\w.-]{0,127}$/;
export const IMAGE_RE = new RegExp(`^${REGISTRY}?${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);

export const imageReference = z
  .string()
  .trim()
  .max(512)
  .regex(IMAGE_RE, "not a valid image reference (e.g. registry.example.com/team/app:1.4.2)")
  .refine((v) => /@sha256:/.test(v) || /:[\w][\w.-]*$/.test(v.slice(v.lastIndexOf("/") + 1)), "name a tag or a digest (…:1.4.2 or …@sha256:…)");

/** What the deploy dialog sends as "version": a bare tag (the current repository is kept) or a full image reference. */
export const versionInput = z
  .string()
  .trim()
  .min(1, "pick a version")
  .max(512)
  .refine((v) => TAG_RE.test(v) || imageReference.safeParse(v).success, "a tag like 1.4.2, or a full image reference like registry.example.com/app:1.4.2");

/** The image to deploy: a tag goes onto the current image's repository. */
export function resolveImage(version: string, currentImage: string): string {
  const v = version.trim();
  if (TAG_RE.test(v) && !v.includes("/")) return `${imageRepository(currentImage)}:${v}`;
  return imageReference.parse(v);
}
