/* jmpflash — URLs and endpoint addresses.
 *
 * One parser for every address a user writes: http(s) image URLs, oci://
 * references, socket:// and rfc2217:// serial endpoints, tftp:// and plain
 * file paths. Credentials (userinfo) are kept apart and never printed. */
#ifndef JMPFLASH_URL_H
#define JMPFLASH_URL_H

#include <stddef.h>

#include "jmpflash/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum jf_url_scheme {
	JF_URL_FILE = 0, /* a plain path, or file:// */
	JF_URL_HTTP,
	JF_URL_HTTPS,
	JF_URL_OCI,
	JF_URL_SOCKET,
	JF_URL_RFC2217,
	JF_URL_TFTP,
} jf_url_scheme;

typedef struct jf_url {
	jf_url_scheme scheme;
	char *user;     /* percent-decoded; NULL when absent */
	char *password; /* percent-decoded; NULL when absent: a secret */
	char *host;     /* without IPv6 brackets; NULL for files */
	int port;       /* explicit port, or the scheme's default; 0 when none */
	int port_given; /* the URL spelled the port */
	char *path;     /* as written ("/a/b", "name:tag" for oci); never NULL */
	char *query;    /* without '?'; NULL when absent */
} jf_url;

/* Parse @text. Schemes are case-insensitive; a string without "scheme://"
 * is a file path. socket:// and rfc2217:// need host and port. On error
 * @err names the URL (without its credentials) and what is wrong. */
int jf_url_parse(jf_url *out, const char *text, jf_err *err);
void jf_url_dispose(jf_url *u);

/* Print @u without userinfo: "http://host:8080/path?q". Returns the length
 * snprintf would have written. */
int jf_url_format(char *buf, size_t size, const jf_url *u);

const char *jf_url_scheme_name(jf_url_scheme s);
int jf_url_default_port(jf_url_scheme s);

/* Percent-decode @len bytes of @s into a new string; NULL on bad escapes
 * ("%zz", a decoded NUL) or no memory. */
char *jf_url_decode(const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif
