/**
 * The kernel models and page sizes the analyzer, the simulator, the protocol and the client know: the one list of each
 * (the first entry is the default). It imports nothing, so the engine (analysis/facts.ts), the custom protocol
 * (protocol/ext.ts) and the client and webview bundles (client/src/webview/messages.ts) all take it from here.
 */

export const KERNEL_MODELS = ["rfc-v2", "mainline-6.x", "mainline-3.12"] as const;
export type KernelModel = (typeof KERNEL_MODELS)[number];

/** The unpatched kernels (`mainline` in a scenario's model list). */
export const MAINLINE_MODELS: readonly KernelModel[] = KERNEL_MODELS.filter((model) => model.startsWith("mainline-"));

export const PAGE_SIZES = [4096, 16384, 65536] as const;
export type PageSize = (typeof PAGE_SIZES)[number];
