#include "helpers.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jmpflash/lock.h"

static jf_lock_opts opts_in(const char *dir, int wait_ms, const char *owner)
{
	jf_lock_opts o = JF_LOCK_OPTS_INIT;

	o.dir = dir;
	o.wait_ms = wait_ms;
	o.owner = owner;
	return o;
}

/* A second taker is refused at once and told who holds the lock. */
static void test_lock_second_refused_with_pid(void **state)
{
	char *dir = test_tmpdir(), want[64];
	jf_lock_opts o = opts_in(dir, 0, "jmpflash storage flash");
	jf_lock *a = NULL, *b = NULL;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_lock_acquire(&a, "board:x", "board x", &o, &err), 0);
	assert_int_equal(jf_lock_acquire(&b, "board:x", "board x", &o, &err), JF_EEXISTS);
	assert_null(b);
	snprintf(want, sizeof(want), "board x is in use by pid %ld", (long)getpid());
	assert_non_null(strstr(err.msg, want));
	assert_non_null(strstr(err.msg, "(jmpflash storage flash)"));
	/* another key is another lock */
	assert_int_equal(jf_lock_acquire(&b, "board:y", "board y", &o, &err), 0);
	jf_lock_release(a);
	jf_lock_release(b);
	/* released: free again */
	assert_int_equal(jf_lock_acquire(&a, "board:x", "board x", &o, &err), 0);
	jf_lock_release(a);
	test_tmpdir_remove(dir);
}

/* Keys with slashes and odd characters map to one file inside the dir. */
static void test_lock_key_is_a_file_name(void **state)
{
	char *dir = test_tmpdir();
	jf_lock_opts o = opts_in(dir, 0, NULL);
	jf_lock *a = NULL, *b = NULL;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_lock_acquire(&a, "serial:/dev/../tmp/x y", "s", &o, &err), 0);
	/* a key that cleans to the same text is still a different lock */
	assert_int_equal(jf_lock_acquire(&b, "serial:_dev_.._tmp_x_y", "s", &o, &err), 0);
	jf_lock_release(a);
	jf_lock_release(b);
	test_tmpdir_remove(dir);
}

/* A bounded wait ends in JF_ETIMEOUT naming the holder. */
static void test_lock_wait_times_out(void **state)
{
	char *dir = test_tmpdir();
	jf_lock_opts hold = opts_in(dir, 0, "holder"), wait = opts_in(dir, 250, NULL);
	jf_lock *a = NULL, *b = NULL;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_lock_acquire(&a, "power:p", "board p", &hold, &err), 0);
	assert_int_equal(jf_lock_acquire(&b, "power:p", "board p", &wait, &err), JF_ETIMEOUT);
	assert_non_null(strstr(err.msg, "still in use by pid"));
	jf_lock_release(a);
	test_tmpdir_remove(dir);
}

/* A waiter stops when the cancel fd becomes readable. */
static void test_lock_wait_canceled(void **state)
{
	char *dir = test_tmpdir();
	jf_lock_opts hold = opts_in(dir, 0, NULL), wait = opts_in(dir, -1, NULL);
	jf_lock *a = NULL, *b = NULL;
	jf_err err = JF_ERR_INIT;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	wait.cancel_fd = p[0];
	assert_int_equal(jf_lock_acquire(&a, "k", "board k", &hold, &err), 0);
	assert_int_equal(jf_lock_acquire(&b, "k", "board k", &wait, &err), JF_ECANCELED);
	jf_lock_release(a);
	close(p[0]);
	close(p[1]);
	test_tmpdir_remove(dir);
}

/* The lock dies with its process: a child holds it, is killed with
 * SIGKILL, and a waiter gets it with no clean-up by anyone. A waiter
 * that starts while the child holds it gets it as soon as the child dies. */
static void test_lock_dies_with_holder(void **state)
{
	char *dir = test_tmpdir();
	jf_lock_opts o = opts_in(dir, 0, NULL), wait = opts_in(dir, 60000, NULL);
	jf_lock *a = NULL;
	jf_err err = JF_ERR_INIT;
	int ready[2], status;
	pid_t child;
	char c;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		jf_lock *l = NULL;

		if (jf_lock_acquire(&l, "board:k", "board k", &o, NULL) == 0 &&
		    write(ready[1], "y", 1) == 1)
			for (;;)
				pause();
		_exit(1);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(jf_lock_acquire(&a, "board:k", "board k", &o, &err), JF_EEXISTS);
	kill(child, SIGKILL);
	/* waits until the kernel drops the dead child's lock (bounded) */
	assert_int_equal(jf_lock_acquire(&a, "board:k", "board k", &wait, &err), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	jf_lock_release(a);
	close(ready[0]);
	test_tmpdir_remove(dir);
}

/* The descriptor is close-on-exec: a program we start never holds it. */
static void test_lock_not_inherited_by_exec(void **state)
{
	char *dir = test_tmpdir(), path[512];
	jf_lock_opts o = opts_in(dir, 0, NULL);
	jf_lock *a = NULL;
	jf_err err = JF_ERR_INIT;
	int status;
	pid_t child;

	(void)state;
	assert_int_equal(jf_lock_acquire(&a, "board:e", "board e", &o, &err), 0);
	snprintf(path, sizeof(path), "ls -l /proc/self/fd/ | grep -q '%s/' && exit 7; exit 0", dir);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		execl("/bin/sh", "sh", "-c", path, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	jf_lock_release(a);
	test_tmpdir_remove(dir);
}

static void test_lock_dir_from_env(void **state)
{
	char buf[256];

	(void)state;
	setenv("JMPFLASH_LOCK_DIR", "/somewhere/locks", 1);
	assert_string_equal(jf_lock_dir(buf, sizeof(buf)), "/somewhere/locks");
	unsetenv("JMPFLASH_LOCK_DIR");
	assert_non_null(jf_lock_dir(buf, sizeof(buf)));
	assert_true(buf[0] == '/');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lock_second_refused_with_pid),
	    cmocka_unit_test(test_lock_key_is_a_file_name),
	    cmocka_unit_test(test_lock_wait_times_out),
	    cmocka_unit_test(test_lock_wait_canceled),
	    cmocka_unit_test(test_lock_dies_with_holder),
	    cmocka_unit_test(test_lock_not_inherited_by_exec),
	    cmocka_unit_test(test_lock_dir_from_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
