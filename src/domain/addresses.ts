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
  // IPv4-compatible (deprecated, ::a.b.c.d): no public service lives there.
  ['::', 96],
  // Discard-only, local-use NAT64 (RFC 8215), Teredo tunnels, deprecated site-local.
  ['100::', 64],
  ['64:ff9b:1::', 48],
  ['2001::', 32],
  ['fec0::', 10],
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
    // Addresses that carry an IPv4 address inside and reach it through a gateway:
    // NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:AABB:CCDD::).
    const embedded = embeddedIpv4(bare);
    if (embedded && INTERNAL.check(embedded, 'ipv4')) return true;
    return INTERNAL.check(bare, 'ipv6');
  }
  return false;
}

/** The eight 16-bit groups of an IPv6 literal (with or without a trailing dotted IPv4 part). */
function ipv6Groups(ip: string): number[] | undefined {
  let text = ip.replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail, ...rest] = text.split('::');
  if (rest.length) return undefined;
  const part = (s: string | undefined) => (s ? s.split(':').map((h) => parseInt(h, 16)) : []);
  const h = part(head);
  const t = part(tail);
  const groups = tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** The IPv4 address inside a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address, if it is one. */
function embeddedIpv4(ip: string): string | undefined {
  const g = ipv6Groups(ip);
  if (!g) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0) return v4(g[6], g[7]);
  if (g[0] === 0x2002) return v4(g[1], g[2]);
  return undefined;
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
