/**
 * Airgap image import for the agent: the tarballs of `<data-dir>/agent/images` go into
 * containerd's `k8s.io` namespace at start, each file once.
 *
 * @module
 */
export { type AirgapImportOptions, importAirgapImages, type ImportOutcome } from "./import.ts";
