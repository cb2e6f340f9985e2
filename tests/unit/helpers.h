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

#include "jmpflash/log.h"

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

#endif
