/* jmpflash — numeric addresses of this host, as the servers and the
 * flasher need them (IPv4 and IPv6). */
#ifndef JMPFLASH_NETADDR_H
#define JMPFLASH_NETADDR_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The address of this host's interface that routes to @peer (a numeric
 * address), written to @buf; false when @peer is not numeric or has no
 * route. Nothing is sent. */
bool jf_route_source(char *buf, size_t size, const char *peer);

/* True when @host is a numeric address of this machine (one a socket can
 * bind to). */
bool jf_addr_is_local(const char *host);

#ifdef __cplusplus
}
#endif

#endif
