/* jmpflash — a growable byte buffer, always NUL-terminated. */
#ifndef JMPFLASH_BUF_H
#define JMPFLASH_BUF_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jf_buf {
	char *ptr; /* NULL until the first write */
	size_t len;
	size_t cap;
} jf_buf;

#define JF_BUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Make room for @extra more bytes plus the terminator. 0 or JF_ENOMEM; on
 * failure the buffer is unchanged. */
int jf_buf_grow(jf_buf *b, size_t extra);
int jf_buf_put(jf_buf *b, const void *data, size_t len);
int jf_buf_puts(jf_buf *b, const char *s);
int jf_buf_printf(jf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int jf_buf_vprintf(jf_buf *b, const char *fmt, va_list ap);
/* Append @len bytes of @s with each control byte (below 0x20 but tab, and
 * 0x7f) written as a C escape: "\n", "\r", "\x1b". Text from outside (a
 * registry's error message, a board's line, a YAML value) then can neither
 * end a line nor drive the terminal it is shown on. */
int jf_buf_put_printable(jf_buf *b, const char *s, size_t len);
/* Drop the first @n bytes. */
void jf_buf_consume(jf_buf *b, size_t n);
void jf_buf_clear(jf_buf *b);
/* Hand the string to the caller (who frees it); the buffer becomes empty. */
char *jf_buf_detach(jf_buf *b);
void jf_buf_free(jf_buf *b);

/* Append @item to @list, a ", "-separated list of names in a fixed buffer
 * of @size bytes (for messages: "it has: a, b, c"); a full list is cut. */
void jf_names_add(char *list, size_t size, const char *item);

#ifdef __cplusplus
}
#endif

#endif
