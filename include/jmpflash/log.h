/* jmpflash — logging.
 *
 * A jf_log is owned by a context (a flasher, a server, the CLI). Lines go to
 * its sink callback after redaction: a secret registered with the log's
 * jf_redact never reaches the sink. With no sink set, lines are dropped: the
 * library never writes to a program's stderr behind its back. A program that
 * wants the usual "TIMESTAMP LEVEL component: message" lines on stderr sets
 * jf_log_stderr_sink explicitly (the jmpflash CLI does). */
#ifndef JMPFLASH_LOG_H
#define JMPFLASH_LOG_H

#include <stdarg.h>
#include <stdint.h>

#include "jmpflash/error.h"
#include "jmpflash/redact.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum jf_log_level {
	JF_LOG_DEBUG = 0,
	JF_LOG_INFO,
	JF_LOG_WARN,
	JF_LOG_ERROR,
	JF_LOG_NONE, /* as a threshold: log nothing */
} jf_log_level;

typedef struct jf_log_line {
	uint64_t unix_ms; /* wall clock, for the timestamp */
	jf_log_level level;
	const char *component; /* "flasher", "tftp", ... */
	const char *message;   /* already redacted, no trailing newline */
} jf_log_line;

typedef void (*jf_log_sink)(void *user, const jf_log_line *line);

typedef struct jf_log {
	jf_log_level threshold;
	jf_log_sink sink;
	void *user;
	jf_redact *redact; /* owned by the log */
} jf_log;

/* A log at INFO with a fresh, empty redaction registry and no sink (silent). */
int jf_log_init(jf_log *log);
void jf_log_dispose(jf_log *log);

/* Send lines to @sink(@user, line); a NULL @sink makes the log silent. */
void jf_log_set_sink(jf_log *log, jf_log_sink sink, void *user);
/* A sink that writes each line, formatted by jf_log_format, to stderr
 * (@user is unused). */
void jf_log_stderr_sink(void *user, const jf_log_line *line);
/* Register a secret so that no later line shows it. */
int jf_log_secret(jf_log *log, const char *secret);

void jf_log_printf(jf_log *log, jf_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void jf_log_vprintf(jf_log *log, jf_log_level level, const char *component, const char *fmt,
                    va_list ap);

/* Redact an error message in place before it is shown to anyone. */
void jf_log_redact_err(const jf_log *log, jf_err *err);

/* "2026-11-25T14:20:49.123Z INFO  tftp: message" into @buf. */
void jf_log_format(char *buf, size_t size, const jf_log_line *line);
const char *jf_log_level_name(jf_log_level level);
/* Parse "debug", "info", "warn", "error" (any case); -1 when unknown. */
int jf_log_level_parse(const char *name);

#define jf_debug(log, comp, ...) jf_log_printf((log), JF_LOG_DEBUG, (comp), __VA_ARGS__)
#define jf_info(log, comp, ...)  jf_log_printf((log), JF_LOG_INFO, (comp), __VA_ARGS__)
#define jf_warn(log, comp, ...)  jf_log_printf((log), JF_LOG_WARN, (comp), __VA_ARGS__)
#define jf_error(log, comp, ...) jf_log_printf((log), JF_LOG_ERROR, (comp), __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif
