#include "jmpflash/error.h"

#include <stdio.h>
#include <string.h>

int jf_err_setv(jf_err *err, int code, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	}
	return code;
}

int jf_err_set(jf_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jf_err_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int jf_err_sys(jf_err *err, int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err)
		return code;
	va_start(ap, fmt);
	jf_err_setv(err, code, fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
	return code;
}

int jf_err_wrap(jf_err *err, const char *fmt, ...)
{
	char prefix[JF_ERR_MSG_MAX];
	size_t plen, olen, room;
	va_list ap;
	int n;

	if (!err)
		return JF_EINVAL;
	va_start(ap, fmt);
	n = vsnprintf(prefix, sizeof(prefix) - 2, fmt, ap);
	va_end(ap);
	plen = n < 0 ? 0 : strlen(prefix);
	memcpy(prefix + plen, ": ", 3);
	plen += 2;
	/* Shift the old message right (cut at the end), then put the prefix in front. */
	olen = strlen(err->msg);
	room = sizeof(err->msg) - 1 - plen;
	if (olen > room)
		olen = room;
	memmove(err->msg + plen, err->msg, olen);
	memcpy(err->msg, prefix, plen);
	err->msg[plen + olen] = '\0';
	return err->code;
}

void jf_err_clear(jf_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

const char *jf_strerror(int code)
{
	switch (code) {
	case JF_OK:
		return "success";
	case JF_EINVAL:
		return "invalid argument or input";
	case JF_ENOMEM:
		return "out of memory";
	case JF_EIO:
		return "input/output error";
	case JF_ENOTFOUND:
		return "not found";
	case JF_ECONFIG:
		return "invalid configuration";
	case JF_ETIMEOUT:
		return "timed out";
	case JF_EPROTO:
		return "protocol error";
	case JF_EPERM:
		return "not permitted";
	case JF_EINTEGRITY:
		return "integrity check failed";
	case JF_EUNREACHABLE:
		return "unreachable";
	case JF_ECANCELED:
		return "canceled";
	case JF_ENOTIMPL:
		return "not implemented yet";
	case JF_EEXISTS:
		return "already exists";
	}
	return "unknown error";
}
