import { requireMe } from "@/server/http/caller";
import { Profile } from "@/components/me/profile";

export const metadata = { title: "Your profile" };

export default async function MePage() {
  const me = await requireMe();
  return <Profile me={me} />;
}
