/**
 * Which peers are the operator's reverse proxies (issue 17, Medium 8: `server.trust_proxy`). Behind
 * nginx every socket comes from nginx's address; only for a peer listed here does Fastify believe
 * `X-Forwarded-For` / `X-Forwarded-Proto`, and `request.ip` becomes the client's address for sign-in
 * throttling, audit entries and the per-address connection bound. A client talking to Portico directly
 * cannot pick its own address by sending the header.
 */
import { BlockList, isIP } from 'node:net';

export interface ProxyTrust {
  readonly isTrusted: (address: string) => boolean;
}

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** `10.0.0.5`, `10.0.0.0/8`, `::1`, `fd00::/8`; anything else is a configuration error. */
export function proxyTrust(entries: readonly string[]): ProxyTrust {
  if (entries.length === 0) return { isTrusted: () => false };
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.trim().split('/');
    if (!isIP(address)) throw new Error(`server.trust_proxy: '${entry}' is not an IP address or CIDR range`);
    if (bits === undefined) list.addAddress(address, family(address));
    else {
      const prefix = Number(bits);
      const max = family(address) === 'ipv6' ? 128 : 32;
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
        throw new Error(`server.trust_proxy: '${entry}' has an invalid prefix length`);
      }
      list.addSubnet(address, prefix, family(address));
    }
  }
  return {
    isTrusted(address) {
      if (!address) return false;
      // IPv4 peers on a dual-stack socket appear as ::ffff:a.b.c.d.
      const plain =
        address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
      if (!isIP(plain)) return false;
      return list.check(plain, family(plain));
    },
  };
}
