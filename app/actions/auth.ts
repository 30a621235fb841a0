"use server";
import { signIn, signOut } from "@/server/auth/nextauth";

const safeRedirect = (to: FormDataEntryValue | null) => (typeof to === "string" && to.startsWith("/") && !to.startsWith("//") ? to : "/");

export async function signInWithOidc(formData: FormData) {
  await signIn("oidc", { redirectTo: safeRedirect(formData.get("callbackUrl")) });
}

export async function signInAsDemoUser(formData: FormData) {
  await signIn("demo", { userId: String(formData.get("userId") ?? ""), redirectTo: safeRedirect(formData.get("callbackUrl")) });
}

export async function signOutAction() {
  await signOut({ redirectTo: "/signin" });
}
