#define _GNU_SOURCE /* memmem */
/* Console sessions: open/close, sending, and the expect engine. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "console_int.h"

#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int jf_console_opts_from_driver(jf_console_opts *o, const jf_driver *d, jf_err *err)
{
	const jf_param *cps;

	if (!(d = jf_driver_resolve(d)) || d->kind != JF_DRIVER_SERIAL)
		return jf_err_set(err, JF_ECONFIG, "'%s' is not a serial console driver",
		                  d ? d->path : "(dangling ref)");
	o->url = jf_driver_str(d, "url");
	o->baudrate = (unsigned)jf_driver_int(d, "baudrate", 115200);
	o->no_hupcl = jf_driver_bool(d, "disable_hupcl", false);
	if ((cps = jf_driver_param(d, "cps")) && cps->str && cps->type == JF_PARAM_FLOAT)
		o->cps = cps->f;
	if (!o->url)
		return jf_err_set(err, JF_ECONFIG, "%s: url is missing", d->path);
	return 0;
}

int jf_console_open(jf_console **out, const jf_console_opts *o, jf_log *log, jf_err *err)
{
	jf_console *c;
	int error = JF_ENOMEM;

	*out = NULL;
	if (!o->url || !*o->url)
		return jf_err_set(err, JF_EINVAL, "no serial console url given");
	if (!(c = calloc(1, sizeof(*c))))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	c->fd = -1;
	c->cancel_fd = -1;
	c->t_dir = -1;
	c->log = log;
	c->baudrate = o->baudrate ? o->baudrate : 115200;
	c->rtscts = o->rtscts;
	c->no_hupcl = o->no_hupcl;
	c->strip_ansi = o->strip_ansi;
	c->char_delay_us = o->cps > 0 ? (unsigned)(1e6 / o->cps) : 0;
	c->max_buffer = o->max_buffer ? o->max_buffer : JF_CONSOLE_MAX_BUFFER_DEFAULT;
	c->reopen_ms = o->reopen_ms ? o->reopen_ms : 10000;
	c->connect_ms = o->connect_ms ? o->connect_ms : 10000;
	c->open_wait_ms = o->open_wait_ms;
	c->tap = o->tap;
	c->tap_user = o->tap_user;
	jf_redact_stream_init(&c->red[0], log ? log->redact : NULL);
	jf_redact_stream_init(&c->red[1], log ? log->redact : NULL);
	if (!(c->url = strdup(o->url)) ||
	    !(c->line_ending = strdup(o->line_ending ? o->line_ending : "\n")) ||
	    (o->transcript && !(c->transcript_path = strdup(o->transcript)))) {
		jf_err_set(err, JF_ENOMEM, "out of memory");
		goto fail;
	}
	if ((error = jf_console__transcript_open(c, err)) < 0 ||
	    (error = jf_console__ep_open(c, err)) < 0)
		goto fail;
	jf_debug(log, "console", "opened %s at %u baud", c->url, c->baudrate);
	*out = c;
	return 0;
fail:
	jf_console_close(c);
	return error;
}

void jf_console_close(jf_console *c)
{
	if (!c)
		return;
	jf_console__ep_close(c);
	jf_console__transcript_close(c);
	jf_redact_stream_free(&c->red[0]);
	jf_redact_stream_free(&c->red[1]);
	jf_buf_free(&c->rx);
	jf_buf_free(&c->t_line);
	free(c->url);
	free(c->line_ending);
	free(c->transcript_path);
	free(c);
}

int jf_console_fd(const jf_console *c)
{
	return c->fd;
}

void jf_console_set_line_ending(jf_console *c, const char *ending)
{
	char *copy = strdup(ending ? ending : "\n");

	if (copy) {
		free(c->line_ending);
		c->line_ending = copy;
	}
}

void jf_console_set_cancel_fd(jf_console *c, int fd)
{
	c->cancel_fd = fd;
}

void jf_console_set_char_delay(jf_console *c, unsigned us)
{
	c->char_delay_us = us;
}

/* Writes get a generous fixed deadline: a console that takes no input for
 * this long is stuck (flow control held), not slow. */
#define SEND_TIMEOUT_MS 10000

int jf_console_send(jf_console *c, const void *data, size_t len, jf_err *err)
{
	const char *p = data;
	int error;

	jf_console__transcript(c, 1, data, len);
	if (!c->char_delay_us)
		return jf_console__ep_write(c, data, len, jf_deadline_in(SEND_TIMEOUT_MS), err);
	for (size_t i = 0; i < len; i++) {
		struct timespec ts = {(time_t)(c->char_delay_us / 1000000),
		                      (long)(c->char_delay_us % 1000000) * 1000};

		if ((error = jf_console__ep_write(c, p + i, 1, jf_deadline_in(SEND_TIMEOUT_MS),
		                                  err)) < 0)
			return error;
		while (i + 1 < len && nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	return 0;
}

int jf_console_sendline(jf_console *c, const char *line, jf_err *err)
{
	int error = jf_console_send(c, line, strlen(line), err);

	return error < 0 ? error : jf_console_send(c, c->line_ending, strlen(c->line_ending), err);
}

/* ANSI escape filter states. */
enum { A_TEXT, A_ESC, A_CSI, A_OSC, A_OSC_ESC, A_CHARSET };

/* Drop ESC sequences (CSI, OSC, charset selection, two-byte escapes) from
 * @n bytes in place; the state carries over between reads. */
static size_t strip_ansi(int *state, char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		switch (*state) {
		case A_TEXT:
			if (ch == 0x1b)
				*state = A_ESC;
			else
				s[o++] = (char)ch;
			break;
		case A_ESC:
			*state = ch == '['                  ? A_CSI
			         : ch == ']'                ? A_OSC
			         : (ch == '(' || ch == ')') ? A_CHARSET
			                                    : A_TEXT;
			break;
		case A_CSI:
			if (ch < 0x20 || ch > 0x3f)
				*state = A_TEXT; /* the final byte (or garbage) ends it */
			break;
		case A_OSC:
			if (ch == 0x07)
				*state = A_TEXT;
			else if (ch == 0x1b)
				*state = A_OSC_ESC;
			break;
		case A_OSC_ESC:
			*state = ch == '\\' ? A_TEXT : A_OSC;
			break;
		case A_CHARSET:
			*state = A_TEXT;
			break;
		}
	}
	return o;
}

int jf_console__received(jf_console *c, const void *data, size_t n)
{
	size_t keep;
	int error;

	jf_console__transcript(c, 0, data, n);
	if ((error = jf_buf_put(&c->rx, data, n)) < 0)
		return error;
	if (c->strip_ansi) {
		size_t at = c->rx.len - n;

		c->rx.len = at + strip_ansi(&c->ansi_state, c->rx.ptr + at, n);
		c->rx.ptr[c->rx.len] = '\0';
	}
	/* The bound: a board printing forever keeps only the newest bytes. */
	if (c->rx.len > c->max_buffer) {
		keep = c->max_buffer;
		jf_buf_consume(&c->rx, c->rx.len - keep);
		c->truncated = true;
	}
	return 0;
}

const char *jf_console_buffered(const jf_console *c, size_t *len)
{
	*len = c->rx.len;
	return c->rx.ptr ? c->rx.ptr : "";
}

void jf_console_clear(jf_console *c)
{
	jf_buf_clear(&c->rx);
	c->truncated = false;
}

/* Read once (until @d) into the buffer. 1 when bytes came, 0 at @d. */
static int read_some(jf_console *c, jf_deadline d, jf_err *err)
{
	char chunk[4096];
	long n = jf_console__ep_read(c, chunk, sizeof(chunk), d, err);
	int error;

	if (n <= 0)
		return (int)n;
	if ((error = jf_console__received(c, chunk, (size_t)n)) < 0)
		return jf_err_set(err, error, "out of memory");
	return 1;
}

int jf_console_drain(jf_console *c, jf_deadline d, jf_err *err)
{
	int rc;

	while (!jf_deadline_expired(d))
		if ((rc = read_some(c, d, err)) < 0)
			return rc;
	return 0;
}

void jf_match_free(jf_match *m)
{
	if (!m)
		return;
	jf_buf_free(&m->before);
	jf_buf_free(&m->match);
	jf_buf_free(&m->after);
	m->index = -1;
	m->ngroups = 0;
}

int jf_match_group(const jf_match *m, size_t i, jf_buf *out)
{
	if (i >= m->ngroups || m->groups[i].len == SIZE_MAX)
		return JF_ENOTFOUND;
	return jf_buf_put(out, m->match.ptr + m->groups[i].off, m->groups[i].len);
}

/* Printable, escaped, and short: for error messages. */
static void describe_tail(char *out, size_t size, const char *s, size_t len)
{
	size_t o = 0, from = len > 80 ? len - 80 : 0;

	for (size_t i = from; i < len && o + 5 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n' || ch == '\r') {
			out[o++] = '\\';
			out[o++] = ch == '\n' ? 'n' : 'r';
		} else if (isprint(ch)) {
			out[o++] = (char)ch;
		} else {
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", ch);
		}
	}
	out[o < size ? o : size - 1] = '\0';
}

typedef struct compiled {
	pcre2_code **re;
	pcre2_match_data *md;
	size_t n;
} compiled;

static void compiled_free(compiled *k)
{
	for (size_t i = 0; k->re && i < k->n; i++)
		pcre2_code_free(k->re[i]);
	free(k->re);
	pcre2_match_data_free(k->md);
}

static int compile_patterns(compiled *k, const jf_pattern *pats, size_t n, jf_err *err)
{
	memset(k, 0, sizeof(*k));
	if (!(k->re = calloc(n ? n : 1, sizeof(*k->re))))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	k->n = n;
	for (size_t i = 0; i < n; i++) {
		int code;
		PCRE2_SIZE off;
		PCRE2_UCHAR msg[160];

		if (!pats[i].text)
			return jf_err_set(err, JF_EINVAL, "expect pattern %zu is NULL", i);
		if (pats[i].kind != JF_PAT_REGEX)
			continue;
		k->re[i] = pcre2_compile((PCRE2_SPTR)pats[i].text, PCRE2_ZERO_TERMINATED, 0, &code,
		                         &off, NULL);
		if (!k->re[i]) {
			pcre2_get_error_message(code, msg, sizeof(msg));
			return jf_err_set(err, JF_EINVAL, "bad expect pattern /%s/ at %zu: %s",
			                  pats[i].text, (size_t)off, (const char *)msg);
		}
		/* The whole buffer is searched after every read: JIT keeps a
		 * flooding board cheap. Without JIT support this is a no-op. */
		pcre2_jit_compile(k->re[i], PCRE2_JIT_COMPLETE);
	}
	if (!(k->md = pcre2_match_data_create(JF_MATCH_GROUPS, NULL)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	return 0;
}

typedef struct hit {
	int index;
	size_t start, end;
	size_t ngroups;
	size_t goff[JF_MATCH_GROUPS], gend[JF_MATCH_GROUPS];
} hit;

/* The earliest match of any pattern in the buffer; -1 in h->index if none. */
static void search(jf_console *c, const jf_pattern *pats, compiled *k, hit *h)
{
	const char *s = c->rx.ptr ? c->rx.ptr : "";
	size_t len = c->rx.len;

	h->index = -1;
	h->start = h->end = h->ngroups = 0;
	for (size_t i = 0; i < k->n; i++) {
		if (pats[i].kind == JF_PAT_LITERAL) {
			size_t pl = strlen(pats[i].text);
			const char *at = pl ? memmem(s, len, pats[i].text, pl) : s;

			if (at && (h->index < 0 || (size_t)(at - s) < h->start)) {
				h->index = (int)i;
				h->start = (size_t)(at - s);
				h->end = h->start + pl;
				h->ngroups = 1;
				h->goff[0] = h->start;
				h->gend[0] = h->end;
			}
			continue;
		}
		int rc = pcre2_match(k->re[i], (PCRE2_SPTR)s, len, 0, 0, k->md, NULL);
		PCRE2_SIZE *ov;

		if (rc <= 0)
			continue;
		ov = pcre2_get_ovector_pointer(k->md);
		if (h->index >= 0 && ov[0] >= h->start)
			continue;
		h->index = (int)i;
		h->start = ov[0];
		h->end = ov[1] < ov[0] ? ov[0] : ov[1];
		h->ngroups = (size_t)rc;
		for (size_t g = 0; g < h->ngroups; g++) {
			h->goff[g] = ov[2 * g];
			h->gend[g] = ov[2 * g + 1];
		}
	}
}

static int take_match(jf_console *c, const hit *h, jf_match *m)
{
	const char *s = c->rx.ptr ? c->rx.ptr : ""; /* an empty match before any byte */
	int error = 0;

	if (m) {
		jf_match_free(m);
		m->index = h->index;
		m->truncated = c->truncated;
		m->ngroups = h->ngroups;
		for (size_t g = 0; g < h->ngroups; g++) {
			/* A group captured inside a lookaround can lie outside the
			 * match: it is reported as unset, never read out of bounds. */
			bool unset = h->goff[g] == PCRE2_UNSET || h->goff[g] < h->start ||
			             h->gend[g] > h->end || h->gend[g] < h->goff[g];

			m->groups[g].off = unset ? 0 : h->goff[g] - h->start;
			m->groups[g].len = unset ? SIZE_MAX : h->gend[g] - h->goff[g];
		}
		if ((error = jf_buf_put(&m->before, s, h->start)) < 0 ||
		    (error = jf_buf_put(&m->match, s + h->start, h->end - h->start)) < 0 ||
		    (error = jf_buf_put(&m->after, s + h->end, c->rx.len - h->end)) < 0)
			return error;
	}
	jf_buf_consume(&c->rx, h->end);
	c->truncated = false;
	return h->index;
}

static int timeout_error(jf_console *c, const jf_pattern *pats, size_t n, jf_err *err)
{
	char what[200] = "", tail[420];
	size_t o = 0;

	for (size_t i = 0; i < n && o < sizeof(what); i++) {
		int w = snprintf(what + o, sizeof(what) - o, "%s%s%s%s", i ? ", " : "",
		                 pats[i].kind == JF_PAT_REGEX ? "/" : "'", pats[i].text,
		                 pats[i].kind == JF_PAT_REGEX ? "/" : "'");

		if (w < 0)
			break;
		o += (size_t)w;
	}
	describe_tail(tail, sizeof(tail), c->rx.ptr ? c->rx.ptr : "", c->rx.len);
	return jf_err_set(err, JF_ETIMEOUT,
	                  "console %s: timed out waiting for %s; last output: \"%s\"", c->url, what,
	                  tail);
}

int jf_console_expect(jf_console *c, const jf_pattern *pats, size_t npats, jf_deadline deadline,
                      jf_match *m, jf_err *err)
{
	compiled k;
	hit h;
	int rc;

	if ((rc = compile_patterns(&k, pats, npats, err)) < 0)
		goto done;
	for (;;) {
		search(c, pats, &k, &h);
		if (h.index >= 0) {
			if ((rc = take_match(c, &h, m)) < 0)
				jf_err_set(err, rc, "out of memory");
			goto done;
		}
		if (jf_deadline_expired(deadline)) {
			rc = timeout_error(c, pats, npats, err);
			goto done;
		}
		if ((rc = read_some(c, deadline, err)) < 0)
			goto done;
	}
done:
	compiled_free(&k);
	return rc;
}
