/**
 * The option values `check` and `record` share: the kernel model, the page size and the report format, each checked
 * with the same words. `fail` makes the command's own usage error.
 */
import { KERNEL_MODELS, PAGE_SIZES, type KernelModel, type PageSize } from "../analysis/facts";

export type ReportFormat = "text" | "json" | "sarif";

export function kernelOption(text: string, fail: (message: string) => Error): KernelModel {
  if (!(KERNEL_MODELS as readonly string[]).includes(text))
    throw fail(`unknown kernel model '${text}' (expected ${KERNEL_MODELS.join(", ")})`);
  return text as KernelModel;
}

export function pageSizeOption(text: string, fail: (message: string) => Error): PageSize {
  const size = Number(text);
  if (!(PAGE_SIZES as readonly number[]).includes(size))
    throw fail(`unsupported page size '${text}' (expected ${PAGE_SIZES.join(", ")})`);
  return size as PageSize;
}

export function formatOption(text: string, fail: (message: string) => Error): ReportFormat {
  if (text !== "text" && text !== "json" && text !== "sarif")
    throw fail(`unknown format '${text}' (expected text, json or sarif)`);
  return text;
}
