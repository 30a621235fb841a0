export * from "./types";
export { ClientNodeProvider, FIELD_MANAGER, toKubernetesError, type ClientNodeOptions } from "./client";
export { loadKubeconfigs, splitKubeconfigPaths } from "./kubeconfig";
export { imageRepository, imageTag, rolloutStatusOf, selectorString, toEvent, toPod, toRevisions, toWorkload, STUCK_REASONS } from "./convert";
export { AsyncQueue } from "./queue";
export { Informer, InformerPool, sharedInformers, type InformerListener } from "./informer";
export { parseLabelSelector } from "./labels";
