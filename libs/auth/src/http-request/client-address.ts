import { isIP } from 'node:net';
import type { AuthRequest } from './auth-request.js';

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

function stripPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1];
  const ipv4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(entry);
  return ipv4WithPort ? ipv4WithPort[1] : entry;
}
