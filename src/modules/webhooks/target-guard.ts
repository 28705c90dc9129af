import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where deliveries may go (SSRF). A target must be https, except on a host listed in LEAD_WEBHOOK_ALLOWED_HOSTS
 * (development receivers). Every address the name resolves to must be public: private, loopback, link-local,
 * CGNAT, multicast and reserved ranges are refused unless the host name, or a listed address or CIDR, allows
 * them. The check runs when a subscription is created or changed and again as each delivery connects (the
 * connection uses the very address that was checked, so a name that re-resolves to 127.0.0.1 later, DNS
 * rebinding, is refused then).
 */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

export class TargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefused';
  }
}

export interface AllowList {
  readonly names: ReadonlySet<string>;
  readonly addresses: BlockList;
}

/** `LEAD_WEBHOOK_ALLOWED_HOSTS` entries: host names, addresses or CIDRs (`127.0.0.1`, `10.0.0.0/8`, `localhost`). */
export function allowList(entries: readonly string[]): AllowList {
  const names = new Set<string>();
  const addresses = new BlockList();
  for (const raw of entries) {
    const entry = raw
      .trim()
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1');
    if (!entry) continue;
    const [address, prefix] = entry.split('/');
    const family = isIP(address);
    if (family === 0) names.add(entry);
    else if (prefix === undefined) addresses.addAddress(address, family === 6 ? 'ipv6' : 'ipv4');
    else addresses.addSubnet(address, Number(prefix), family === 6 ? 'ipv6' : 'ipv4');
  }
  return { names, addresses };
}

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is checked as the IPv4 address it carries. */
function unmapped(address: string): { address: string; type: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1], type: 'ipv4' };
  return { address, type: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

export function isPrivateAddress(address: string): boolean {
  const a = unmapped(address);
  return PRIVATE.check(a.address, a.type);
}

function addressAllowed(allow: AllowList, host: string, address: string): boolean {
  if (!isPrivateAddress(address)) return true;
  if (allow.names.has(host)) return true;
  const a = unmapped(address);
  return allow.addresses.check(a.address, a.type) || allow.addresses.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

const hostOf = (url: URL) => url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');

/** Checks the URL's form (scheme, credentials, host). Throws TargetRefused with the reason. */
export function checkUrl(text: string, allow: AllowList): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TargetRefused('url must be an absolute URL');
  }
  const host = hostOf(url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TargetRefused('url must be https');
  if (url.username || url.password) throw new TargetRefused('url must not carry credentials');
  const listed = allow.names.has(host) || (isIP(host) !== 0 && addressAllowed(allow, host, host) && isPrivateAddress(host));
  if (url.protocol === 'http:' && !listed)
    throw new TargetRefused('url must be https (plain http only for hosts in LEAD_WEBHOOK_ALLOWED_HOSTS)');
  if (isIP(host) !== 0 && !addressAllowed(allow, host, host))
    throw new TargetRefused(`url points to a private, loopback or link-local address (${host})`);
  return url;
}

export type Lookup = (host: string) => Promise<{ address: string; family: number }[]>;

export const systemLookup: Lookup = (host) =>
  new Promise((done, fail) => dnsLookup(host, { all: true }, (error, addresses) => (error ? fail(error) : done(addresses))));

/** Resolves the host and refuses it when any of its addresses is private and not allowed. */
export async function checkAddresses(
  url: URL,
  allow: AllowList,
  lookup: Lookup = systemLookup,
): Promise<{ address: string; family: number }[]> {
  const host = hostOf(url);
  if (isIP(host) !== 0) {
    if (!addressAllowed(allow, host, host)) throw new TargetRefused(`url points to a private, loopback or link-local address (${host})`);
    return [{ address: host, family: isIP(host) }];
  }
  let addresses: { address: string; family: number }[];
  try {
    addresses = await lookup(host);
  } catch (error) {
    throw new TargetRefused(`url host ${host} does not resolve: ${(error as Error).message}`);
  }
  const refused = addresses.find((a) => !addressAllowed(allow, host, a.address));
  if (refused) throw new TargetRefused(`url host ${host} resolves to a private, loopback or link-local address (${refused.address})`);
  if (addresses.length === 0) throw new TargetRefused(`url host ${host} does not resolve`);
  return addresses;
}
