/* The agent's command line (pure: no I/O, strings point into argv). */
#include <stdlib.h>
#include <string.h>

#include "agent.h"

static const char usage[] =
    "usage: jmpflash-agent [--header 'K: V']... [--bmap[-optional] FILE|URL] [--size N] [--sha256 "
    "HEX] "
    "[--file-sha256 HEX] [--retries N] [--interval-ms N] [--no-verify] [--no-direct] "
    "[--no-zeroout] [--cacert FILE | -k] URL DEVICE";

static int hex64(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static int number(uint64_t *out, const char *s, uint64_t max)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || strspn(s, "0123456789") != strlen(s))
		return -1;
	v = strtoull(s, &end, 10);
	if (*end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* An option that takes a value: NULL when @argv[*i] is not @name. */
static const char *value(int argc, char *const *argv, int *i, const char *name, int *missing)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

static int option(jf_agent_args *o, int argc, char *const *argv, int *i, jf_err *err)
{
	const char *arg = argv[*i], *v;
	int missing = 0;
	uint64_t n;

	if (!strcmp(arg, "--no-verify"))
		o->verify = false;
	else if (!strcmp(arg, "--no-direct"))
		o->direct = false;
	else if (!strcmp(arg, "--no-zeroout"))
		o->zeroout = false;
	else if (!strcmp(arg, "-k") || !strcmp(arg, "--insecure"))
		o->insecure = true;
	else if ((v = value(argc, argv, i, "--cacert", &missing)))
		o->cacert = v;
	else if ((v = value(argc, argv, i, "--header", &missing))) {
		if (o->nheaders >= JF_AGENT_MAX_HEADERS)
			return jf_err_set(err, JF_EINVAL, "at most %d --header",
			                  JF_AGENT_MAX_HEADERS);
		if (jf_agent_header_check(v, err) < 0)
			return JF_EINVAL;
		o->headers[o->nheaders++] = v;
	} else if ((v = value(argc, argv, i, "--bmap-optional", &missing))) {
		o->bmap = v;
		o->bmap_optional = true;
	} else if ((v = value(argc, argv, i, "--bmap", &missing)))
		o->bmap = v;
	else if ((v = value(argc, argv, i, "--sha256", &missing))) {
		if (!hex64(v))
			return jf_err_set(err, JF_EINVAL, "--sha256 takes 64 lowercase hex digits");
		o->sha256 = v;
	} else if ((v = value(argc, argv, i, "--file-sha256", &missing))) {
		if (!hex64(v))
			return jf_err_set(err, JF_EINVAL,
			                  "--file-sha256 takes 64 lowercase hex digits");
		o->file_sha256 = v;
	} else if ((v = value(argc, argv, i, "--size", &missing))) {
		if (number(&o->size, v, UINT64_MAX / 2) < 0)
			return jf_err_set(err, JF_EINVAL, "--size takes a byte count, not '%.40s'",
			                  v);
	} else if ((v = value(argc, argv, i, "--retries", &missing))) {
		if (number(&n, v, 1000) < 0)
			return jf_err_set(err, JF_EINVAL, "--retries takes 0..1000");
		o->retries = (unsigned)n;
	} else if ((v = value(argc, argv, i, "--interval-ms", &missing))) {
		if (number(&n, v, 3600000) < 0 || n < 10)
			return jf_err_set(err, JF_EINVAL, "--interval-ms takes 10..3600000");
		o->interval_ms = (unsigned)n;
	} else if (missing)
		return jf_err_set(err, JF_EINVAL, "%.40s needs a value", arg);
	else
		return jf_err_set(err, JF_EINVAL, "unknown option '%.40s'; %s", arg, usage);
	return 0;
}

int jf_agent_args_parse(jf_agent_args *o, int argc, char *const *argv, jf_err *err)
{
	const char *pos[2];
	int npos = 0, error;

	memset(o, 0, sizeof(*o));
	o->retries = 8;
	o->interval_ms = 1000;
	o->verify = o->direct = o->zeroout = true;
	for (int i = 1, only_pos = 0; i < argc; i++) {
		if (!argv[i])
			return jf_err_set(err, JF_EINVAL, "%s", usage);
		if (!only_pos && !strcmp(argv[i], "--")) {
			only_pos = 1;
		} else if (!only_pos && argv[i][0] == '-' && argv[i][1]) {
			if ((error = option(o, argc, argv, &i, err)) < 0)
				return error;
		} else {
			if (npos == 2)
				return jf_err_set(err, JF_EINVAL, "too many arguments; %s", usage);
			pos[npos++] = argv[i];
		}
	}
	if (npos != 2)
		return jf_err_set(err, JF_EINVAL, "%s", usage);
	if (o->cacert && o->insecure)
		return jf_err_set(err, JF_EINVAL, "--cacert and -k contradict each other");
	o->url = pos[0];
	o->device = pos[1];
	return 0;
}
