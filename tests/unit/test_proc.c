#include "helpers.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "jmpflash/proc.h"

static void test_proc_captures_output_and_exit_code(void **state)
{
	const char *argv[] = {"sh", "-c", "echo out; echo err >&2; exit 3", NULL};
	jf_proc_result r;

	(void)state;
	assert_int_equal(jf_proc_run(&r, argv, NULL, 10000, 1 << 20, NULL), 0);
	assert_int_equal(r.exit_code, 3);
	assert_false(r.timed_out);
	assert_string_equal(r.out.ptr, "out\n");
	assert_string_equal(r.err.ptr, "err\n");
	jf_proc_result_free(&r);
}

static void test_proc_feeds_stdin(void **state)
{
	const char *argv[] = {"tr", "a-z", "A-Z", NULL};
	jf_proc_result r;

	(void)state;
	assert_int_equal(jf_proc_run(&r, argv, "hello", 10000, 1 << 20, NULL), 0);
	assert_int_equal(r.exit_code, 0);
	assert_string_equal(r.out.ptr, "HELLO");
	jf_proc_result_free(&r);
}

/* A timeout kills the whole group, grandchildren included. */
static void test_proc_timeout_kills_group(void **state)
{
	const char *argv[] = {"sh", "-c", "sleep 30 & echo $!; wait", NULL};
	jf_proc_result r;
	uint64_t start = jf_clock_mono_ms();
	long grandchild;

	(void)state;
	assert_int_equal(jf_proc_run(&r, argv, NULL, 300, 4096, NULL), 0);
	assert_true(r.timed_out);
	assert_int_equal(r.exit_code, -1);
	assert_true(jf_clock_mono_ms() - start < 5000);
	grandchild = strtol(r.out.ptr, NULL, 10);
	assert_true(grandchild > 0);
	/* the grandchild got SIGTERM with its group; wait (with a deadline) until it is gone */
	{
		jf_deadline d = jf_deadline_in(5000);

		while (kill((pid_t)grandchild, 0) == 0 && !jf_deadline_expired(d))
			poll(NULL, 0, 10);
		assert_int_not_equal(kill((pid_t)grandchild, 0), 0);
	}
	jf_proc_result_free(&r);
}

static void test_proc_output_is_bounded(void **state)
{
	const char *argv[] = {"sh", "-c", "head -c 1000000 /dev/zero", NULL};
	jf_proc_result r;

	(void)state;
	assert_int_equal(jf_proc_run(&r, argv, NULL, 10000, 1000, NULL), 0);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.out.len, 1000);
	jf_proc_result_free(&r);
}

static void test_proc_missing_program(void **state)
{
	const char *argv[] = {"jf-no-such-program", NULL};
	jf_proc_result r;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_proc_run(&r, argv, NULL, 1000, 100, &err), JF_ENOTFOUND);
	assert_string_equal(err.msg, "cannot run 'jf-no-such-program': No such file or directory");
}

static void test_proc_spawn_wait_and_kill(void **state)
{
	const char *argv[] = {"sleep", "30", NULL};
	jf_proc p;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_proc_spawn(&p, argv, NULL, &err), 0);
	assert_int_equal(jf_proc_wait(&p, jf_deadline_in(50), &err), JF_ETIMEOUT);
	jf_proc_kill(&p, 1000);
	assert_true(p.reaped);
	assert_int_equal(p.term_signal, SIGTERM);
	jf_proc_dispose(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_proc_captures_output_and_exit_code),
	    cmocka_unit_test(test_proc_feeds_stdin),
	    cmocka_unit_test(test_proc_timeout_kills_group),
	    cmocka_unit_test(test_proc_output_is_bounded),
	    cmocka_unit_test(test_proc_missing_program),
	    cmocka_unit_test(test_proc_spawn_wait_and_kill),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
