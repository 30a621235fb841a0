/** Where the e2e servers listen (ports overridable so a second run can go beside the first). */
export const DEMO_PORT = Number(process.env.E2E_DEMO_PORT ?? 3400);
export const DEMO_APP = `http://localhost:${DEMO_PORT}`;
