import { BlockList, isIP } from "node:net";
import { StartupError } from "../errors";

/** The reverse proxies whose forwarding headers are believed: "loopback", IPs and CIDRs. */
export type TrustProxy = readonly string[];

/** One proxy the server trusts, written as in SIGNAGE_TRUST_PROXY. */
const LOOPBACK = "loopback";

/**
 * Parses SIGNAGE_TRUST_PROXY: empty or absent trusts nobody; otherwise a comma-separated list of
 * `loopback`, IP addresses and CIDR ranges. A bad item stops the start with one sentence.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  if (value === undefined || value.trim() === "") return [];
  const items = value.split(",").map((s) => s.trim());
  for (const item of items) {
    if (item === LOOPBACK) continue;
    const [address = "", bits, ...rest] = item.split("/");
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (family === 0 || !bitsOk || rest.length > 0) {
      throw new StartupError(
        `Invalid SIGNAGE_TRUST_PROXY: "${item}" is not loopback, an IP address or a CIDR range such as 10.0.0.0/8; list the reverse proxy's addresses separated by commas.`,
      );
    }
  }
  return items;
}

/** A socket address without the IPv4-mapped IPv6 prefix (::ffff:10.0.0.1 → 10.0.0.1). */
function plain(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m?.[1] ?? address;
}

/**
 * Which direct peers are trusted reverse proxies, and so whose X-Forwarded-For names the real
 * client. Used by express (`trust proxy`) and by the socket.io handshake alike, so sign-in,
 * pairing and kiosk limits all key on the same address.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  private readonly any: boolean;

  constructor(trust: TrustProxy) {
    this.any = trust.length > 0;
    for (const item of trust) {
      if (item === LOOPBACK) {
        this.list.addSubnet("127.0.0.0", 8, "ipv4");
        this.list.addAddress("::1", "ipv6");
        continue;
      }
      const [address = "", bits] = item.split("/");
      const family = isIP(address) === 4 ? "ipv4" : "ipv6";
      if (bits === undefined) this.list.addAddress(address, family);
      else this.list.addSubnet(address, Number(bits), family);
    }
  }

  /** Whether a direct peer's address is a trusted proxy. */
  trusts(address: string | undefined): boolean {
    if (!this.any || address === undefined) return false;
    const a = plain(address);
    const family = isIP(a);
    if (family === 0) return false;
    return this.list.check(a, family === 4 ? "ipv4" : "ipv6");
  }

  /**
   * The real client address: the direct peer, unless it is a trusted proxy, in which case the
   * X-Forwarded-For list is walked from the right past every trusted proxy (the same rule as
   * express's `trust proxy`). A forged left part of the header is never reached.
   */
  clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    let address = plain(peer ?? "unknown");
    if (!this.trusts(address) || forwardedFor === undefined) return address;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = plain(hops[i] ?? "");
      if (isIP(hop) === 0) return address;
      address = hop;
      if (!this.trusts(hop)) return address;
    }
    return address;
  }
}
