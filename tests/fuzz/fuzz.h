/* Shared by the fuzz harnesses (tests/fuzz/): the libFuzzer entry point and
 * small helpers to cut an input into fields. Each harness builds two ways:
 * with clang's libFuzzer (make fuzz) and with replay.c as a plain program
 * that replays the committed corpus (make test). */
#ifndef JF_FUZZ_H
#define JF_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jmpflash/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An oracle failed: a bug even when nothing crashed. abort() so libFuzzer
 * records the input. (Harness code only; the library never aborts.) */
#define JF_FUZZ_CHECK(cond)                                                                        \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: oracle failed: %s\n", __FILE__, __LINE__, #cond);  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Oracle: @secret, found by a loader, is registered in @r: a text that is
 * the secret alone comes out as the mask alone. (Not "the secret is not in
 * the output": a secret of '*'s is spelled by the mask itself.) */
static inline void jf_fuzz_check_hidden(const jf_redact *r, const char *secret)
{
	jf_buf out = JF_BUF_INIT;

	if (!secret || !*secret)
		return;
	JF_FUZZ_CHECK(jf_redact_str(r, &out, secret, strlen(secret)) == 0);
	JF_FUZZ_CHECK(out.ptr && !strcmp(out.ptr, JF_REDACT_MASK));
	jf_buf_free(&out);
}

/* A NUL-terminated copy of @n bytes (inputs with NULs are cut there by the
 * C-string parsers, as they are in the program). Never NULL. */
static inline char *jf_fuzz_str(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, d, n);
	s[n] = '\0';
	return s;
}

/* The next field of the input: the bytes up to the next @sep (or the end),
 * as a new string; advances *@d and *@n past it. */
static inline char *jf_fuzz_field(const uint8_t **d, size_t *n, uint8_t sep)
{
	const uint8_t *end = memchr(*d, sep, *n);
	size_t len = end ? (size_t)(end - *d) : *n;
	char *s = jf_fuzz_str(*d, len);

	*d += len + (end ? 1 : 0);
	*n -= len + (end ? 1 : 0);
	return s;
}

/* One byte of the input (0 when it is used up). */
static inline uint8_t jf_fuzz_byte(const uint8_t **d, size_t *n)
{
	uint8_t b = *n ? **d : 0;

	if (*n) {
		(*d)++;
		(*n)--;
	}
	return b;
}

#endif
