/* jf_flash() end to end against the fake board (fakeboard.h): every step,
 * the retry and backoff paths, fail-fast errors, cancel at each step, and
 * the board misbehaving. Asserts the step events, the final code, the power
 * history, what reached the device, and that nothing is left staged. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "fakeboard.h"
#include "flasher/flasher_int.h"
#include "helpers.h"
#include "jmpflash/config.h"
#include "jmpflash/fs.h"
#include "jmpflash/flasher.h"

typedef struct fx {
	char *dir;
	char image[512];
	fakeboard *board;
	test_log log;
	jf_exporter exporter;
	jf_flasher *f;
	int cancel[2];
	const char *cancel_at; /* write the cancel pipe when this step starts */
	char events[2048];     /* "S:power E:power=0 R:-5 ..." */
	int retries_seen;
	const char *agent_dir; /* jf_flash_opts.agent_dir */
} fx;

static void on_event(void *user, const jf_flash_event *ev)
{
	fx *x = user;
	char one[96] = "";

	switch (ev->kind) {
	case JF_EV_STEP_START:
		snprintf(one, sizeof(one), "S:%s ", ev->step);
		if (x->cancel_at && !strcmp(x->cancel_at, ev->step) &&
		    write(x->cancel[1], "c", 1) != 1)
			fail();
		break;
	case JF_EV_STEP_END:
		snprintf(one, sizeof(one), "E:%s=%d ", ev->step, ev->result);
		break;
	case JF_EV_RETRY:
		snprintf(one, sizeof(one), "RETRY:%d ", ev->result);
		x->retries_seen++;
		if (x->cancel_at && !strcmp(x->cancel_at, "RETRY") &&
		    write(x->cancel[1], "c", 1) != 1)
			fail();
		break;
	case JF_EV_RESULT:
		snprintf(one, sizeof(one), "RESULT:%d", ev->result);
		break;
	default:
		return;
	}
	strncat(x->events, one, sizeof(x->events) - strlen(x->events) - 1);
}

static void write_file(const char *path, size_t size, unsigned seed)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	for (size_t i = 0; i < size; i++)
		fputc((int)((i * 131 + seed + i / 4096) & 0xff), f);
	fclose(f);
}

static const char manifest[] =
    "apiVersion: jumpstarter.dev/v1alpha1\n"
    "kind: FlashBundleManifest\n"
    "metadata:\n  name: fake-board\n"
    "spec:\n"
    "  bootcmd: \"booti 0x40400000 0x44000000:${filesize} 0x48000000\"\n"
    "  shelltype: busybox\n"
    "  login:\n    type: busybox\n    login_prompt: \"login:\"\n    username: root\n"
    "    password: \"fake-pw\"\n    prompt: \"#\"\n"
    "  default_target: vda\n"
    "  targets:\n    vda: /dev/vda\n"
    "  preflash_commands:\n    - \"dd if=/dev/zero of=/dev/vda bs=512 count=34\"\n"
    "  kernel:\n    file: data/Image\n    address: \"0x40400000\"\n"
    "  initram:\n    file: data/initramfs.cpio.gz\n    address: \"0x44000000\"\n";

/* A board whose `uname -m` prints @machine (NULL: no uname), its bundle and
 * exporter config in a temp dir, and a flasher. */
static fx *setup_board(fb_fault fault, unsigned fault_boots, size_t image_size, const char *machine)
{
	fx *x = calloc(1, sizeof(*x));
	fb_opts o = {0};
	jf_flasher_opts fo = JF_FLASHER_OPTS_INIT;
	char path[600], yaml[4096];
	uint16_t port;
	jf_err err = JF_ERR_INIT;

	assert_non_null(x);
	x->dir = test_tmpdir();
	for (const char *sub = "bundle/data\0tftp\0www\0cache\0"; *sub; sub += strlen(sub) + 1) {
		snprintf(path, sizeof(path), "%s/%s", x->dir, sub);
		assert_int_equal(jf_mkdirs(path, NULL), 0);
	}
	test_write(x->dir, "bundle/manifest.yaml", manifest, strlen(manifest));
	snprintf(path, sizeof(path), "%s/bundle/data/Image", x->dir);
	write_file(path, 70000, 1);
	snprintf(path, sizeof(path), "%s/bundle/data/initramfs.cpio.gz", x->dir);
	write_file(path, 30000, 2);
	snprintf(x->image, sizeof(x->image), "%s/image.img", x->dir);
	write_file(x->image, image_size, 3);

	o.fault = fault;
	o.fault_boots = fault_boots;
	snprintf(path, sizeof(path), "%s/tftp", x->dir);
	o.tftp_dir = strdup(path);
	snprintf(path, sizeof(path), "%s/www", x->dir);
	o.http_dir = strdup(path);
	o.password = "fake-pw";
	o.device_size = 4u << 20;
	o.machine = machine;
	assert_int_equal(fb_start(&x->board, &o, &port), 0);

	snprintf(yaml, sizeof(yaml),
	         "apiVersion: jumpstarter.dev/v1alpha1\nkind: ExporterConfig\n"
	         "metadata:\n  namespace: default\n  name: fake\n"
	         "export:\n  storage:\n"
	         "    type: jumpstarter_driver_flashers.driver.BaseFlasher\n"
	         "    config:\n      flasher_bundle: %s/bundle\n      cache_dir: %s/cache\n"
	         "      tftp_dir: %s/tftp\n      http_dir: %s/www\n"
	         "    children:\n      serial:\n        ref: serial\n      power:\n"
	         "        ref: power\n      tftp:\n"
	         "        type: jumpstarter_driver_tftp.driver.Tftp\n"
	         "        config:\n          root_dir: %s/tftp\n          host: 127.0.0.1\n"
	         "          port: 0\n"
	         "      http:\n        type: jumpstarter_driver_http.driver.HttpServer\n"
	         "        config:\n          root_dir: %s/www\n          host: 127.0.0.1\n"
	         "          port: 0\n"
	         "  serial:\n    type: jumpstarter_driver_pyserial.driver.PySerial\n"
	         "    config:\n      url: socket://127.0.0.1:%u\n"
	         "  power:\n    type: jumpstarter_driver_power.driver.MockPower\n",
	         x->dir, x->dir, x->dir, x->dir, x->dir, x->dir, port);
	test_log_init(&x->log);
	assert_int_equal(
	    jf_exporter_load_string(&x->exporter, "fake.yaml", yaml, &x->log.log, &err), 0);
	assert_int_equal(pipe2(x->cancel, O_CLOEXEC), 0);
	fo.cancel_fd = x->cancel[0];
	fo.on_event = on_event;
	fo.user = x;
	fo.uboot_timeout_s = 3; /* a board that never shows "=> " */
	fo.boot_timeout_s = 5;  /* a kernel that never shows "login:" */
	if (jf_flasher_new(&x->f, &x->exporter, &fo, &x->log.log, &err) < 0)
		fail_msg("jf_flasher_new: %s", err.msg);
	/* the fake board's switch instead of the config's mock */
	jf_power_close(x->f->power);
	assert_int_equal(fb_power(&x->f->power, x->board, &x->log.log), 0);
	free((char *)o.tftp_dir);
	free((char *)o.http_dir);
	return x;
}

static fx *setup(fb_fault fault, unsigned fault_boots, size_t image_size)
{
	return setup_board(fault, fault_boots, image_size, NULL);
}

/* Nothing staged is left in the TFTP and HTTP roots. */
static void assert_roots_empty(fx *x)
{
	char path[600];

	for (const char *sub = "tftp\0www\0"; *sub; sub += strlen(sub) + 1) {
		DIR *d;
		struct dirent *e;

		snprintf(path, sizeof(path), "%s/%s", x->dir, sub);
		assert_non_null(d = opendir(path));
		while ((e = readdir(d)))
			if (e->d_name[0] != '.' || strncmp(e->d_name, ".jf", 3) == 0)
				fail_msg("left behind in %s: %s", sub, e->d_name);
		closedir(d);
	}
}

static void teardown(fx *x)
{
	jf_flasher_free(x->f);
	fb_stop(x->board);
	jf_exporter_dispose(&x->exporter);
	test_log_dispose(&x->log);
	close(x->cancel[0]);
	close(x->cancel[1]);
	test_tmpdir_remove(x->dir);
	free(x);
}

static int flash_with(fx *x, int retries, jf_flash_method method, jf_err *err)
{
	jf_flash_opts o = JF_FLASH_OPTS_INIT;

	o.image = x->image;
	o.retries = retries;
	o.method = method;
	o.agent_dir = x->agent_dir;
	return jf_flash(x->f, &o, err);
}

/* The fake board imitates busybox: the shell method (the agent runs on the
 * virtual board, tests/e2e). */
static int flash(fx *x, int retries, jf_err *err)
{
	return flash_with(x, retries, JF_METHOD_SHELL, err);
}

static void expect_events(fx *x, const char *want)
{
	if (!strstr(x->events, want))
		fail_msg("events lack '%s':\n%s\nlog:\n%s", want, x->events, x->log.text);
}

/* The agent method on a board whose shell has no uname: a warning, then
 * the shell method writes in the same attempt. */
static void test_fake_agent_falls_back_to_shell(void **s)
{
	fx *x = setup(FB_OK, 0, (1u << 20) + 77);
	jf_err err = JF_ERR_INIT;

	(void)s;
	if (flash_with(x, 0, JF_METHOD_AGENT, &err) != 0)
		fail_msg("flash: %s\nevents: %s\nlog:\n%s", err.msg, x->events, x->log.text);
	expect_events(x, "S:write E:write=0 S:write E:write=0 S:verify E:verify=0");
	if (!strstr(x->log.text, "falling back to --method shell"))
		fail_msg("no fallback warning:\n%s", x->log.text);
	teardown(x);
}

/* The agent the board gets follows its `uname -m` (agent_arch.c): armv7l
 * and arm64 find the armhf and aarch64 agents, which the log names; armv6l
 * finds none. The fake board cannot fetch one, so each ends with the shell
 * method. */
static void test_fake_agent_follows_uname(void **s)
{
	static const char *const cases[][2] = {
	    {"armv7l", "Sending jmpflash-agent for armhf (uname -m: armv7l)"},
	    {"arm64", "Sending jmpflash-agent for aarch64 (uname -m: arm64)"},
	    {"armv6l", "there is no jmpflash-agent for armv6l"},
	};

	(void)s;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fx *x = setup_board(FB_OK, 0, (1u << 20) + 77, cases[i][0]);
		jf_err err = JF_ERR_INIT;
		char agents[600];

		for (const char *sub = "armhf\0aarch64\0"; *sub; sub += strlen(sub) + 1) {
			snprintf(agents, sizeof(agents), "%s/agents/%s", x->dir, sub);
			assert_int_equal(jf_mkdirs(agents, NULL), 0);
		}
		snprintf(agents, sizeof(agents), "%s/agents", x->dir);
		test_write(agents, "armhf/jmpflash-agent", "armhf", 5);
		test_write(agents, "aarch64/jmpflash-agent", "aarch64", 7);
		x->agent_dir = agents;
		if (flash_with(x, 0, JF_METHOD_AGENT, &err) != 0)
			fail_msg("%s: flash: %s\nlog:\n%s", cases[i][0], err.msg, x->log.text);
		if (!strstr(x->log.text, cases[i][1]) ||
		    !strstr(x->log.text, "falling back to --method shell"))
			fail_msg("%s: the log lacks '%s':\n%s", cases[i][0], cases[i][1],
			         x->log.text);
		assert_roots_empty(x);
		teardown(x);
	}
}

/* The whole flow, each step once, in order; the device holds the image. */
static void test_fake_flash_every_step(void **s)
{
	fx *x = setup(FB_OK, 0, (3u << 20) + 1234);
	jf_err err = JF_ERR_INIT;
	fb_stats st;

	(void)s;
	if (flash(x, 0, &err) != 0)
		fail_msg("flash: %s\nevents: %s\nlog:\n%s", err.msg, x->events, x->log.text);
	expect_events(x, "S:bundle E:bundle=0 S:power E:power=0 S:uboot E:uboot=0 S:tftp "
	                 "E:tftp=0 S:boot E:boot=0 S:target E:target=0 S:write E:write=0 "
	                 "S:verify E:verify=0 S:power-off E:power-off=0 RESULT:0");
	fb_get_stats(x->board, &st);
	assert_int_equal(st.boots, 1);
	assert_int_equal(st.reboots, 1); /* into what was written, as upstream */
	assert_string_equal(st.power, "off,on,off,");
	assert_int_equal(fb_device_cmp(x->board, x->image), 0);
	assert_null(strstr(x->log.text, "fake-pw")); /* the login password is a secret */
	teardown(x);
}

/* --no-power-off: the board is left on once its kernel said it restarts;
 * a board that ignored 'reboot' is power cycled, so it boots what was
 * written all the same. */
static void test_fake_no_power_off(void **s)
{
	static const fb_fault faults[] = {FB_OK, FB_DEAF_REBOOT};
	static const char *const power[] = {"off,on,", "off,on,off,on,"};

	(void)s;
	for (size_t i = 0; i < 2; i++) {
		fx *x = setup(faults[i], 0, (1u << 20) + 77);
		jf_flash_opts o = JF_FLASH_OPTS_INIT;
		jf_err err = JF_ERR_INIT;
		fb_stats st;

		o.image = x->image;
		o.retries = 0;
		o.no_power_off = true;
		if (jf_flash(x->f, &o, &err) != 0)
			fail_msg("flash: %s\nlog:\n%s", err.msg, x->log.text);
		fb_get_stats(x->board, &st);
		assert_string_equal(st.power, power[i]);
		assert_int_equal(!!strstr(x->log.text, "did not restart within 15 s"), (int)i);
		teardown(x);
	}
}

/* A fault on the first boot only: one retry (after the backoff), then done. */
static void retried_once(fb_fault fault, int first_code)
{
	fx *x = setup(fault, 1, (1u << 20) + 77);
	jf_err err = JF_ERR_INIT;
	char want[64];
	fb_stats st;

	if (flash(x, 1, &err) != 0)
		fail_msg("fault %d: flash: %s\nevents: %s\nlog:\n%s", fault, err.msg, x->events,
		         x->log.text);
	snprintf(want, sizeof(want), "RETRY:%d ", first_code);
	expect_events(x, want);
	expect_events(x, "E:verify=0 S:power-off E:power-off=0 RESULT:0");
	assert_int_equal(x->retries_seen, 1);
	fb_get_stats(x->board, &st);
	assert_int_equal(st.boots, fault == FB_RESET_IN_BOOT ? 3 : 2);
	assert_int_equal(fb_device_cmp(x->board, x->image), 0);
	assert_roots_empty(x);
	teardown(x);
}

static void test_fake_retry_after_panic(void **s)
{
	(void)s;
	retried_once(FB_PANIC, JF_EPROTO);
}

static void test_fake_retry_after_reset_in_boot(void **s)
{
	(void)s;
	retried_once(FB_RESET_IN_BOOT, JF_EPROTO);
}

static void test_fake_retry_after_tftp_error(void **s)
{
	(void)s;
	retried_once(FB_TFTP_ERROR, JF_EPROTO);
}

static void test_fake_retry_after_console_drop_in_boot(void **s)
{
	(void)s;
	retried_once(FB_CLOSE_IN_BOOT, JF_EIO);
}

static void test_fake_retry_after_console_drop_in_write(void **s)
{
	(void)s;
	retried_once(FB_CLOSE_IN_WRITE, JF_EIO);
}

/* A TFTP timeout: U-Boot is interrupted and the load is tried again with a
 * smaller window in the same boot, with no stale prompt taken for the next
 * command's (that failed the attempt with "did not load all N bytes"). */
static void test_fake_tftp_timeout_recovers_in_boot(void **s)
{
	fx *x = setup(FB_TFTP_TIMEOUT, 0, 4096);
	jf_err err = JF_ERR_INIT;
	fb_stats st;

	(void)s;
	if (flash(x, 0, &err) != 0)
		fail_msg("flash: %s\nlog:\n%s", err.msg, x->log.text);
	assert_int_equal(x->retries_seen, 0);
	assert_non_null(strstr(x->log.text, "again with windowsize 4"));
	fb_get_stats(x->board, &st);
	assert_int_equal(st.boots, 1);
	teardown(x);
}

/* Slow output and a noisy, ANSI-ridden console still flash cleanly. */
static void test_fake_slow_and_noisy(void **s)
{
	jf_err err = JF_ERR_INIT;

	(void)s;
	for (fb_fault f = FB_SLOW; f <= FB_NOISE; f++) {
		fx *x = setup(f, 0, 100000);

		if (flash(x, 0, &err) != 0)
			fail_msg("fault %d: %s\nlog:\n%s", f, err.msg, x->log.text);
		expect_events(x, "E:verify=0");
		assert_int_equal(fb_device_cmp(x->board, x->image), 0);
		teardown(x);
	}
}

/* Errors that a retry cannot fix end the flash at once (no RETRY), with the
 * board switched off and a code that says why. */
static void fails_fast(fb_fault fault, int code, const char *step, const char *msg_part)
{
	fx *x = setup(fault, 0, 300000);
	jf_err err = JF_ERR_INIT;
	char want[64];
	fb_stats st;

	assert_int_equal(flash(x, 3, &err), code);
	if (!strstr(err.msg, msg_part))
		fail_msg("fault %d: '%s' lacks '%s'", fault, err.msg, msg_part);
	snprintf(want, sizeof(want), "E:%s=%d ", step, code);
	expect_events(x, want);
	snprintf(want, sizeof(want), "RESULT:%d", code);
	expect_events(x, want);
	assert_int_equal(x->retries_seen, 0);
	fb_get_stats(x->board, &st);
	assert_false(st.powered);
	assert_roots_empty(x);
	teardown(x);
}

static void test_fake_fail_fast_bad_kernel(void **s)
{
	(void)s;
	fails_fast(FB_BAD_KERNEL, JF_EINTEGRITY, "boot", "Bad Linux ARM64 Image magic");
}

static void test_fake_fail_fast_other_prompt(void **s)
{
	(void)s;
	fails_fast(FB_OTHER_PROMPT, JF_EUNREACHABLE, "uboot", "U-Boot did not answer");
}

static void test_fake_fail_fast_readback_differs(void **s)
{
	(void)s;
	fails_fast(FB_BAD_READBACK, JF_EINTEGRITY, "verify", "verify failed");
}

static void test_fake_fail_fast_disk_full(void **s)
{
	(void)s;
	fails_fast(FB_DISK_FULL, JF_EINVAL, "write", "larger than the target device");
}

static void test_fake_power_switch_fails(void **s)
{
	(void)s;
	fails_fast(FB_POWER_FAILS, JF_EUNREACHABLE, "power", "relay stuck");
}

/* Retryable failures on every boot: the attempts run out, the last error
 * is reported, with backoff between attempts. */
static void test_fake_retries_run_out(void **s)
{
	fx *x = setup(FB_NO_LOGIN, 0, 4096);
	jf_err err = JF_ERR_INIT;
	fb_stats st;

	(void)s;
	assert_int_equal(flash(x, 1, &err), JF_ETIMEOUT);
	assert_non_null(strstr(err.msg, "login:"));
	assert_int_equal(x->retries_seen, 1);
	fb_get_stats(x->board, &st);
	assert_int_equal(st.boots, 2);
	assert_false(st.powered);
	expect_events(x, "RESULT:-");
	teardown(x);
}

/* A command whose exit status never comes: a timeout naming the command,
 * never a success. */
static void test_fake_lost_exit_status(void **s)
{
	fx *x = setup(FB_LOST_STATUS, 0, 4096);
	jf_err err = JF_ERR_INIT;

	(void)s;
	assert_int_equal(flash(x, 0, &err), JF_ETIMEOUT);
	assert_non_null(strstr(err.msg, "date -s"));
	expect_events(x, "E:boot=-");
	teardown(x);
}

/* The image does not fit the device: refused from the size the board
 * reports, before anything is written, and not retried. */
static void test_fake_image_larger_than_device(void **s)
{
	fx *x = setup(FB_OK, 0, (4u << 20) + 512);
	jf_err err = JF_ERR_INIT;
	fb_stats st;

	(void)s;
	assert_int_equal(flash(x, 2, &err), JF_EINVAL);
	assert_non_null(strstr(err.msg, "larger than the target device; nothing was written"));
	assert_int_equal(x->retries_seen, 0);
	fb_get_stats(x->board, &st);
	assert_int_equal(st.writes, 0);
	expect_events(x, "E:write=-1 ");
	teardown(x);
}

/* Ctrl-C at the start of each step: JF_ECANCELED, no retry, the board off,
 * nothing left staged. */
static void test_fake_cancel_at_every_step(void **s)
{
	static const char *steps[] = {"bundle", "power",  "uboot", "tftp",
	                              "boot",   "target", "write", "verify"};

	(void)s;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		fx *x = setup(FB_OK, 0, 200000);
		jf_err err = JF_ERR_INIT;
		fb_stats st;

		x->cancel_at = steps[i];
		if (flash(x, 3, &err) != JF_ECANCELED)
			fail_msg("cancel at %s: got '%s'\nevents: %s", steps[i], err.msg,
			         x->events);
		assert_int_equal(x->retries_seen, 0);
		expect_events(x, "RESULT:-");
		fb_get_stats(x->board, &st);
		assert_false(st.powered);
		assert_roots_empty(x);
		teardown(x);
	}
}

/* Cancel during the backoff between attempts: no second attempt. */
static void test_fake_cancel_during_backoff(void **s)
{
	fx *x = setup(FB_PANIC, 0, 4096);
	jf_err err = JF_ERR_INIT;
	fb_stats st;

	(void)s;
	x->cancel_at = "RETRY"; /* the first attempt panics; cancel in the backoff */
	assert_int_equal(flash(x, 3, &err), JF_ECANCELED);
	fb_get_stats(x->board, &st);
	assert_int_equal(st.boots, 1);
	assert_false(st.powered);
	teardown(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fake_flash_every_step),
	    cmocka_unit_test(test_fake_no_power_off),
	    cmocka_unit_test(test_fake_agent_falls_back_to_shell),
	    cmocka_unit_test(test_fake_agent_follows_uname),
	    cmocka_unit_test(test_fake_retry_after_panic),
	    cmocka_unit_test(test_fake_retry_after_reset_in_boot),
	    cmocka_unit_test(test_fake_retry_after_tftp_error),
	    cmocka_unit_test(test_fake_retry_after_console_drop_in_boot),
	    cmocka_unit_test(test_fake_retry_after_console_drop_in_write),
	    cmocka_unit_test(test_fake_tftp_timeout_recovers_in_boot),
	    cmocka_unit_test(test_fake_slow_and_noisy),
	    cmocka_unit_test(test_fake_fail_fast_bad_kernel),
	    cmocka_unit_test(test_fake_fail_fast_other_prompt),
	    cmocka_unit_test(test_fake_fail_fast_readback_differs),
	    cmocka_unit_test(test_fake_fail_fast_disk_full),
	    cmocka_unit_test(test_fake_power_switch_fails),
	    cmocka_unit_test(test_fake_retries_run_out),
	    cmocka_unit_test(test_fake_lost_exit_status),
	    cmocka_unit_test(test_fake_image_larger_than_device),
	    cmocka_unit_test(test_fake_cancel_at_every_step),
	    cmocka_unit_test(test_fake_cancel_during_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
