/* jmpflash — secret redaction.
 *
 * A registry of secrets (passwords, tokens, Authorization values, URL
 * credentials). Every log line, transcript and user-facing error message is
 * passed through it, so a secret is shown as "***" wherever it would appear.
 * A registry belongs to one context; there is no process-wide list. */
#ifndef JMPFLASH_REDACT_H
#define JMPFLASH_REDACT_H

#include <stdarg.h>
#include <stddef.h>

#include "jmpflash/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jf_redact jf_redact;

#define JF_REDACT_MASK "***"

int jf_redact_new(jf_redact **out);
void jf_redact_free(jf_redact *r);

/* Every occurrence of a secret is masked, also inside other words: a
 * secret shorter than this would mangle ordinary text (a one-letter token
 * masks that letter everywhere). Loaders refuse such secrets, or warn where
 * refusing would stop a board from working (a bundle's login password). */
#define JF_REDACT_MIN_LEN 4

/* Register @secret (copied). Empty strings and duplicates are ignored.
 * 0 or JF_ENOMEM. */
int jf_redact_add(jf_redact *r, const char *secret);
size_t jf_redact_count(const jf_redact *r);

/* Append @s (@len bytes) to @out with every registered secret masked, and
 * also the value of any "Authorization:" header and the password of any
 * "scheme://user:password@" URL, registered or not. @r may be NULL (then only
 * the patterns apply). */
int jf_redact_str(const jf_redact *r, jf_buf *out, const char *s, size_t len);

/* printf into @out, redacting only the values: the text of @fmt is copied
 * as it is and every %s argument is redacted on its own (see above), so a
 * secret that equals a word jmpflash writes never masks that word; each %s
 * value is also made printable (jf_buf_put_printable). Numbers are not
 * redacted. 0, JF_ENOMEM, or JF_EINVAL for a conversion it does not
 * know (%n, wide strings). */
int jf_redact_vformat(const jf_redact *r, jf_buf *out, const char *fmt, va_list ap);

/* Make the NUL-terminated message @s safe to show, in place: secrets
 * masked, then control bytes escaped (jf_buf_put_printable: one line, no
 * terminal escapes), truncated to @cap bytes. */
void jf_redact_inplace(const jf_redact *r, char *s, size_t cap);

/* Streaming redaction for text that arrives in pieces (a console): bytes
 * that might be the start of a secret are held back until the next piece
 * shows whether they are. */
typedef struct jf_redact_stream {
	const jf_redact *r;
	jf_buf pending;
} jf_redact_stream;

void jf_redact_stream_init(jf_redact_stream *s, const jf_redact *r);
/* Append to @out what is known to be safe, masked. */
int jf_redact_stream_feed(jf_redact_stream *s, const void *data, size_t len, jf_buf *out);
/* Append whatever is still held back (the stream ended). */
int jf_redact_stream_flush(jf_redact_stream *s, jf_buf *out);
void jf_redact_stream_free(jf_redact_stream *s);

#ifdef __cplusplus
}
#endif

#endif
