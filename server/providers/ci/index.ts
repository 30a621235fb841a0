export * from "./types";
export { retryingFetch, retryAtOf, type RetryOptions } from "./http";
export { GitHubActionsProvider, mapGithubRun, githubStatus, dispatchInputs, type GitHubConfig, type GitHubAuth } from "./github";
export { GitLabCiProvider, mapGitlabPipeline, gitlabStatus, type GitLabConfig } from "./gitlab";
export { JenkinsProvider, mapJenkinsBuild, jenkinsStatus, jenkinsRunId, jobPath, type JenkinsConfig } from "./jenkins";
export { BuiltinCiProvider, type BuiltinRunStore } from "./builtin";
export { PIPELINE_FILE, parsePipeline, readPipeline, resolveInputs, renderVersion, PipelineError, type Pipeline } from "./builtin-pipeline";
