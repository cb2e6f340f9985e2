#include "http_util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jmpflash/error.h"

static bool parse_u64(const char **p, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*out = v;
	return true;
}

int jf_net__http_parse_range(const char *hdr, uint64_t size, uint64_t *first, uint64_t *last)
{
	const char *p = hdr;
	uint64_t a = 0, b = 0;
	bool has_a, has_b;

	while (*p == ' ')
		p++;
	if (strncasecmp(p, "bytes", 5))
		return JF_RANGE_NONE;
	p += 5;
	while (*p == ' ')
		p++;
	if (*p++ != '=')
		return JF_RANGE_NONE;
	while (*p == ' ')
		p++;
	if (strchr(p, ','))
		return JF_RANGE_NONE; /* several ranges: the whole file instead */
	has_a = parse_u64(&p, &a);
	if (*p++ != '-')
		return JF_RANGE_NONE;
	has_b = parse_u64(&p, &b);
	while (*p == ' ')
		p++;
	if (*p || (!has_a && !has_b) || (has_a && has_b && b < a))
		return JF_RANGE_NONE;
	if (!has_a) { /* suffix: the last b bytes */
		if (b == 0 || size == 0)
			return JF_RANGE_UNSATISFIABLE;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return JF_RANGE_OK;
	}
	if (a >= size)
		return JF_RANGE_UNSATISFIABLE;
	*first = a;
	*last = has_b && b < size ? b : size - 1;
	return JF_RANGE_OK;
}

static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void jf_net__http_format_date(char *buf, size_t size, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	/* by hand: strftime's %a/%b follow the locale */
	if (snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
	             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec) < 0 &&
	    size)
		buf[0] = '\0';
}

bool jf_net__http_parse_date(const char *s, time_t *out)
{
	char wd[4], mon[4];

	/* IMF-fixdate only: the obsolete RFC 850 and asctime forms are rare
	 * enough that ignoring the condition (a full 200) is the safe answer. */
	int d, y, h, mi, sec, n = 0;
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%3[A-Za-z], %d %3s %d %d:%d:%d GMT%n", wd, &d, mon, &y, &h, &mi, &sec, &n) !=
	        7 ||
	    s[n] != '\0')
		return false;
	tm.tm_mon = -1;
	for (int i = 0; i < 12; i++)
		if (!strcmp(mon, months[i]))
			tm.tm_mon = i;
	if (tm.tm_mon < 0 || d < 1 || d > 31 || y < 1970 || h > 23 || mi > 59 || sec > 60)
		return false;
	tm.tm_mday = d;
	tm.tm_year = y - 1900;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = timegm(&tm);
	return true;
}

bool jf_net__http_etag_match(const char *hdr, const char *etag)
{
	const char *p = hdr;
	size_t elen;

	if (!strncmp(etag, "W/", 2))
		etag += 2;
	elen = strlen(etag);
	while (*p) {
		const char *start;
		size_t len;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '*')
			return true;
		if (!strncmp(p, "W/", 2))
			p += 2;
		start = p;
		if (*p == '"') {
			const char *q = strchr(p + 1, '"');

			if (!q)
				return false;
			p = q + 1;
		} else {
			p += strcspn(p, ", \t");
		}
		len = (size_t)(p - start);
		if (len == elen && !memcmp(start, etag, len))
			return true;
	}
	return false;
}

int jf_net__http_escape_path(jf_buf *out, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		char esc[3] = {'%', hex[*c >> 4], hex[*c & 15]};
		int rc = isalnum(*c) || strchr("-._~/", *c) ? jf_buf_put(out, c, 1)
		                                            : jf_buf_put(out, esc, 3);

		if (rc < 0)
			return rc;
	}
	return 0;
}
