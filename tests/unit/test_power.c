/* Power: the common interface (cycle sequence, off-time, who switched the
 * board on), the command driver with real processes, the qemu driver with a
 * stand-in process, and YKUSH command bytes through a fake HID layer. */
#include "helpers.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jmpflash/clock.h"
#include "jmpflash/power.h"

static void test_power_cycle_logs_sequence(void **state)
{
	jf_power_mock m = {JF_POWER_UNKNOWN, 0, 0, 0, {0}};
	jf_err err = JF_ERR_INIT;
	jf_power_state st;
	jf_power *p;
	uint64_t t0;
	test_log t;

	(void)state;
	test_log_init(&t);
	assert_int_equal(jf_power_mock_new(&p, &m, &t.log, &err), 0);
	assert_int_equal(jf_power_off_time(p), 2000);
	jf_power_set_off_time(p, 300);
	t0 = jf_clock_mono_ms();
	assert_int_equal(jf_power_cycle(p, &err), 0);
	assert_true(jf_clock_mono_ms() - t0 >= 295);
	assert_string_equal(m.history, "off,on,");
	assert_non_null(strstr(t.text, "INFO power: Starting power cycle sequence\n"));
	assert_non_null(strstr(t.text, "INFO power: Waiting 0.3 seconds...\n"));
	assert_non_null(strstr(t.text, "INFO power: Power cycle sequence complete\n"));
	assert_true(strstr(t.text, "Starting") < strstr(t.text, "Waiting"));
	assert_true(jf_power_powered_by_us(p));
	assert_int_equal(jf_power_state_get(p, &st, &err), 0);
	assert_int_equal(st, JF_POWER_ON);
	jf_power_close(p);
	test_log_dispose(&t);
}

static void test_power_release_only_what_we_switched_on(void **state)
{
	jf_power_mock m = {JF_POWER_UNKNOWN, 0, 0, 0, {0}};
	jf_err err = JF_ERR_INIT;
	jf_power *p;
	test_log t;

	(void)state;
	test_log_init(&t);
	assert_int_equal(jf_power_mock_new(&p, &m, &t.log, &err), 0);
	assert_int_equal(jf_power_release(p, &err), 0);
	assert_int_equal(m.off_calls, 0); /* not ours: left alone */
	assert_int_equal(jf_power_on(p, &err), 0);
	assert_int_equal(jf_power_release(p, &err), 0);
	assert_int_equal(m.off_calls, 1);
	assert_false(jf_power_powered_by_us(p));
	m.fail_with = JF_EIO;
	assert_int_equal(jf_power_on(p, &err), JF_EIO);
	assert_non_null(strstr(err.msg, "power on (mock): mock power refuses"));
	assert_false(jf_power_powered_by_us(p));
	jf_power_close(p);
	test_log_dispose(&t);
}

static void test_power_command_runs_and_reports_stderr(void **state)
{
	test_power *c = *state;
	jf_power_state st;
	char path[4200], line[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/state", c->dir);
	assert_int_equal(
	    test_power_open(c, "power",
	                    "  power:\n"
	                    "    type: jmpflash.power.command\n"
	                    "    config:\n"
	                    "      on: echo on > %s\n"
	                    "      off: echo off > %s; echo 'relay 3 is stuck' >&2; exit 4\n"
	                    "      state: cat %s\n"
	                    "      off_time: 0.1\n",
	                    path, path, path),
	    0);
	assert_int_equal(jf_power_off_time(c->p), 100);
	assert_int_equal(jf_power_on(c->p, &c->err), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_string_equal(line, "on\n");
	assert_int_equal(jf_power_state_get(c->p, &st, &c->err), 0);
	assert_int_equal(st, JF_POWER_ON);
	assert_int_equal(jf_power_off(c->p, &c->err), JF_EIO);
	assert_non_null(strstr(c->err.msg, "exit code 4"));
	assert_non_null(strstr(c->err.msg, "relay 3 is stuck"));
	assert_int_equal(jf_power_state_get(c->p, &st, &c->err), 0);
	assert_int_equal(st, JF_POWER_OFF);
}

static void test_power_command_timeout_and_cycle(void **state)
{
	test_power *c = *state;
	jf_power_state st;
	uint64_t t0;

	assert_int_equal(test_power_open(c, "power",
	                                 "  power:\n"
	                                 "    type: jmpflash.power.command\n"
	                                 "    config:\n"
	                                 "      on: sleep 20\n"
	                                 "      off: 'true'\n"
	                                 "      cycle: 'true'\n"
	                                 "      state: echo maybe\n"
	                                 "      timeout: 0.3\n"),
	                 0);
	t0 = jf_clock_mono_ms();
	assert_int_equal(jf_power_on(c->p, &c->err), JF_ETIMEOUT);
	assert_true(jf_clock_mono_ms() - t0 < 5000);
	assert_non_null(strstr(c->err.msg, "sleep 20"));
	assert_int_equal(jf_power_cycle(c->p, &c->err), 0); /* its own cycle command: no wait */
	assert_non_null(strstr(c->t.text, "Power cycle sequence complete"));
	assert_null(strstr(c->t.text, "Waiting"));
	assert_int_equal(jf_power_state_get(c->p, &st, &c->err), JF_EPROTO);
	assert_non_null(strstr(c->err.msg, "'maybe'"));
}

static void test_power_upstream_shell_driver(void **state)
{
	test_power *c = *state;
	jf_power_state st;

	assert_int_equal(test_power_open(c, "power",
	                                 "  power:\n"
	                                 "    type: jumpstarter_driver_shell.driver.Shell\n"
	                                 "    config:\n"
	                                 "      cwd: %s\n"
	                                 "      shell: [sh, -c]\n"
	                                 "      methods:\n"
	                                 "        on: echo on > relay\n"
	                                 "        off: echo off > relay\n"
	                                 "        state: cat relay\n",
	                                 c->dir),
	                 0);
	assert_int_equal(jf_power_on(c->p, &c->err), 0);
	assert_int_equal(jf_power_state_get(c->p, &st, &c->err), 0); /* relay is in cwd */
	assert_int_equal(st, JF_POWER_ON);
	assert_int_equal(test_power_open(c, "power",
	                                 "  power:\n"
	                                 "    type: jumpstarter_driver_shell.driver.Shell\n"
	                                 "    config:\n"
	                                 "      methods: {reset: 'true'}\n"),
	                 JF_ECONFIG);
	assert_non_null(strstr(c->err.msg, "needs methods 'on' and 'off'"));
}

static void test_power_qemu_starts_stops_and_reports_death(void **state)
{
	test_power *c = *state;
	jf_power_state st;
	char pidpath[4200];
	FILE *f;
	int pid = 0, rc;

	/* The stand-in "QEMU" records its pid and runs until stopped. */
	snprintf(pidpath, sizeof(pidpath), "%s/pid", c->dir);
	assert_int_equal(test_power_open(c, "power",
	                                 "  power:\n"
	                                 "    type: jmpflash.power.qemu\n"
	                                 "    config:\n"
	                                 "      command: [sh, -c, 'echo $$ > %s; exec sleep 60']\n"
	                                 "      cwd: %s\n"
	                                 "      stop_timeout: 2\n",
	                                 pidpath, c->dir),
	                 0);
	assert_int_equal(jf_power_state_get(c->p, &st, &c->err), 0);
	assert_int_equal(st, JF_POWER_OFF);
	assert_int_equal(jf_power_on(c->p, &c->err), 0);
	assert_int_equal(jf_power_state_get(c->p, &st, &c->err), 0);
	assert_int_equal(st, JF_POWER_ON);
	assert_int_equal(jf_power_check(c->p, &c->err), 0);
	for (jf_deadline d = jf_deadline_in(5000); !pid && !jf_deadline_expired(d);) {
		if ((f = fopen(pidpath, "r"))) {
			if (fscanf(f, "%d", &pid) != 1)
				pid = 0;
			fclose(f);
		}
	}
	assert_true(pid > 0);
	assert_int_equal(kill(pid, 0), 0);
	assert_int_equal(jf_power_off(c->p, &c->err), 0);
	assert_int_equal(kill(pid, 0), -1); /* gone, and reaped */
	assert_int_equal(jf_power_state_get(c->p, &st, &c->err), 0);
	assert_int_equal(st, JF_POWER_OFF);

	/* A QEMU that dies while on is reported with its last words. */
	assert_int_equal(test_power_open(c, "power",
	                                 "  power:\n"
	                                 "    type: jmpflash.power.qemu\n"
	                                 "    config:\n"
	                                 "      command: [sh, -c, 'echo \"qemu: could not load "
	                                 "kernel\" >&2; exit 1']\n"),
	                 0);
	assert_int_equal(jf_power_on(c->p, &c->err), 0);
	for (jf_deadline d = jf_deadline_in(5000);
	     (rc = jf_power_check(c->p, &c->err)) == 0 && !jf_deadline_expired(d);)
		poll(NULL, 0, 10);
	assert_int_equal(rc, JF_EUNREACHABLE);
	assert_non_null(strstr(c->err.msg, "QEMU exited with code 1"));
	assert_non_null(strstr(c->err.msg, "could not load kernel"));
	assert_int_equal(jf_power_check(c->p, &c->err), 0); /* reported once */
}

static void test_power_qemu_quits_through_monitor(void **state)
{
	test_power *c = *state;
	jf_deadline d = jf_deadline_in(10000);
	char sock[4200];

	if (access("/usr/bin/socat", X_OK) != 0)
		fail_msg("socat is not installed (scripts/install-deps.sh installs it)");
	/* The stand-in "QEMU" exits (code 7) when its monitor gets "quit". */
	snprintf(sock, sizeof(sock), "%s/mon.sock", c->dir);
	assert_int_equal(test_power_open(c, "power",
	                                 "  power:\n"
	                                 "    type: jmpflash.power.qemu\n"
	                                 "    config:\n"
	                                 "      command: [sh, -c, 'socat -u UNIX-LISTEN:mon.sock "
	                                 "STDOUT | grep -q quit && exit 7; exit 1']\n"
	                                 "      cwd: %s\n"
	                                 "      monitor: unix:mon.sock\n",
	                                 c->dir),
	                 0);
	assert_int_equal(jf_power_on(c->p, &c->err), 0);
	while (access(sock, F_OK) != 0 && !jf_deadline_expired(d))
		poll(NULL, 0, 10);
	assert_int_equal(access(sock, F_OK), 0);
	assert_int_equal(jf_power_off(c->p, &c->err), 0);
	assert_non_null(strstr(c->t.text, "QEMU quit through its monitor"));
}

/* A kept "QEMU" outlives its jf_power; a later one (as a later jmpflash
 * process would) finds it through the pid file, reports it on and stops it. */
static void test_power_qemu_kept_outlives_and_is_stopped_later(void **state)
{
	static const char body[] = "  power:\n"
	                           "    type: jmpflash.power.qemu\n"
	                           "    config:\n"
	                           "      command: [sh, -c, 'sleep 60; true', qemu-standin]\n"
	                           "      pidfile: %s\n"
	                           "      stop_timeout: 2\n";
	test_power *c = *state;
	char pidpath[4200];
	jf_power_state st;
	jf_deadline d;
	FILE *f;
	int pid = 0, status;
	pid_t r;

	snprintf(pidpath, sizeof(pidpath), "%s/q.pid", c->dir);
	assert_int_equal(test_power_open(c, "power", body, pidpath), 0);
	assert_int_equal(jf_power_keep(c->p, &c->err), 0);
	assert_int_equal(jf_power_on(c->p, &c->err), 0);
	jf_power_release(c->p, &c->err); /* kept: not switched off */
	test_power_reset(c);
	assert_non_null((f = fopen(pidpath, "r")));
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* still running */
	assert_int_equal(test_power_open(c, "power", body, pidpath), 0);
	assert_int_equal(jf_power_state_get(c->p, &st, &c->err), 0);
	assert_int_equal(st, JF_POWER_ON);
	assert_int_equal(jf_power_on(c->p, &c->err), 0); /* no second one */
	assert_non_null(strstr(c->t.text, "is already running"));
	assert_int_equal(jf_power_off(c->p, &c->err), 0);
	assert_non_null(strstr(c->t.text, "started earlier) stopped"));
	d = jf_deadline_in(10000);
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && !jf_deadline_expired(d))
		poll(NULL, 0, 10);
	assert_int_equal(r, pid);
	assert_int_equal(access(pidpath, F_OK), -1);
	assert_int_equal(jf_power_state_get(c->p, &st, &c->err), 0);
	assert_int_equal(st, JF_POWER_OFF);
	/* without a monitor or pid file nothing could find it again */
	assert_int_equal(test_power_open(c, "power",
	                                 "  power:\n"
	                                 "    type: jmpflash.power.qemu\n"
	                                 "    config: {command: [sleep, '60']}\n"),
	                 0);
	assert_int_equal(jf_power_keep(c->p, &c->err), JF_ECONFIG);
	assert_non_null(strstr(c->err.msg, "give the qemu power driver 'monitor:'"));
}

/* A fake HID layer: one hub with serial YK12345 and pid @pid. */
typedef struct fake_hid {
	uint16_t pid;
	unsigned char sent[8][65];
	int nsent;
	int opens, closes;
	unsigned char answer;
} fake_hid;

static int fake_open(void *user, const uint16_t *pids, size_t npids, const char *serial,
                     void **handle, char **serial_out, jf_err *err)
{
	fake_hid *f = user;
	bool pid_ok = false;

	for (size_t i = 0; i < npids; i++)
		pid_ok |= pids[i] == f->pid;
	if (!pid_ok || (serial && strcmp(serial, "YK12345")))
		return jf_err_set(err, JF_ENOTFOUND, "no YKUSH hub with serial %s found",
		                  serial ? serial : "");
	f->opens++;
	*handle = f;
	if (serial_out)
		*serial_out = strdup("YK12345");
	return 0;
}

static int fake_xfer(void *user, void *handle, const unsigned char *report, size_t len,
                     unsigned char *reply, size_t cap, jf_err *err)
{
	fake_hid *f = user;

	(void)err;
	assert_ptr_equal(handle, f);
	assert_int_equal(len, 65);
	if (f->nsent < 8)
		memcpy(f->sent[f->nsent++], report, 65);
	reply[0] = f->answer;
	return (int)(cap > 0);
}

static void fake_close(void *user, void *handle)
{
	(void)handle;
	((fake_hid *)user)->closes++;
}

static int ykush_open(test_power *c, const char *name, jf_ykush_hid *hid)
{
	jf_power_close(c->p);
	c->p = NULL;
	return jf_power_open_ykush(&c->p, jf_exporter_find(&c->e, name), hid, &c->t.log, &c->err);
}

static void test_power_ykush_command_bytes(void **state)
{
	/* static: the fixture's teardown may close a driver that points at them */
	static fake_hid f;
	static jf_ykush_hid hid;
	test_power *c = *state;

	f = (fake_hid){.pid = JF_YKUSH3_PID, .answer = 0x01};
	hid = (jf_ykush_hid){fake_open, fake_xfer, fake_close, &f};
	test_power_load(c, "  power:\n"
	                   "    type: jumpstarter_driver_yepkit.driver.Ykush\n"
	                   "    config: {serial: YK12345, port: '2'}\n"
	                   "  hub:\n"
	                   "    type: jumpstarter_driver_yepkit.driver.Ykush\n"
	                   "    config: {port: all}\n"
	                   "  other:\n"
	                   "    type: jumpstarter_driver_yepkit.driver.Ykush\n"
	                   "    config: {serial: YK99999, port: '1'}\n");
	assert_int_equal(ykush_open(c, "power", &hid), 0);
	assert_int_equal(jf_power_on(c->p, &c->err), 0);
	assert_int_equal(jf_power_off(c->p, &c->err), 0);
	assert_int_equal(f.nsent, 2);
	assert_int_equal(f.sent[0][0], 0x00); /* report id */
	assert_int_equal(f.sent[0][1], 0x12);
	assert_int_equal(f.sent[0][2], 0x12);
	assert_int_equal(f.sent[1][1], 0x02);
	assert_int_equal(f.sent[1][3], 0x00);
	assert_int_equal(f.opens, f.closes);

	assert_int_equal(ykush_open(c, "hub", &hid), 0);
	assert_int_equal(jf_power_on(c->p, &c->err), 0);
	assert_int_equal(jf_power_off(c->p, &c->err), 0);
	assert_int_equal(f.sent[2][1], 0x1A);
	assert_int_equal(f.sent[3][1], 0x0A);
	f.answer = 0x7e; /* the hub says something else */
	assert_int_equal(jf_power_on(c->p, &c->err), JF_EPROTO);

	assert_int_equal(ykush_open(c, "other", &hid), 0);
	assert_int_equal(jf_power_on(c->p, &c->err), JF_ENOTFOUND);
	assert_non_null(strstr(c->err.msg, "YK99999"));
	assert_false(jf_power_powered_by_us(c->p));
}

static void test_power_ykush_real_hidapi_finds_no_hub(void **state)
{
	test_power *c = *state;

	assert_int_equal(test_power_open(c, "power",
	                                 "  power:\n"
	                                 "    type: jumpstarter_driver_yepkit.driver.Ykush\n"
	                                 "    config: {serial: YK00000, port: '1'}\n"),
	                 0);
	assert_int_equal(jf_power_on(c->p, &c->err), JF_ENOTFOUND); /* no hardware here */
	assert_non_null(strstr(c->err.msg, "no YKUSH hub with serial YK00000 found"));
}

static void test_power_snmp_config_errors(void **state)
{
	test_power *c = *state;

	assert_int_equal(test_power_open(c, "power",
	                                 "  power:\n"
	                                 "    type: jumpstarter_driver_snmp.driver.SNMPServer\n"
	                                 "    config: {host: 127.0.0.1, plug: 3, version: 2c}\n"),
	                 JF_ECONFIG);
	assert_non_null(strstr(c->err.msg, "needs 'community'"));
	assert_int_equal(test_power_open(c, "power",
	                                 "  power:\n"
	                                 "    type: jumpstarter_driver_snmp.driver.SNMPServer\n"
	                                 "    config: {host: 127.0.0.1, plug: 3, user: admin,\n"
	                                 "             auth_protocol: SHA, auth_key: short}\n"),
	                 JF_ECONFIG);
	assert_non_null(strstr(c->err.msg, "auth_key must be at least 8"));
	assert_null(strstr(c->err.msg, "short"));
}

static void test_power_rejects_non_power_driver(void **state)
{
	test_power *c = *state;

	assert_int_equal(test_power_open(c, "serial",
	                                 "  serial:\n"
	                                 "    type: jumpstarter_driver_pyserial.driver.PySerial\n"
	                                 "    config: {url: /dev/ttyUSB0}\n"),
	                 JF_ECONFIG);
	assert_non_null(strstr(c->err.msg, "not a power switch"));
	assert_null(c->p);
}

#define POWER_CASE(fn) cmocka_unit_test_setup_teardown(fn, test_power_setup, test_power_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_power_cycle_logs_sequence),
	    cmocka_unit_test(test_power_release_only_what_we_switched_on),
	    POWER_CASE(test_power_command_runs_and_reports_stderr),
	    POWER_CASE(test_power_command_timeout_and_cycle),
	    POWER_CASE(test_power_upstream_shell_driver),
	    POWER_CASE(test_power_qemu_starts_stops_and_reports_death),
	    POWER_CASE(test_power_qemu_quits_through_monitor),
	    POWER_CASE(test_power_qemu_kept_outlives_and_is_stopped_later),
	    POWER_CASE(test_power_ykush_command_bytes),
	    POWER_CASE(test_power_ykush_real_hidapi_finds_no_hub),
	    POWER_CASE(test_power_snmp_config_errors),
	    POWER_CASE(test_power_rejects_non_power_driver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
