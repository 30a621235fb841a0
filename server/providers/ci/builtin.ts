import { readPipeline, resolveInputs, PipelineError } from "./builtin-pipeline";
import { CiProviderError, type CiLog, type CiPipelineInfo, type CiProvider, type CiRunDetail, type CiRunInfo, type TriggerRequest, type TriggerResult } from "./types";

/**
 * Where the built-in runner keeps its runs. The provider speaks the CiProvider contract; the store (server/ci/builtin-store.ts,
 * Postgres) holds the rows and queues the work, so a trigger inside an audited transaction queues exactly when it commits.
 */
export interface BuiltinRunStore {
  list(workdir: string, limit: number): Promise<CiRunInfo[]>;
  get(workdir: string, id: string): Promise<(CiRunDetail & { inputs: Record<string, string> }) | null>;
  /** Creates a queued run and its worker job. */
  enqueue(workdir: string, run: { pipeline: string; ref: string; inputs: Record<string, string>; rerunOf?: string }): Promise<{ id: string }>;
  log(id: string, maxBytes: number): Promise<{ text: string; truncated: boolean }>;
}

export class BuiltinCiProvider implements CiProvider {
  readonly kind = "builtin" as const;
  readonly label = "Built-in runner";

  constructor(private readonly store: BuiltinRunStore) {}

  private async pipeline(workdir: string) {
    try {
      return await readPipeline(workdir);
    } catch (err) {
      if (err instanceof PipelineError) throw new CiProviderError(err.message, "bad_request", "builtin");
      throw err;
    }
  }

  async listPipelines(workdir: string): Promise<CiPipelineInfo[]> {
    const p = await this.pipeline(workdir);
    return [{ id: p.name, name: p.name, path: ".opsdeck/pipeline.yaml", triggerable: true, url: null, inputs: p.inputs.map((i) => ({ name: i.name, description: i.description, required: i.required, default: i.default ?? null, options: i.options ?? null })) }];
  }

  listRuns(workdir: string, opts: { limit: number }): Promise<CiRunInfo[]> {
    return this.store.list(workdir, opts.limit);
  }

  async getRun(workdir: string, id: string): Promise<CiRunDetail & { inputs: Record<string, string> }> {
    const run = await this.store.get(workdir, id);
    if (!run) throw new CiProviderError(`built-in run ${id} does not exist`, "not_found", "builtin");
    return run;
  }

  async trigger(workdir: string, req: TriggerRequest): Promise<TriggerResult> {
    const p = await this.pipeline(workdir);
    let inputs: Record<string, string>;
    try {
      inputs = resolveInputs(p, req.inputs);
    } catch (err) {
      throw new CiProviderError((err as Error).message, "bad_request", "builtin");
    }
    const { id } = await this.store.enqueue(workdir, { pipeline: p.name, ref: req.ref, inputs });
    return { accepted: true, externalId: id, url: null, message: `built-in pipeline ${p.name} queued` };
  }

  async rerun(workdir: string, id: string): Promise<TriggerResult> {
    const old = await this.getRun(workdir, id);
    const { id: next } = await this.store.enqueue(workdir, { pipeline: old.pipeline, ref: old.branch ?? "", inputs: old.inputs, rerunOf: id });
    return { accepted: true, externalId: next, url: null, message: `re-run of ${id} queued as ${next}` };
  }

  async logs(workdir: string, id: string): Promise<CiLog> {
    await this.getRun(workdir, id);
    const { text, truncated } = await this.store.log(id, 512 * 1024);
    return { url: null, text, truncated };
  }
}
