import { describe, expect, it } from 'vitest';
import { normalizeAddress } from '../http-request/client-address.js';
import { addressThrottleKey } from './address-throttle-key.js';

describe('addressThrottleKey', () => {
  it('keeps IPv4 addresses and maps IPv4-in-IPv6 to them', () => {
    expect(addressThrottleKey(normalizeAddress('::FFFF:198.51.100.3'))).toBe('198.51.100.3');
  });

  it('counts an IPv6 address under its /64, however it is written', () => {
    const key = addressThrottleKey('2001:db8:0:12::1');
    expect(key).toBe('2001:db8:0:12::/64');
    expect(addressThrottleKey('2001:0db8:0000:0012:ffff:1:2:3')).toBe(key);
    expect(addressThrottleKey('2001:db8:0:13::1')).not.toBe(key);
    expect(addressThrottleKey('::1')).toBe('0:0:0:0::/64');
  });
});
