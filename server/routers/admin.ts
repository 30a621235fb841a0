import { requires, router } from "@/server/trpc";
import { z } from "zod";
import {
  createTeam, createTeamInput, listTeams, listUsers, removeMembership, removeMembershipInput, setMembership, setMembershipInput, teamDetail, teamSlugInput,
} from "@/server/admin/teams";

const teamScope = (input: { teamId: string }) => ({ teamIds: [input.teamId] });

export const adminRouter = router({
  users: requires("admin.read", z.void()).query(({ ctx }) => listUsers(ctx.db)),
  teams: requires("self.read", z.void()).query(({ ctx }) => listTeams(ctx.db)),
  team: requires("self.read", teamSlugInput).query(({ ctx, input }) => teamDetail(ctx.db, input.slug)),
  setMembership: requires("team.members.manage", setMembershipInput, teamScope)
    .meta({ audit: "team.membership.set" })
    .mutation(({ ctx, input }) => ctx.audited((tx) => setMembership(tx, input))),
  removeMembership: requires("team.members.manage", removeMembershipInput, teamScope)
    .meta({ audit: "team.membership.remove" })
    .mutation(({ ctx, input }) => ctx.audited((tx) => removeMembership(tx, input))),
  createTeam: requires("team.create", createTeamInput)
    .meta({ audit: "team.create" })
    .mutation(({ ctx, input }) => ctx.audited((tx) => createTeam(tx, input))),
});
