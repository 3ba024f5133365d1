import { describe, expect, it } from 'vitest';
import { clientAddress } from './client-address.js';

function requestFrom(peer: string, forwardedFor?: string | string[]) {
  return {
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    socket: { remoteAddress: peer },
  };
}

describe('clientAddress', () => {
  it('is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress(requestFrom('192.0.2.10', '203.0.113.1'), 0)).toBe('192.0.2.10');
  });

  it('takes the entry the trusted proxies appended, not ones the client prepended', () => {
    const request = requestFrom('10.0.0.2', '6.6.6.6, 203.0.113.5, 10.0.0.1');
    expect(clientAddress(request, 1)).toBe('10.0.0.1');
    expect(clientAddress(request, 2)).toBe('203.0.113.5');
  });

  it('never reads past the start of the chain', () => {
    expect(clientAddress(requestFrom('10.0.0.2', '203.0.113.5'), 5)).toBe('203.0.113.5');
  });

  it('joins repeated headers and strips ports and brackets', () => {
    expect(clientAddress(requestFrom('10.0.0.2', ['1.1.1.1', '203.0.113.5:4711']), 1)).toBe(
      '203.0.113.5',
    );
    expect(clientAddress(requestFrom('10.0.0.2', '[2001:db8::1]:443'), 1)).toBe('2001:db8::1');
  });

  it('falls back to the peer when the trusted entry is not an address', () => {
    expect(clientAddress(requestFrom('10.0.0.2', 'unknown'), 1)).toBe('10.0.0.2');
    expect(clientAddress(requestFrom('10.0.0.2', ''), 1)).toBe('10.0.0.2');
  });

  it('reads the socket of a Fastify request through raw', () => {
    const fastifyLike = { headers: {}, raw: { socket: { remoteAddress: '::ffff:192.0.2.7' } } };
    expect(clientAddress(fastifyLike, 0)).toBe('192.0.2.7');
  });
});
