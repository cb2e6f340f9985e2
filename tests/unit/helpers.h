/* Shared helpers for the cmocka unit tests. */
#ifndef JF_TEST_HELPERS_H
#define JF_TEST_HELPERS_H

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jmpflash/config.h"
#include "jmpflash/log.h"
#include "jmpflash/power.h"

/* A log sink that keeps every line (level, component, message) in a buffer. */
/* Thread-safe: servers log from their own threads. */
typedef struct test_log {
	jf_log log;
	pthread_mutex_t lock;
	char text[16384];
	size_t len;
	int lines;
	int warnings;
} test_log;

void test_log_init(test_log *t);
void test_log_dispose(test_log *t);

/* Path of a file under tests/data. */
const char *test_data(const char *name);
/* A fresh temp dir (mkdtemp); rm -rf'd by test_tmpdir_remove. */
char *test_tmpdir(void);
void test_tmpdir_remove(char *dir);
/* Write @text to @dir/@name; returns the path (static buffer). */
const char *test_write(const char *dir, const char *name, const char *text, size_t len);

/* One power test's state, as a cmocka fixture: list the test with
 * cmocka_unit_test_setup_teardown(fn, test_power_setup, test_power_teardown)
 * and take it from *state. The setup makes a log (every line kept, DEBUG)
 * and a temp dir; the teardown closes the driver, disposes the exporter and
 * removes the dir, also after a failed assertion. */
typedef struct test_power {
	test_log t;
	jf_exporter e;
	bool loaded;
	jf_power *p;
	jf_err err;
	char *dir;
} test_power;

int test_power_setup(void **state);
int test_power_teardown(void **state);
/* Load an exporter whose "export:" section is @body_fmt (printf-style) into
 * c->e, replacing (and closing) what an earlier call loaded; a YAML error
 * fails the test. */
void test_power_load(test_power *c, const char *body_fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* test_power_load, then open export @name as a power switch into c->p;
 * returns jf_power_open's result. */
int test_power_open(test_power *c, const char *name, const char *body_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Close the driver and drop the exporter now (the teardown does it too). */
void test_power_reset(test_power *c);

#endif
