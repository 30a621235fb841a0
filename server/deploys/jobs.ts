/** graphile-worker task names of the deploy domain (server/jobs/tasks.ts maps them to handlers). */
export const DEPLOY_RUN_TASK = "deploys_run";
