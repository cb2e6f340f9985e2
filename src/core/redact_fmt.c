/* printf with redaction of the values only: the format's own words (labels,
 * messages jmpflash writes) are copied as they are and each %s argument is
 * redacted on its own. A secret that happens to be a word jmpflash uses
 * ("password") then masks the value where it appears, never the label.
 * Values are also made printable (jf_buf_put_printable): a value is one
 * line that cannot drive the terminal; the format's own newlines stay. */
#include "jmpflash/redact.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jmpflash/error.h"

/* One conversion at @fmt (just after '%'): flags, width and precision
 * (digits or '*'), length, conversion. Formats that argument into @out.
 * Returns the format bytes used, 0 for a conversion it does not know. */
static size_t one(const jf_redact *r, jf_buf *out, const char *fmt, va_list *ap)
{
	char spec[40], conv;
	size_t n = strspn(fmt, "-+ #0123456789.*");
	int star[2], nstar = 0, error = 0;
	jf_buf raw = JF_BUF_INIT;

	n += strspn(fmt + n, "hlLzjt");
	conv = fmt[n];
	if (!conv || !strchr("diouxXcsfFeEgGaAp%", conv) || n + 2 >= sizeof(spec))
		return 0;
	spec[0] = '%';
	memcpy(spec + 1, fmt, n + 1);
	spec[n + 2] = '\0';
	for (size_t i = 0; i < n; i++)
		if (fmt[i] == '*' && nstar < 2)
			star[nstar++] = va_arg(*ap, int);
#define ARG(T)                                                                                     \
	(nstar == 2   ? jf_buf_printf(&raw, spec, star[0], star[1], va_arg(*ap, T))                \
	 : nstar == 1 ? jf_buf_printf(&raw, spec, star[0], va_arg(*ap, T))                         \
	              : jf_buf_printf(&raw, spec, va_arg(*ap, T)))
	if (conv == '%')
		error = jf_buf_puts(&raw, "%");
	else if (conv == 's')
		error = ARG(const char *);
	else if (conv == 'p')
		error = ARG(void *);
	else if (strchr("fFeEgGaA", conv))
		error = strchr(spec, 'L') ? ARG(long double) : ARG(double);
	else if (strstr(spec, "ll"))
		error = ARG(long long);
	else if (strchr(spec, 'l'))
		error = ARG(long);
	else if (strchr(spec, 'z'))
		error = ARG(size_t);
	else if (strchr(spec, 'j'))
		error = ARG(intmax_t);
	else if (strchr(spec, 't'))
		error = ARG(ptrdiff_t);
	else
		error = ARG(int);
#undef ARG
	if (!error && raw.ptr && conv == 's') {
		jf_buf safe = JF_BUF_INIT;

		/* a value is outside text: masked, then made printable */
		if ((error = jf_redact_str(r, &safe, raw.ptr, raw.len)) == 0 && safe.ptr)
			error = jf_buf_put_printable(out, safe.ptr, safe.len);
		jf_buf_free(&safe);
	} else if (!error && raw.ptr) {
		error = jf_buf_put(out, raw.ptr, raw.len);
	}
	jf_buf_free(&raw);
	return error < 0 ? 0 : n + 1;
}

int jf_redact_vformat(const jf_redact *r, jf_buf *out, const char *fmt, va_list ap)
{
	jf_buf line = JF_BUF_INIT;
	va_list args;
	int error = 0;

	va_copy(args, ap);
	for (const char *p = fmt; *p && !error;) {
		size_t lit = strcspn(p, "%"), used;

		error = jf_buf_put(&line, p, lit);
		p += lit;
		if (!*p || error)
			break;
		/* an unknown conversion is a bug in jmpflash, never input: stop */
		if (!(used = one(r, &line, p + 1, &args))) {
			error = JF_EINVAL;
			break;
		}
		p += 1 + used;
	}
	va_end(args);
	/* The patterns (an Authorization header's value, a URL's password) need
	 * the whole line: "Authorization: Bearer %s" has its label in the format. */
	if (!error)
		error =
		    line.ptr ? jf_redact_str(NULL, out, line.ptr, line.len) : jf_buf_puts(out, "");
	jf_buf_free(&line);
	return error;
}
