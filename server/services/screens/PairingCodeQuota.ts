import { isIPv4, isIPv6 } from "node:net";
import { said } from "../../../shared/messages/errorMessages";
import { RateLimitedError } from "../../errors";
import { RateLimiter } from "../RateLimiter";

/** How many pairing codes may be asked for in a minute, by whom. */
export interface PairingCodeLimits {
  /** From one client address. */
  perAddress: number;
  /** From one address range (IPv4 /24, IPv6 /64): one network, one provider's customer. */
  perRange: number;
  /** From everywhere together. */
  overall: number;
  /**
   * Codes a range is always given, even when everyone together is over `overall`: a handful of
   * ranges using up the overall quota cannot leave the rest of the city with none.
   */
  reservePerRange: number;
}

/** The window every pairing-code quota counts over. */
const WINDOW_MS = 60_000;

/**
 * The range an address belongs to, as a label: `203.0.113.0/24`, `2001:db8:0:1::/64`. One
 * customer of a provider usually holds a whole range, so a quota per range is one per network
 * rather than one per address it can pick. Anything but an IP address is its own range.
 */
export function addressRange(address: string): string {
  if (isIPv4(address)) return `${address.split(".").slice(0, 3).join(".")}.0/24`;
  const plain = address.split("%")[0] ?? address;
  if (!isIPv6(plain)) return address;
  return `${ipv6Groups(plain).slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, in hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const [head = "", tail] = address.split("::");
  const part = (s: string | undefined): string[] => {
    if (s === undefined || s === "") return [];
    return s.split(":").flatMap((g) => {
      if (!g.includes(".")) return [g];
      // An IPv4 tail (::ffff:10.0.0.1) is two groups.
      const [a = 0, b = 0, c = 0, d = 0] = g.split(".").map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  };
  const left = part(head);
  const right = part(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
}

/**
 * Pairing-code quotas per address, per address range and overall, counted over a minute. The
 * overall quota refuses only ranges that already had their reserve: one range, or a handful,
 * cannot use up the codes of every other network.
 */
export class PairingCodeQuota {
  private readonly perAddress: RateLimiter;
  private readonly perRange: RateLimiter;
  private readonly overall: RateLimiter;
  private readonly reserve: number;

  constructor(limits: PairingCodeLimits, now: () => number = Date.now) {
    this.perAddress = new RateLimiter(Math.min(limits.perAddress, limits.perRange), WINDOW_MS, now);
    this.perRange = new RateLimiter(limits.perRange, WINDOW_MS, now);
    this.overall = new RateLimiter(limits.overall, WINDOW_MS, now);
    this.reserve = Math.min(limits.reservePerRange, limits.perRange);
  }

  /** Counts one code for `address`, or throws a 429 saying whose quota is used up and until when. */
  take(address: string): void {
    const range = addressRange(address);
    const fromAddress = this.perAddress.retryAfterSeconds(address);
    if (fromAddress > 0)
      throw new RateLimitedError(
        fromAddress,
        said("pairing.tooManyCodes", { seconds: fromAddress }),
      );
    const fromRange = this.perRange.retryAfterSeconds(range);
    if (fromRange > 0)
      throw new RateLimitedError(
        fromRange,
        said("pairing.tooManyCodesFromRange", { range, seconds: fromRange }),
      );
    const overall = this.overall.retryAfterSeconds("all");
    if (overall > 0 && this.perRange.count(range) >= this.reserve)
      throw new RateLimitedError(
        overall,
        said("pairing.tooManyCodesOverall", { seconds: overall }),
      );
    this.perAddress.hit(address);
    this.perRange.hit(range);
    this.overall.hit("all");
  }
}
