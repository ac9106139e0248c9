import { lookup as dnsLookup, LookupAddress, LookupAllOptions } from 'node:dns';
import { BlockList, isIP, LookupFunction } from 'node:net';

/**
 * Where a push subscription's endpoint may point (SSRF): an `https://` URL of a public host. The
 * rule is checked when a subscription is stored (the URL, and the addresses its name resolves to)
 * and again for every connection a push makes: IP literals before the request, names in the agent's
 * `lookup`, which resolves, checks every address and hands the connection exactly the checked ones,
 * so a name that changes its answer between the check and the connection (DNS rebinding) cannot
 * reach an internal address. PUSH_ENDPOINT_ALLOW lists exceptions: a host name matches the URL's
 * host; an address or CIDR matches the URL's IP literal or the addresses a name resolves to. Only
 * an allowed host may use `http://`.
 */

/** Not public: loopback, private, link-local, unique-local, multicast, unspecified, reserved, documentation. */
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", includes the unspecified 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relays
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback, IPv4-compatible (deprecated)
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID …)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: an IPv4 address inside
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv6');
}
// IPv4-mapped IPv6 (::ffff:a.b.c.d) is matched against the IPv4 ranges by BlockList itself.

const NAT64 = new BlockList();
NAT64.addSubnet('64:ff9b::', 96, 'ipv6');

/** The IPv4 address inside a well-known-prefix NAT64 address (64:ff9b::a.b.c.d). */
function nat64Inner(address: string): string | null {
  if (!NAT64.check(address, 'ipv6')) return null;
  const groups = expandIpv6(address);
  return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.');
}

/** The eight 16-bit groups of an IPv6 address (an embedded dotted IPv4 tail included). */
function expandIpv6(address: string): number[] {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail = ''] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = text.includes('::') ? (tail ? tail.split(':') : []) : [];
  const missing = 8 - left.length - right.length;
  return [...left, ...Array<string>(text.includes('::') ? missing : 0).fill('0'), ...right].map((g) => parseInt(g, 16));
}

/** True for an address a push must not reach (unless allowed). */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return NOT_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return true; // not an address at all
  const inner = nat64Inner(address);
  if (inner !== null) return NOT_PUBLIC.check(inner, 'ipv4');
  return NOT_PUBLIC.check(address, 'ipv6');
}

/** A connection a push was about to make, refused by the rule: no retry will help. */
export class EndpointRefused extends Error {
  readonly code = 'EPUSHREFUSED';
}

const STORE_REFUSAL = 'endpoint must be an https:// URL of a public host (not a loopback, private or link-local address)';

type Resolver = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export class EndpointPolicy {
  private readonly allowedNames = new Set<string>();
  private readonly allowedAddresses = new BlockList();

  /** `allow`: PUSH_ENDPOINT_ALLOW (lower-case names, addresses, CIDRs); `resolve`: dns.lookup, replaceable in unit tests. */
  constructor(
    allow: string[],
    private readonly resolve: Resolver = dnsLookup,
  ) {
    for (const entry of allow) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address);
      if (!family) this.allowedNames.add(entry);
      else if (prefix === undefined) this.allowedAddresses.addAddress(address, family === 4 ? 'ipv4' : 'ipv6');
      else this.allowedAddresses.addSubnet(address, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /**
   * The rules that need no DNS: a URL, https (http only for an allowed host), no user or password,
   * and an IP literal that is public or allowed. Returns the URL, or why it is refused.
   */
  checkUrl(endpoint: string): { url: URL } | { problem: string } {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return { problem: 'endpoint must be a URL' };
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: STORE_REFUSAL };
    if (url.username || url.password) return { problem: 'endpoint must not carry a user name or password' };
    const host = hostOf(url);
    const allowed = this.hostAllowed(host);
    if (url.protocol === 'http:' && !allowed) return { problem: STORE_REFUSAL };
    if (!allowed && isIP(host) && isNonPublicAddress(host)) return { problem: STORE_REFUSAL };
    // RFC 6761: *.localhost is loopback whatever DNS says; no need to ask.
    if (!allowed && (host === 'localhost' || host.endsWith('.localhost'))) return { problem: STORE_REFUSAL };
    return { url };
  }

  /** Every rule, DNS included (when a subscription is stored): null when the endpoint may be used, else why not. */
  async check(endpoint: string): Promise<{ problem: string; unresolved?: boolean } | null> {
    const checked = this.checkUrl(endpoint);
    if ('problem' in checked) return checked;
    const host = hostOf(checked.url);
    if (isIP(host) || this.allowedNames.has(host)) return null;
    let addresses: LookupAddress[];
    try {
      addresses = await new Promise<LookupAddress[]>((ok, fail) =>
        this.resolve(host, { all: true }, (err, found) => (err ? fail(err) : ok(found))),
      );
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { problem: 'endpoint host does not resolve', unresolved: code !== 'ENOTFOUND' && code !== 'ENODATA' };
    }
    return addresses.some((a) => !this.addressAllowed(a.address)) ? { problem: STORE_REFUSAL } : null;
  }

  /**
   * The `lookup` of the agents that send pushes: resolves the name, refuses (EndpointRefused) when any
   * of its addresses is not allowed, else answers with those addresses, which the socket then uses.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const host = hostname.toLowerCase();
    this.resolve(host, { all: true, family: options.family, hints: options.hints }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      if (!this.allowedNames.has(host)) {
        const refused = addresses.find((a) => !this.addressAllowed(a.address));
        if (refused) return callback(new EndpointRefused(`${host} resolves to ${refused.address}, which a push may not reach`), '', 0);
      }
      if (!addresses.length) return callback(Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' }), '', 0);
      if (options.all) return (callback as unknown as (err: null, addresses: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };

  private hostAllowed(host: string): boolean {
    const family = isIP(host);
    if (!family) return this.allowedNames.has(host);
    return this.allowedAddresses.check(host, family === 4 ? 'ipv4' : 'ipv6');
  }

  private addressAllowed(address: string): boolean {
    const family = isIP(address);
    if (family && this.allowedAddresses.check(address, family === 4 ? 'ipv4' : 'ipv6')) return true;
    return !isNonPublicAddress(address);
  }
}

/** The URL's host as a name (lower case) or a bare address (IPv6 without brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}
