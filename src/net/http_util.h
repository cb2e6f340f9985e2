/* jmpflash net/ — HTTP header helpers: byte ranges, dates, entity tags,
 * URL escaping. Pure functions; internal to net/ (unit-tested directly). */
#ifndef JF_NET_HTTP_UTIL_H
#define JF_NET_HTTP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "jmpflash/buf.h"

enum {
	JF_RANGE_NONE = 0,          /* no usable Range: send the whole file (200) */
	JF_RANGE_OK = 1,            /* *first..*last (inclusive): 206 */
	JF_RANGE_UNSATISFIABLE = 2, /* 416 */
};

/* Parse a Range header for a file of @size bytes. Only one range of unit
 * "bytes" is honoured ("a-b", "a-", "-n"); several ranges or a malformed
 * header give JF_RANGE_NONE (a full 200 is always a valid answer). */
int jf_net__http_parse_range(const char *hdr, uint64_t size, uint64_t *first, uint64_t *last);

/* IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") of @t into @buf (>= 30). */
void jf_net__http_format_date(char *buf, size_t size, time_t t);
/* Parse an IMF-fixdate; false when it is not one. */
bool jf_net__http_parse_date(const char *s, time_t *out);

/* Does If-None-Match @hdr ("*", or a list of possibly weak tags) match
 * @etag (weak comparison, as RFC 7232 asks for If-None-Match)? */
bool jf_net__http_etag_match(const char *hdr, const char *etag);

/* Percent-escape @path for a URL: everything but unreserved characters and
 * '/' (RFC 3986). Appends to @out. */
int jf_net__http_escape_path(jf_buf *out, const char *path);

#endif
