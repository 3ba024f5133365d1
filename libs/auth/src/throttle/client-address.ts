import { isIP } from 'node:net';
import type { AuthRequest } from '../http-request/auth-request.js';

/** The socket parts of an Express or Fastify request. */
interface RequestWithSocket extends AuthRequest {
  socket?: { remoteAddress?: string };
  raw?: { socket?: { remoteAddress?: string } };
}

/**
 * The address a request came from, for throttling and session records.
 *
 * With `trustProxy` 0 it is the TCP peer, whatever `X-Forwarded-For` says, so a client cannot pick
 * its own address. With `trustProxy` n the request is taken to have passed through n proxies of
 * yours: the address is the one n places from the right of `X-Forwarded-For` followed by the peer, so
 * entries a client prepended itself are never used.
 */
export function clientAddress(request: AuthRequest, trustProxy: number): string {
  const socketRequest = request as RequestWithSocket;
  const peer = normalizeAddress(
    socketRequest.socket?.remoteAddress ??
      socketRequest.raw?.socket?.remoteAddress ??
      request.ip ??
      'unknown',
  );
  if (trustProxy <= 0) return peer;
  const header = request.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const chain = [...forwarded, peer];
  const candidate = stripPort(chain[Math.max(0, chain.length - 1 - trustProxy)]);
  return isIP(candidate) ? normalizeAddress(candidate) : peer;
}

/** IPv4-mapped IPv6 (`::ffff:192.0.2.1`) as plain IPv4; other addresses lower-cased. */
export function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped ? mapped[1] : lower;
}

/**
 * The key an address is counted under: an IPv4 address itself, an IPv6 address its /64 network,
 * because one subscriber usually holds a whole /64 and could otherwise rotate through it.
 */
export function addressThrottleKey(address: string): string {
  if (isIP(address) !== 6) return address;
  return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
}

function stripPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1];
  const ipv4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(entry);
  return ipv4WithPort ? ipv4WithPort[1] : entry;
}

function expandIpv6(address: string): string[] {
  const [head, tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((group) => group.replace(/^0+(?=.)/, ''));
}
