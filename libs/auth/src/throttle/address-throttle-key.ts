import { isIP } from 'node:net';

/**
 * The key an address is counted under: an IPv4 address itself, an IPv6 address its /64 network,
 * because one subscriber usually holds a whole /64 and could otherwise rotate through it.
 */
export function addressThrottleKey(address: string): string {
  if (isIP(address) !== 6) return address;
  return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
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
