/* jmpflash-agent: download, decompress, write, verify: one pipeline of
 * threads (docs/agent.md). stdout carries machine-readable lines, parsed by
 * the host (src/flasher/agent_line.c):
 *
 *   jf-agent progress written=N total=N downloaded=N rate=BYTES_PER_S
 *   jf-agent retry n=N at=BYTE why=TEXT
 *   jf-agent result ok bytes=N zeroed=N sha256=HEX write_ms=N verify_ms=N ...
 *   jf-agent result error exit=N msg=TEXT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"

int jf_agent_exit_code(int code)
{
	switch (code) {
	case JF_OK:
		return JF_AGENT_OK;
	case JF_ENOTFOUND:
	case JF_EPERM:
		return JF_AGENT_EXIT_NOTFOUND;
	case JF_EINTEGRITY:
		return JF_AGENT_EXIT_CORRUPT;
	case JF_EINVAL:
	case JF_ECONFIG:
		return JF_AGENT_EXIT_USAGE;
	case JF_ENOTIMPL:
		return JF_AGENT_EXIT_UNSUPPORTED;
	default:
		return JF_AGENT_EXIT_RETRY;
	}
}

typedef struct job {
	jf_agent_args a;
	jf_agent_bmap bmap;
	bool have_bmap;
	jf_agent_result res;
	jf_agent_progress prog;
	jf_err err;
	int error;
	_Atomic int done;
} job;

static void *run_main(void *arg)
{
	job *j = arg;

	j->error = jf_agent_run(&j->res, &j->a, j->have_bmap ? &j->bmap : NULL, &j->prog, &j->err);
	j->done = 1;
	return NULL;
}

/* Read the bmap from a file or an http:// URL into memory (at most 64 MiB). */
static int read_bmap(job *j, char **xml, size_t *len)
{
	bool url = !strncmp(j->a.bmap, "http://", 7) || !strncmp(j->a.bmap, "https://", 8);
	jf_agent_conn c = {.fd = -1};
	FILE *fp = NULL;
	size_t cap = 0;
	uint64_t skip;
	int error = 0;

	*xml = NULL;
	*len = 0;
	if (url && (error = jf_agent_http_get(&c, &j->a, j->a.bmap, 0, -1, &skip, &j->err)) < 0) {
		if (c.tls_refused)
			j->res.exit_hint = JF_AGENT_EXIT_TLS;
		return error;
	}
	if (!url && !(fp = fopen(j->a.bmap, "rb")))
		return jf_err_sys(&j->err, JF_ENOTFOUND, errno, "cannot open the bmap %s",
		                  j->a.bmap);
	for (;;) {
		long got;

		if (*len == cap) {
			char *n = cap < (64u << 20) ? realloc(*xml, cap ? 2 * cap : 65536) : NULL;

			if (!n) {
				error = jf_err_set(&j->err, JF_ENOMEM, "the bmap is too large");
				break;
			}
			*xml = n;
			cap = cap ? 2 * cap : 65536;
		}
		got = url ? jf_agent_http_read(&c, *xml + *len, cap - *len, &j->err)
		          : (long)fread(*xml + *len, 1, cap - *len, fp);
		if (got <= 0) {
			error = got < 0 ? (int)got : 0;
			break;
		}
		*len += (size_t)got;
	}
	if (fp)
		fclose(fp);
	if (url)
		jf_agent_http_close(&c);
	return error;
}

static int load_bmap(job *j)
{
	char *xml;
	size_t len;
	int error = read_bmap(j, &xml, &len);

	if (error == JF_ENOTFOUND && j->a.bmap_optional) {
		free(xml);
		j->a.bmap = NULL;
		return 0;
	}
	if (!error)
		error = jf_agent_bmap_parse(&j->bmap, xml, len, &j->err);
	free(xml);
	j->have_bmap = error == 0;
	return error;
}

static void progress(job *j, uint64_t *last, uint64_t *t_last)
{
	uint64_t w = j->prog.written;
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	printf("jf-agent progress written=%llu total=%llu downloaded=%llu rate=%llu\n",
	       (unsigned long long)w, (unsigned long long)j->prog.total,
	       (unsigned long long)j->prog.downloaded,
	       (unsigned long long)(now > *t_last ? (w - *last) * 1000000u / (now - *t_last) : 0));
	fflush(stdout);
	*last = w;
	*t_last = now;
}

/* Print the result line of a failed run; its exit code: the more precise
 * hint one of the steps left, else the error's class. */
static int error_line(const job *j, int error)
{
	int code = j->res.exit_hint ? j->res.exit_hint : jf_agent_exit_code(error);

	printf("jf-agent result error exit=%d msg=%s\n", code, j->err.msg);
	return code;
}

/* Any user of the board can read the agent's command line (ps,
 * /proc/PID/cmdline) while it runs, and a header's value may be a bearer
 * token: keep private copies and overwrite each value in argv with 'x' (the
 * header's name stays, for ps). 0, or -1 out of memory. */
static int hide_header_values(jf_agent_args *a, int argc, char **argv)
{
	for (size_t h = 0; h < a->nheaders; h++) {
		uintptr_t v = (uintptr_t)a->headers[h];
		char *copy = strdup(a->headers[h]);

		if (!copy)
			return -1;
		for (int k = 1; k < argc; k++) {
			uintptr_t at = (uintptr_t)argv[k];
			char *value;

			if (v < at || v > at + strlen(argv[k]))
				continue;
			value = argv[k] + (v - at) + strcspn(argv[k] + (v - at), ":");
			if (*value)
				value++;
			value += strspn(value, " \t");
			memset(value, 'x', strlen(value));
			break;
		}
		a->headers[h] = copy;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static job j;
	pthread_t th;
	uint64_t last = 0, t_last = 0;
	int code;

	if (jf_agent_args_parse(&j.a, argc, argv, &j.err) < 0) {
		fprintf(stderr, "jmpflash-agent: %s\n", j.err.msg);
		printf("jf-agent result error exit=%d msg=%s\n", JF_AGENT_EXIT_USAGE, j.err.msg);
		return JF_AGENT_EXIT_USAGE;
	}
	if (hide_header_values(&j.a, argc, argv) < 0) {
		printf("jf-agent result error exit=%d msg=out of memory\n", JF_AGENT_EXIT_RETRY);
		return JF_AGENT_EXIT_RETRY;
	}
	signal(SIGPIPE, SIG_IGN); /* TLS writes to a closed socket: an error, not a death */
	if (j.a.bmap && load_bmap(&j) < 0)
		return error_line(&j, j.err.code);
	if (pthread_create(&th, NULL, run_main, &j)) {
		printf("jf-agent result error exit=%d msg=cannot start a thread\n",
		       JF_AGENT_EXIT_RETRY);
		return JF_AGENT_EXIT_RETRY;
	}
	progress(&j, &last, &t_last);
	while (!j.done) {
		for (unsigned t = 0; t < j.a.interval_ms && !j.done; t += 10) {
			struct timespec ts = {0, 10 * 1000000};

			nanosleep(&ts, NULL);
		}
		if (!j.done)
			progress(&j, &last, &t_last);
	}
	pthread_join(th, NULL);
	progress(&j, &last, &t_last);
	if (j.error < 0) {
		code = error_line(&j, j.error);
	} else {
		code = 0;
		printf("jf-agent result ok bytes=%llu zeroed=%llu verified=%llu downloaded=%llu "
		       "sha256=%s file_sha256=%s compression=%s direct=%d resumes=%u write_ms=%llu "
		       "verify_ms=%llu verify_busy_ms=%llu decode_busy_ms=%llu write_busy_ms=%llu "
		       "hash_busy_ms=%llu\n",
		       (unsigned long long)j.res.written, (unsigned long long)j.res.zeroed,
		       (unsigned long long)j.res.verified, (unsigned long long)j.res.downloaded,
		       j.res.sha256[0] ? j.res.sha256 : "-",
		       j.res.file_sha256[0] ? j.res.file_sha256 : "-", j.res.compression,
		       j.res.direct, j.res.resumes, (unsigned long long)j.res.write_ms,
		       (unsigned long long)j.res.verify_tail_ms,
		       (unsigned long long)j.res.verify_busy_ms,
		       (unsigned long long)j.res.decode_busy_ms,
		       (unsigned long long)j.res.write_busy_ms,
		       (unsigned long long)j.res.hash_busy_ms);
	}
	fflush(stdout);
	if (j.have_bmap)
		jf_agent_bmap_free(&j.bmap);
	return code;
}
