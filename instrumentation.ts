// Next.js calls register() once when a server process boots (never during `next build`).
//  * OPSDECK_WORKER=inline (default): graphile-worker runs here, in the app process. Zero-setup mode needs that (the
//    embedded database is one session, so `npm run worker` refuses it) and a single-process install gets jobs
//    without a second service. Scale-out: OPSDECK_WORKER=off on web replicas plus `npm run worker` processes.
//  * Under `npm start`, the app exits if the launcher that owns the embedded database disappears.

export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const [{ startInlineWorker }, { watchLauncher }] = await Promise.all([import("./server/jobs/inline"), import("./server/runtime/launcher-watch")]);
  watchLauncher();
  await startInlineWorker();
}
