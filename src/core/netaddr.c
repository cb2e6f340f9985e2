/* Numeric addresses of this host: which one routes to a peer, and whether
 * an address is ours. Both ask the kernel with a UDP socket that sends
 * nothing. */
#include "jmpflash/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* @text as a socket address (port @port); 0 when it is not numeric. */
static socklen_t numeric(struct sockaddr_storage *ss, const char *text, unsigned short port)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!text || !*text)
		return 0;
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		return sizeof(*v4);
	}
	if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		return sizeof(*v6);
	}
	return 0;
}

bool jf_route_source(char *buf, size_t size, const char *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = numeric(&ss, peer, 9); /* discard: never sent to */
	bool ok = false;
	int fd;

	if (!len || (fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
			const void *a =
			    ss.ss_family == AF_INET
			        ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
			        : (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;

			ok = inet_ntop(ss.ss_family, a, buf, (socklen_t)size) != NULL;
		}
	}
	close(fd);
	return ok;
}

bool jf_addr_is_local(const char *host)
{
	struct sockaddr_storage ss;
	socklen_t len = numeric(&ss, host, 0); /* port 0: any free one */
	bool ok;
	int fd;

	if (!len || (fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	ok = bind(fd, (struct sockaddr *)&ss, len) == 0;
	close(fd);
	return ok;
}
