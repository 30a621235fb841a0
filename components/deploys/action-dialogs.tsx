"use client";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { LoaderCircle, RotateCcw } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Button } from "@/components/ui/button";
import { Field, Input } from "@/components/ui/input";
import { fieldErrors } from "@/components/ui/field-errors";
import { Modal } from "./dialog";

/** Roll back one deploy: asks why, then opens the rollback deploy's page. */
export function RollbackDialog({ deploy, onClose }: { deploy: { id: string; toVersion: string; fromVersion: string | null; environment: string } | null; onClose: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [reason, setReason] = useState("");
  const m = useMutation(
    trpc.deploys.rollback.mutationOptions({
      onSuccess: (r) => {
        toast.success("Rollback started");
        onClose();
        router.push(`/deploys/${r.id}`);
      },
      onError: (e) => {
        if (!Object.keys(fieldErrors(e)).length) toast.error(e.message);
      },
    }),
  );
  const fe = fieldErrors(m.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (deploy) m.mutate({ id: deploy.id, reason: reason.trim() });
  };
  return (
    <Modal
      open={Boolean(deploy)}
      onOpenChange={(o) => !o && onClose()}
      title={`Roll back ${deploy?.toVersion ?? ""} in ${deploy?.environment ?? ""}`}
      description="Restores the previous ReplicaSet's pod template, as kubectl rollout undo does, tracked as its own deploy. Rollbacks restore a version that was deployed before, so they do not wait for approval."
    >
      <form onSubmit={submit} className="space-y-4" data-testid="rollback-dialog">
        <Field label="Reason" error={fe.reason}>
          <Input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. error rate up since the deploy" autoFocus name="reason" aria-invalid={Boolean(fe.reason)} />
        </Field>
        <div className="flex justify-end gap-2">
          <Button type="button" variant="ghost" onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="danger" disabled={m.isPending}>
            {m.isPending ? <LoaderCircle className="size-4 animate-spin" /> : <RotateCcw className="size-4" />} Roll back
          </Button>
        </div>
      </form>
    </Modal>
  );
}

/** Scale a service's Deployment in one environment (on-call). */
export function ScaleDialog({ open, onOpenChange, entityRef, environment, current }: { open: boolean; onOpenChange: (o: boolean) => void; entityRef: string; environment: string; current: number }) {
  const trpc = useTRPC();
  const [replicas, setReplicas] = useState(String(current));
  const m = useMutation(
    trpc.deploys.scale.mutationOptions({
      onSuccess: (r) => {
        toast.success(`${r.workload} scaled to ${r.replicas}`);
        onOpenChange(false);
      },
      onError: (e) => {
        if (!Object.keys(fieldErrors(e)).length) toast.error(e.message);
      },
    }),
  );
  const fe = fieldErrors(m.error);
  return (
    <Modal open={open} onOpenChange={onOpenChange} title={`Scale in ${environment}`} description="Sets the Deployment's replicas (audited).">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          m.mutate({ entityRef, environment, replicas: Number(replicas) });
        }}
        className="space-y-4"
      >
        <Field label="Replicas" error={fe.replicas}>
          <Input type="number" min={0} max={500} value={replicas} onChange={(e) => setReplicas(e.target.value)} autoFocus />
        </Field>
        <div className="flex justify-end gap-2">
          <Button type="button" variant="ghost" onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={m.isPending}>
            {m.isPending ? <LoaderCircle className="size-4 animate-spin" /> : null} Scale
          </Button>
        </div>
      </form>
    </Modal>
  );
}
