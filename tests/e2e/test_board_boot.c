/* End to end on the virtual board, through jmpflash's own modules only:
 * power on with the qemu power driver, interrupt U-Boot on the console,
 * dhcp, tftpboot kernel, initramfs and DTB from jmpflash's TFTP server at the
 * manifest's addresses, boot, log in, see both disks, power off.
 *
 * It prints the timings the issue asks for (power on to "=>", the kernel's
 * TFTP time and U-Boot's rate with windowsize 1 and 16, boot to "#"); they
 * are reported, never asserted: bench/board_tftp.sh compares them with
 * tftpd-hpa serving the same files (--external-tftp: a server the caller
 * started on 127.0.0.1:69 serves Image, initramfs.cpio.gz, qemu-virt.dtb).
 *
 *   test_board_boot [--external-tftp] REPO_DIR BOARD_OUT_DIR   (in `unshare -n`) */
#include "helpers.h"

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jmpflash/config.h"
#include "jmpflash/console.h"
#include "jmpflash/manifest.h"
#include "jmpflash/power.h"
#include "jmpflash/tftp.h"

static const char *repo, *board;
static bool external_tftp; /* someone else serves RUN/tftp on 127.0.0.1:69 */

typedef struct rig {
	test_log tlog;
	char *run;
	jf_manifest m;
	jf_exporter e;
	jf_tftp_server *tftp;
	jf_power *power;
	jf_console *con;
	unsigned tftp_files;
} rig;

static void on_transfer(void *user, const jf_tftp_transfer_info *info)
{
	rig *r = user;

	if (!info->result && !info->upload)
		__atomic_add_fetch(&r->tftp_files, 1, __ATOMIC_SEQ_CST);
}

static void sh(const char *fmt, const char *a, const char *b)
{
	char cmd[4096];

	assert_true(snprintf(cmd, sizeof(cmd), fmt, a, b) < (int)sizeof(cmd));
	assert_int_equal(system(cmd), 0);
}

/* Serve the bundle's files by basename, as the flasher will. */
static void stage_tftp(rig *r)
{
	const char *files[] = {r->m.kernel.file, r->m.initram.file,
	                       jf_manifest_variant_get(&r->m, NULL)->file};
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/tftp", r->run);
	assert_int_equal(mkdir(dir, 0755), 0);
	for (size_t i = 0; i < 3; i++) {
		char src[2048];

		snprintf(src, sizeof(src), "%s/bundle/%s", board, files[i]);
		sh("cp '%s' '%s/'", src, dir);
	}
}

static void write_exporter(rig *r, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/exporter.yaml", r->run);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	        "apiVersion: jumpstarter.dev/v1alpha1\n"
	        "kind: ExporterConfig\n"
	        "metadata: {name: e2e, namespace: test}\n"
	        "export:\n"
	        "  serial:\n"
	        "    type: jumpstarter_driver_pyserial.driver.PySerial\n"
	        "    config: {url: '%s/console.sock'}\n"
	        "  power:\n"
	        "    type: jmpflash.power.qemu\n"
	        "    config:\n"
	        "      command: ['%s/board/qemu.sh', '%s']\n"
	        "      monitor: '%s/monitor.sock'\n",
	        r->run, repo, r->run, r->run);
	fclose(f);
}

/* A U-Boot command: send it, wait for the prompt, fail fast on errors.
 * @out (may be NULL) gets what the command printed. */
static void uboot_out(rig *r, const char *cmd, const char *want, unsigned secs, jf_buf *out)
{
	jf_pattern pats[] = {JF_LIT("\n=> "), JF_RE("(Retry count exceeded|TIMEOUT|File not found|"
	                                            "Unknown command|ERROR)")};
	jf_match m = JF_MATCH_INIT;
	jf_err err = JF_ERR_INIT;
	int idx;

	assert_int_equal(jf_console_sendline(r->con, cmd, &err), 0);
	idx = jf_console_expect(r->con, pats, 2, jf_deadline_in(secs * 1000ull), &m, &err);
	if (idx != 0)
		fail_msg("U-Boot '%s': %s%.*s", cmd,
		         idx < 0 ? err.msg : "error: ", (int)m.match.len,
		         m.match.ptr ? m.match.ptr : "");
	if (want && !strstr(m.before.ptr, want))
		fail_msg("U-Boot '%s' did not print '%s':\n%s", cmd, want, m.before.ptr);
	if (out)
		jf_buf_put(out, m.before.ptr, m.before.len);
	jf_match_free(&m);
}

static void uboot(rig *r, const char *cmd, const char *want, unsigned secs)
{
	uboot_out(r, cmd, want, secs, NULL);
}

/* Load the kernel with @window and return the seconds it took; *rate gets
 * U-Boot's own figure ("14.9 MiB/s"). */
static double load_kernel(rig *r, unsigned window, char *rate, size_t size)
{
	jf_buf out = JF_BUF_INIT;
	char cmd[256];
	const char *p, *unit;
	uint64_t t0;
	double secs;

	snprintf(cmd, sizeof(cmd), "setenv tftpwindowsize %u", window);
	uboot(r, cmd, NULL, 5);
	snprintf(cmd, sizeof(cmd), "tftpboot %s Image", r->m.kernel.address_s);
	t0 = jf_clock_mono_us();
	uboot_out(r, cmd, "Bytes transferred = 27", 180, &out);
	secs = (double)(jf_clock_mono_us() - t0) / 1e6;
	snprintf(rate, size, "?");
	if ((unit = strstr(out.ptr, "iB/s"))) {
		for (p = unit - 1; p > out.ptr && (p[-1] == '.' || (p[-1] >= '0' && p[-1] <= '9') ||
		                                   p[-1] == ' ' || p[-1] == 'K' || p[-1] == 'M');
		     p--)
			;
		while (*p == ' ')
			p++;
		snprintf(rate, size, "%.*s", (int)(unit + 4 - p), p);
	}
	jf_buf_free(&out);
	return secs;
}

static void expect_text(rig *r, const char *text, unsigned secs, jf_match *m)
{
	jf_pattern p = JF_LIT(text);
	jf_err err = JF_ERR_INIT;

	if (jf_console_expect(r->con, &p, 1, jf_deadline_in(secs * 1000ull), m, &err) != 0)
		fail_msg("waiting for '%s': %s", text, err.msg);
}

static void test_board_boots_to_busybox_over_jmpflash_tftp(void **state)
{
	rig *r = *state;
	jf_tftp_opts topts = JF_TFTP_OPTS_INIT;
	jf_console_opts copts = {0};
	jf_err err = JF_ERR_INIT;
	jf_match m = JF_MATCH_INIT;
	char path[2048], cmd[512], rate1[32], rate16[32];
	const jf_manifest_login *lg;
	uint64_t t_on, t_prompt, t_boot, t_shell;
	double k1, k16;

	snprintf(path, sizeof(path), "%s/bundle/manifest.yaml", board);
	assert_int_equal(jf_manifest_load(&r->m, path, &r->tlog.log, &err), 0);
	lg = &r->m.login;
	sh("'%s/board/mkdisks.sh' '%s' 64", repo, r->run);
	stage_tftp(r);

	snprintf(path, sizeof(path), "%s/tftp", r->run);
	topts.root = path;
	topts.bind = "127.0.0.1";
	topts.port = 69;
	topts.log = &r->tlog.log;
	topts.on_transfer = on_transfer;
	topts.user = r;
	/* With --external-tftp the bench's reference server already serves the
	 * same files on 127.0.0.1:69. */
	if (!external_tftp && jf_tftp_server_start(&r->tftp, &topts, &err) < 0) {
		fail_msg("tftp: %s", err.msg);
	}

	write_exporter(r, path, sizeof(path));
	if (jf_exporter_load(&r->e, path, &r->tlog.log, &err) < 0)
		fail_msg("%s", err.msg);
	t_on = jf_clock_mono_us();
	if (jf_power_open(&r->power, jf_exporter_find(&r->e, "power"), &r->tlog.log, &err) < 0 ||
	    jf_power_on(r->power, &err) < 0)
		fail_msg("power: %s", err.msg);
	assert_int_equal(
	    jf_console_opts_from_driver(&copts, jf_exporter_find(&r->e, "serial"), &err), 0);
	copts.open_wait_ms = 20000;
	if (jf_console_open(&r->con, &copts, &r->tlog.log, &err) < 0)
		fail_msg("console: %s", err.msg);

	expect_text(r, "Hit any key to stop autoboot", 60, NULL);
	assert_int_equal(jf_console_send(r->con, " ", 1, &err), 0);
	expect_text(r, "=> ", 10, NULL);
	t_prompt = jf_clock_mono_us();
	uboot(r, "setenv autoload no", NULL, 5);
	uboot(r, "dhcp", "DHCP client bound to address", 30);
	uboot(r, "setenv serverip 127.0.0.1", NULL, 5);
	uboot(r, "setenv tftpblocksize 1468", NULL, 5);
	k1 = load_kernel(r, 1, rate1, sizeof(rate1));
	k16 = load_kernel(r, 16, rate16, sizeof(rate16));
	snprintf(cmd, sizeof(cmd), "tftpboot %s %s", r->m.initram.address_s, "initramfs.cpio.gz");
	uboot(r, cmd, "Bytes transferred", 60);
	snprintf(cmd, sizeof(cmd), "tftpboot %s %s", r->m.dtb.address_s, "qemu-virt.dtb");
	uboot(r, cmd, "Bytes transferred", 60);
	if (!external_tftp) {
		/* the server counts a transfer when the last ACK arrives, which
		 * can be after U-Boot printed its prompt: wait for it (bounded) */
		jf_deadline d = jf_deadline_in(5000);

		while (__atomic_load_n(&r->tftp_files, __ATOMIC_SEQ_CST) < 4 &&
		       !jf_deadline_expired(d))
			poll(NULL, 0, 10);
		assert_int_equal(__atomic_load_n(&r->tftp_files, __ATOMIC_SEQ_CST), 4);
	}

	t_boot = jf_clock_mono_us();
	assert_int_equal(jf_console_sendline(r->con, jf_manifest_bootcmd(&r->m, NULL), &err), 0);
	expect_text(r, lg->login_prompt, 120, NULL);
	assert_int_equal(jf_console_sendline(r->con, lg->username, &err), 0);
	expect_text(r, "assword:", 30, NULL);
	assert_int_equal(jf_console_sendline(r->con, lg->password, &err), 0);
	expect_text(r, "# ", 30, NULL);
	t_shell = jf_clock_mono_us();
	assert_int_equal(
	    jf_console_sendline(r->con, "cat /proc/partitions; echo E2E-$((40 + 2))", &err), 0);
	/* the marker is computed, so the echoed command line cannot match it */
	expect_text(r, "E2E-42\r\n", 30, &m);
	assert_non_null(strstr(m.before.ptr, " vda\r\n"));
	assert_non_null(strstr(m.before.ptr, " vdb\r\n"));
	jf_match_free(&m);

	printf("board timings (%s TFTP server):\n"
	       "  power on to '=>'           %6.2f s\n"
	       "  kernel, windowsize 1       %6.2f s  (U-Boot: %s)\n"
	       "  kernel, windowsize 16      %6.2f s  (U-Boot: %s)\n"
	       "  boot to '#' (with login)   %6.2f s\n",
	       external_tftp ? "external" : "jmpflash", (double)(t_prompt - t_on) / 1e6, k1, rate1,
	       k16, rate16, (double)(t_shell - t_boot) / 1e6);

	/* The password never reached the log (transcripts included). */
	assert_null(strstr(r->tlog.text, lg->password));

	assert_int_equal(jf_power_off(r->power, &err), 0);
	/* the QEMU process is gone: its console hangs up */
	{
		jf_pattern never = JF_LIT("never printed");

		assert_int_equal(
		    jf_console_expect(r->con, &never, 1, jf_deadline_in(10000), NULL, &err),
		    JF_EIO);
	}
}

static int setup(void **state)
{
	rig *r = calloc(1, sizeof(*r));

	test_log_init(&r->tlog);
	r->tlog.log.threshold = JF_LOG_INFO;
	r->run = test_tmpdir();
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	rig *r = *state;

	jf_console_close(r->con);
	jf_power_close(r->power); /* stops QEMU if a failure left it running */
	jf_tftp_server_stop(r->tftp);
	jf_exporter_dispose(&r->e);
	jf_manifest_dispose(&r->m);
	if (getenv("JF_E2E_KEEP"))
		fprintf(stderr, "kept %s\n", r->run);
	else
		test_tmpdir_remove(r->run);
	fprintf(stderr, "--- log ---\n%s", r->tlog.text);
	test_log_dispose(&r->tlog);
	free(r);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_board_boots_to_busybox_over_jmpflash_tftp, setup,
	                                    teardown),
	};
	if (argc > 1 && !strcmp(argv[1], "--external-tftp")) {
		external_tftp = true;
		argc--;
		argv++;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: %s [--external-tftp] REPO_DIR BOARD_OUT_DIR\n", argv[0]);
		return 2;
	}
	repo = argv[1];
	board = argv[2];
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
