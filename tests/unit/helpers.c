#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sink(void *user, const jf_log_line *line)
{
	test_log *t = user;
	int n;

	pthread_mutex_lock(&t->lock);
	n = snprintf(t->text + t->len, sizeof(t->text) - t->len, "%s %s: %s\n",
	             jf_log_level_name(line->level), line->component, line->message);
	if (n > 0 && (size_t)n < sizeof(t->text) - t->len)
		t->len += (size_t)n;
	t->lines++;
	if (line->level == JF_LOG_WARN)
		t->warnings++;
	pthread_mutex_unlock(&t->lock);
}

void test_log_init(test_log *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	assert_int_equal(jf_log_init(&t->log), 0);
	t->log.threshold = JF_LOG_DEBUG;
	jf_log_set_sink(&t->log, sink, t);
}

void test_log_dispose(test_log *t)
{
	jf_log_dispose(&t->log);
}

const char *test_data(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", JF_TEST_DATA, name);
	return path;
}

char *test_tmpdir(void)
{
	char tmpl[] = "/tmp/jf-test-XXXXXX";
	char *dir = mkdtemp(tmpl);

	assert_non_null(dir);
	return strdup(dir);
}

void test_tmpdir_remove(char *dir)
{
	char cmd[4200];

	if (dir && !strncmp(dir, "/tmp/jf-test-", 13)) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
	free(dir);
}

const char *test_write(const char *dir, const char *name, const char *text, size_t len)
{
	static char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	return path;
}

int test_power_setup(void **state)
{
	test_power *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	test_log_init(&c->t);
	c->err = (jf_err)JF_ERR_INIT;
	c->dir = test_tmpdir();
	*state = c;
	return 0;
}

void test_power_reset(test_power *c)
{
	jf_power_close(c->p);
	c->p = NULL;
	if (c->loaded)
		jf_exporter_dispose(&c->e);
	c->loaded = false;
}

int test_power_teardown(void **state)
{
	test_power *c = *state;

	test_power_reset(c);
	test_log_dispose(&c->t);
	test_tmpdir_remove(c->dir);
	free(c);
	return 0;
}

static void power_load(test_power *c, const char *body_fmt, va_list ap)
{
	static const char head[] = "apiVersion: jumpstarter.dev/v1alpha1\n"
	                           "kind: ExporterConfig\n"
	                           "metadata: {name: lab, namespace: default}\n"
	                           "endpoint: grpc.example:443\n"
	                           "token: abc-token\n"
	                           "export:\n";
	char yaml[20000];
	size_t n = strlen(head);

	test_power_reset(c);
	memcpy(yaml, head, n);
	assert_true(vsnprintf(yaml + n, sizeof(yaml) - n, body_fmt, ap) < (int)(sizeof(yaml) - n));
	if (jf_exporter_load_string(&c->e, "test.yaml", yaml, &c->t.log, &c->err) < 0)
		fail_msg("yaml: %s", c->err.msg);
	c->loaded = true;
}

void test_power_load(test_power *c, const char *body_fmt, ...)
{
	va_list ap;

	va_start(ap, body_fmt);
	power_load(c, body_fmt, ap);
	va_end(ap);
}

int test_power_open(test_power *c, const char *name, const char *body_fmt, ...)
{
	va_list ap;

	va_start(ap, body_fmt);
	power_load(c, body_fmt, ap);
	va_end(ap);
	return jf_power_open(&c->p, jf_exporter_find(&c->e, name), &c->t.log, &c->err);
}
