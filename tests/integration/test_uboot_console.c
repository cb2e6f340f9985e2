/* The flasher's U-Boot steps against a scripted U-Boot on a unix socket:
 * the prompt comes from the exporter's uboot child (Debian's U-Boot fixes
 * its prompt at build time, so the virtual board cannot show another one),
 * autoload is restored after dhcp, and a board whose prompt is not the
 * configured one is not mistaken for U-Boot. */
#define _GNU_SOURCE
#include "helpers.h"

#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "flasher/flasher_int.h"
#include "jmpflash/config.h"
#include "jmpflash/flasher.h"

typedef struct uboot_peer {
	int lfd;
	const char *prompt;
	char seen[4096]; /* every command line it got, one per line */
	pthread_mutex_t lock;
} uboot_peer;

static void say(int fd, const char *s)
{
	assert_true(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
}

/* Answer one command line as U-Boot 2023.01 does. */
static void answer(uboot_peer *p, int fd, const char *cmd)
{
	pthread_mutex_lock(&p->lock);
	if (strlen(p->seen) + strlen(cmd) + 2 < sizeof(p->seen)) {
		strcat(p->seen, cmd);
		strcat(p->seen, "\n");
	}
	pthread_mutex_unlock(&p->lock);
	say(fd, cmd);
	say(fd, "\r\n");
	if (!strncmp(cmd, "setenv jfs ok; echo ", 20))
		say(fd, "jf-sync-ok\r\n");
	else if (!strcmp(cmd, "printenv autoload"))
		say(fd, "autoload=yes\r\n");
	else if (!strcmp(cmd, "dhcp"))
		say(fd, "BOOTP broadcast 1\r\nDHCP client bound to address 10.0.2.15 (3 ms)\r\n");
	else if (!strcmp(cmd, "printenv ipaddr netmask gatewayip"))
		say(fd, "ipaddr=10.0.2.15\r\nnetmask=255.255.255.0\r\ngatewayip=10.0.2.2\r\n");
	say(fd, p->prompt);
}

static void *peer_main(void *arg)
{
	uboot_peer *p = arg;
	char line[512];
	size_t len = 0;
	bool stopped = false;
	int fd = accept(p->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	say(fd, "\r\nU-Boot 2023.01 (scripted)\r\nHit any key to stop autoboot:  2 ");
	for (;;) {
		struct pollfd pf = {fd, POLLIN, 0};
		char c;

		if (poll(&pf, 1, 30000) <= 0 || read(fd, &c, 1) != 1)
			break;
		if (!stopped) { /* any key stops autoboot */
			stopped = true;
			say(fd, "\r\n");
			say(fd, p->prompt);
			continue;
		}
		if (c == '\r' || c == '\n') {
			line[len] = '\0';
			len = 0;
			if (line[strspn(line, " ")])
				answer(p, fd, line + strspn(line, " "));
		} else if (len + 1 < sizeof(line)) {
			line[len++] = c;
		}
	}
	close(fd);
	return NULL;
}

static const char *sock_path(char *dir)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/console.sock", dir);
	return path;
}

static void peer_start(uboot_peer *p, pthread_t *t, const char *path, const char *prompt)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->prompt = prompt;
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_true((p->lfd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(p->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(p->lfd, 1), 0);
	assert_int_equal(pthread_create(t, NULL, peer_main, p), 0);
}

static void peer_stop(uboot_peer *p, pthread_t t)
{
	shutdown(p->lfd, SHUT_RDWR);
	pthread_join(t, NULL);
	close(p->lfd);
	pthread_mutex_destroy(&p->lock);
}

/* An exporter whose flasher talks to @path; @uboot is the uboot child's
 * YAML ("" for none). */
static void load(jf_exporter *e, const char *dir, const char *cfg, const char *uboot)
{
	char text[2048];
	jf_err err = JF_ERR_INIT;

	snprintf(text, sizeof(text),
	         "export:\n"
	         "  serial: {type: jmpflash.serial, config: {url: %s}}\n"
	         "  power: {type: jmpflash.power.mock}\n"
	         "  storage:\n"
	         "    type: jumpstarter_driver_flashers.driver.BaseFlasher\n"
	         "    config: {flasher_bundle: %s/bundle, cache_dir: %s/c, tftp_dir: %s/t, "
	         "http_dir: %s/h%s}\n"
	         "    children:\n"
	         "      serial: {ref: serial}\n"
	         "      power: {ref: power}\n"
	         "%s",
	         sock_path((char *)dir), dir, dir, dir, dir, cfg, uboot);
	assert_int_equal(jf_exporter_load_string(e, "lab.yaml", text, NULL, &err), 0);
}

static void test_uboot_prompt_from_uboot_child(void **state)
{
	char *dir = test_tmpdir();
	jf_flasher_opts fo = JF_FLASHER_OPTS_INIT;
	jf_err err = JF_ERR_INIT;
	jf_flasher *f = NULL;
	jf_exporter e;
	uboot_peer p;
	pthread_t t;
	test_log log;

	(void)state;
	test_log_init(&log);
	peer_start(&p, &t, sock_path(dir), "J784S4# ");
	load(&e, dir, "",
	     "      uboot:\n"
	     "        type: jumpstarter_driver_uboot.driver.UbootConsole\n"
	     "        config: {prompt: \"J784S4# \"}\n");
	fo.uboot_timeout_s = 60;
	assert_int_equal(jf_flasher_new(&f, &e, &fo, &log.log, &err), 0);
	assert_int_equal(jf_flasher__boot_uboot(f, &err), 0);
	snprintf(f->serverip, sizeof(f->serverip), "127.0.0.1");
	assert_int_equal(jf_flasher__uboot_network(f, &err), 0);
	assert_string_equal(f->dhcp.ipaddr, "10.0.2.15");
	assert_string_equal(f->dhcp.gatewayip, "10.0.2.2");
	jf_flasher_free(f);
	peer_stop(&p, t);
	/* autoload is read first, switched off for dhcp, and put back */
	assert_non_null(strstr(p.seen, "setenv jfs ok; echo jf-sync-${jfs}\n"
	                               "printenv autoload\n"
	                               "setenv autoload no\n"
	                               "dhcp\n"
	                               "setenv autoload yes\n"
	                               "printenv ipaddr netmask gatewayip\n"
	                               "setenv serverip '127.0.0.1'\n"));
	jf_exporter_dispose(&e);
	test_log_dispose(&log);
	test_tmpdir_remove(dir);
}

/* Without the uboot child the flasher waits for "=> ": a board showing
 * another prompt is not U-Boot as configured, and says so in time. */
static void test_uboot_default_prompt_not_confused(void **state)
{
	char *dir = test_tmpdir();
	jf_flasher_opts fo = JF_FLASHER_OPTS_INIT;
	jf_err err = JF_ERR_INIT;
	jf_flasher *f = NULL;
	jf_exporter e;
	uboot_peer p;
	pthread_t t;

	(void)state;
	peer_start(&p, &t, sock_path(dir), "J784S4# ");
	load(&e, dir, ", uboot_timeout: 2", ""); /* the config key */
	assert_int_equal(jf_flasher_new(&f, &e, &fo, NULL, &err), 0);
	assert_int_equal(jf_flasher__boot_uboot(f, &err), JF_EUNREACHABLE);
	assert_non_null(strstr(err.msg, "U-Boot did not answer on the serial console within 2 s"));
	jf_flasher_free(f);
	peer_stop(&p, t);
	assert_string_equal(p.seen, ""); /* no command was sent to a prompt it never saw */
	jf_exporter_dispose(&e);
	test_tmpdir_remove(dir);
}

/* A console that is not there: one clear message, said once. */
static void test_uboot_console_missing_said_once(void **state)
{
	char *dir = test_tmpdir();
	jf_err err = JF_ERR_INIT;
	jf_flasher *f = NULL;
	jf_exporter e;

	(void)state;
	load(&e, dir, "", ""); /* nobody listens on console.sock */
	assert_int_equal(jf_flasher_new(&f, &e, NULL, NULL, &err), 0);
	assert_int_equal(jf_flasher__boot_uboot(f, &err), JF_EUNREACHABLE);
	assert_non_null(strstr(err.msg, "serial console"));
	assert_null(strstr(err.msg, "serial console: serial console"));
	assert_null(strstr(strstr(err.msg, "serial console") + 1, "serial console"));
	jf_flasher_free(f);
	jf_exporter_dispose(&e);
	test_tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uboot_prompt_from_uboot_child),
	    cmocka_unit_test(test_uboot_default_prompt_not_confused),
	    cmocka_unit_test(test_uboot_console_missing_said_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
