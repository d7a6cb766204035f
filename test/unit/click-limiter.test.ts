import { describe, expect, it } from 'vitest';
import { ClickRateLimiter, clientNetwork } from '../../src/api/routes/redirect.js';

describe('ClickRateLimiter', () => {
  it('allows perMinute requests at once, then refills at perMinute a minute', () => {
    const l = new ClickRateLimiter(60, 10);
    const t0 = 1_000_000;
    for (let i = 0; i < 60; i++) expect(l.take('a', t0)).toBe(0);
    expect(l.take('a', t0)).toBe(1); // the first refused in a row
    expect(l.take('a', t0)).toBe(2);
    expect(l.take('a', t0 + 999)).toBe(3); // not a whole token yet
    expect(l.take('a', t0 + 1000)).toBe(0); // one token a second
    expect(l.take('a', t0 + 1000)).toBe(1);
    expect(l.dropped).toBe(4);
    // A minute later the bucket is full again, never fuller.
    for (let i = 0; i < 60; i++) expect(l.take('a', t0 + 120_000)).toBe(0);
    expect(l.take('a', t0 + 120_000)).toBe(1);
    // Other keys have buckets of their own.
    expect(l.take('b', t0)).toBe(0);
  });

  it('ignores a clock that goes backwards (no free tokens)', () => {
    const l = new ClickRateLimiter(2, 10);
    expect(l.take('a', 10_000)).toBe(0);
    expect(l.take('a', 10_000)).toBe(0);
    expect(l.take('a', 5_000)).toBe(1);
    expect(l.take('a', 10_000)).toBe(2);
  });

  it('keeps at most maxKeys keys, forgetting the least recently seen first', () => {
    const l = new ClickRateLimiter(1, 3);
    for (const k of ['a', 'b', 'c']) expect(l.take(k, 0)).toBe(0);
    expect(l.take('a', 0)).toBe(1); // a is limited, and now the most recently seen
    expect(l.take('d', 0)).toBe(0); // evicts b, the least recently seen
    expect(l.size).toBe(3);
    expect(l.take('a', 0)).toBe(2); // a was kept: still limited
    expect(l.take('b', 0)).toBe(0); // b was forgotten: a full bucket again (evicts c)
    expect(l.take('c', 0)).toBe(0);
    expect(l.size).toBe(3);
    const many = new ClickRateLimiter(60, 1000);
    for (let i = 0; i < 50_000; i++) many.take(`k${i}`, i);
    expect(many.size).toBe(1000);
  });
});

describe('clientNetwork', () => {
  it('keeps an IPv4 address, also when written IPv4-mapped', () => {
    expect(clientNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('::FFFF:127.0.0.1')).toBe('127.0.0.1');
  });

  it('reduces an IPv6 address to its /64, whatever way it is written', () => {
    const net = '2001:db8:1:2::/64';
    for (const ip of ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:ffff:ffff:fffe', '2001:DB8:1:2:0:0:0:0', '2001:db8:1:2::', '2001:db8:1:2::9%eth0']) {
      expect(clientNetwork(ip), ip).toBe(net);
    }
    expect(clientNetwork('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64');
    expect(clientNetwork('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(clientNetwork('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  it('leaves anything else as it is', () => {
    expect(clientNetwork('unix-socket')).toBe('unix-socket');
  });
});
