/* jmpflash — errors.
 *
 * Every fallible function returns an int: 0 on success or a negative JF_E*
 * code, and describes the failure in a caller-supplied jf_err. Library code
 * never prints; the CLI decides what the user sees. */
#ifndef JMPFLASH_ERROR_H
#define JMPFLASH_ERROR_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
extern "C" {
#endif

enum {
	JF_OK = 0,
	JF_EINVAL = -1,        /* bad argument or malformed input */
	JF_ENOMEM = -2,        /* out of memory */
	JF_EIO = -3,           /* an operating system call failed */
	JF_ENOTFOUND = -4,     /* a file, key or reference does not exist */
	JF_ECONFIG = -5,       /* configuration (YAML) is invalid */
	JF_ETIMEOUT = -6,      /* a deadline passed */
	JF_EPROTO = -7,        /* a peer broke its protocol */
	JF_EPERM = -8,         /* refused: permissions, confinement */
	JF_EINTEGRITY = -9,    /* checksum or size mismatch */
	JF_EUNREACHABLE = -10, /* the board or a server does not answer */
	JF_ECANCELED = -11,    /* stopped by the user (Ctrl-C) */
	JF_ENOTIMPL = -12,     /* not implemented yet */
	JF_EEXISTS = -13,      /* already exists / in use */
};

#define JF_ERR_MSG_MAX 512

/* The message of the last failure. Fill with jf_err_set(); a function that
 * fails leaves exactly one message, the most specific one. */
typedef struct jf_err {
	int code;
	char msg[JF_ERR_MSG_MAX];
} jf_err;

#define JF_ERR_INIT                                                                                \
	{                                                                                          \
		0,                                                                                 \
		{                                                                                  \
			0                                                                          \
		}                                                                                  \
	}

/* Fill @err (may be NULL) and return @code, so callers write
 * `return jf_err_set(err, JF_EINVAL, "...")`. */
int jf_err_set(jf_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int jf_err_setv(jf_err *err, int code, const char *fmt, va_list ap);

/* As jf_err_set(), with ": strerror(@errnum)" appended. */
int jf_err_sys(jf_err *err, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prefix the message already in @err with "@fmt: " (adds context on the way
 * up) and return its code. */
int jf_err_wrap(jf_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void jf_err_clear(jf_err *err);

/* A short fixed description of a JF_E* code. */
const char *jf_strerror(int code);

#ifdef __cplusplus
}
#endif
#ifdef __cplusplus
}
#endif

#endif
