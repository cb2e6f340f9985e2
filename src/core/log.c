#include "jmpflash/log.h"
#include "jmpflash/buf.h"
#include "jmpflash/clock.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

const char *jf_log_level_name(jf_log_level level)
{
	return level <= JF_LOG_ERROR ? level_names[level] : "NONE";
}

int jf_log_level_parse(const char *name)
{
	for (int i = 0; i <= JF_LOG_ERROR; i++)
		if (!strcasecmp(name, level_names[i]))
			return i;
	if (!strcasecmp(name, "warning"))
		return JF_LOG_WARN;
	return -1;
}

void jf_log_stderr_sink(void *user, const jf_log_line *line)
{
	char buf[64 + 4096];

	(void)user;
	jf_log_format(buf, sizeof(buf), line);
	fprintf(stderr, "%s\n", buf);
}

int jf_log_init(jf_log *log)
{
	memset(log, 0, sizeof(*log));
	log->threshold = JF_LOG_INFO;
	return jf_redact_new(&log->redact);
}

void jf_log_dispose(jf_log *log)
{
	jf_redact_free(log->redact);
	log->redact = NULL;
}

void jf_log_set_sink(jf_log *log, jf_log_sink sink, void *user)
{
	log->sink = sink;
	log->user = user;
}

int jf_log_secret(jf_log *log, const char *secret)
{
	return jf_redact_add(log->redact, secret);
}

void jf_log_vprintf(jf_log *log, jf_log_level level, const char *component, const char *fmt,
                    va_list ap)
{
	jf_buf clean = JF_BUF_INIT;
	jf_log_line line;

	if (!log || !log->sink || level < log->threshold)
		return;
	/* the message's own words stay; its values are redacted */
	if (jf_redact_vformat(log->redact, &clean, fmt, ap) < 0)
		goto done; /* out of memory: drop the line rather than leak */
	while (clean.len && (clean.ptr[clean.len - 1] == '\n' || clean.ptr[clean.len - 1] == '\r'))
		clean.ptr[--clean.len] = '\0';
	line.unix_ms = jf_clock_wall_ms();
	line.level = level;
	line.component = component ? component : "jmpflash";
	line.message = clean.ptr;
	log->sink(log->user, &line);
done:
	jf_buf_free(&clean);
}

void jf_log_printf(jf_log *log, jf_log_level level, const char *component, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jf_log_vprintf(log, level, component, fmt, ap);
	va_end(ap);
}

void jf_log_redact_err(const jf_log *log, jf_err *err)
{
	if (err)
		jf_redact_inplace(log ? log->redact : NULL, err->msg, sizeof(err->msg));
}

void jf_log_format(char *buf, size_t size, const jf_log_line *line)
{
	time_t secs = (time_t)(line->unix_ms / 1000);
	struct tm tm;
	char stamp[32];

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03uZ %-5s %s: %s", stamp, (unsigned)(line->unix_ms % 1000),
	         jf_log_level_name(line->level), line->component, line->message);
}
