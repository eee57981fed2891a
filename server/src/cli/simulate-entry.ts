/**
 * `vmsplice-lens simulate`: bridges the command line to the simulator (scenario files and call-site replay).
 */
export async function runSimulate(_argv: string[], _out: (text: string) => void, err: (text: string) => void): Promise<number> {
  err("vmsplice-lens: simulate is not wired yet\n");
  return 2;
}
