const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** Whether a socket address is this machine (first-run set-up is allowed only from here). */
export function isLoopback(address: string | undefined): boolean {
  return LOOPBACK.test(address ?? "");
}
