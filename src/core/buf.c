#include "jmpflash/buf.h"
#include "jmpflash/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int jf_buf_grow(jf_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return JF_ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (!(p = realloc(b->ptr, cap)))
		return JF_ENOMEM;
	if (!b->ptr)
		p[0] = '\0';
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int jf_buf_put(jf_buf *b, const void *data, size_t len)
{
	int error;

	if ((error = jf_buf_grow(b, len)) < 0)
		return error;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int jf_buf_puts(jf_buf *b, const char *s)
{
	return jf_buf_put(b, s, strlen(s));
}

int jf_buf_put_printable(jf_buf *b, const char *s, size_t len)
{
	size_t start = 0;
	int error = 0;

	for (size_t i = 0; i < len && !error; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 0x20 && c != 0x7f) || c == '\t')
			continue;
		if ((error = jf_buf_put(b, s + start, i - start)) == 0)
			error = c == '\n'   ? jf_buf_puts(b, "\\n")
			        : c == '\r' ? jf_buf_puts(b, "\\r")
			                    : jf_buf_printf(b, "\\x%02x", c);
		start = i + 1;
	}
	return error ? error : jf_buf_put(b, s + start, len - start);
}

int jf_buf_vprintf(jf_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, error;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return JF_EINVAL;
	if ((error = jf_buf_grow(b, (size_t)n)) < 0)
		return error;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int jf_buf_printf(jf_buf *b, const char *fmt, ...)
{
	va_list ap;
	int error;

	va_start(ap, fmt);
	error = jf_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return error;
}

void jf_buf_consume(jf_buf *b, size_t n)
{
	if (n >= b->len) {
		jf_buf_clear(b);
		return;
	}
	memmove(b->ptr, b->ptr + n, b->len - n);
	b->len -= n;
	b->ptr[b->len] = '\0';
}

void jf_buf_clear(jf_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

char *jf_buf_detach(jf_buf *b)
{
	char *p = b->ptr;

	if (!p)
		p = calloc(1, 1);
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

void jf_buf_free(jf_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

void jf_names_add(char *list, size_t size, const char *item)
{
	size_t len = strnlen(list, size);

	if (len + 1 < size)
		snprintf(list + len, size - len, "%s%s", len ? ", " : "", item);
}
