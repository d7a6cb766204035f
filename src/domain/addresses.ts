import { BlockList, isIP } from 'node:net';

/**
 * Which addresses the outside world cannot reach (or must not be made to reach):
 * loopback, private, link-local (including the cloud metadata address),
 * carrier-grade NAT, unspecified, multicast and documentation ranges.
 * Pure: it classifies literals and names, it never resolves DNS.
 */
const INTERNAL = new BlockList();
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
  INTERNAL.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const)
  INTERNAL.addSubnet(net, prefix, 'ipv6');

/** True for an IP literal in a loopback, private, link-local or otherwise non-public range. */
export function isInternalAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return INTERNAL.check(bare, 'ipv4');
  if (family === 6) {
    // IPv4-mapped IPv6 (::ffff:127.0.0.1) is the IPv4 address in disguise.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
    if (mapped) return INTERNAL.check(mapped[1], 'ipv4');
    return INTERNAL.check(bare, 'ipv6');
  }
  return false;
}

/** Names that only mean something inside a machine or a private network. */
function isInternalName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/\.(local|internal|lan|home|corp|intranet|localdomain|home\.arpa)$/.test(h)) return true;
  return !h.includes('.'); // a single label ("server", "temporal") resolves only on a private network
}

/**
 * Whether a URL can be fetched by someone outside this machine's network (Slack's
 * and Discord's servers, an approver's phone): http(s), and a host that is neither
 * an internal address literal nor an internal-only name. A hostname's DNS answer is
 * not checked here; this is about our own configured addresses (PUBLIC_BASE_URL,
 * TEMPORAL_UI_URL), not about defending against hostile URLs.
 */
export function isPubliclyReachableUrl(url: string | undefined): url is string {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return !isInternalAddress(host);
  return !isInternalName(host);
}
