/* The fake board (fakeboard.h): one thread runs the board; the console is a
 * TCP socket, the power switch a pipe into that thread, so power and
 * console events are handled in the order they happen. */
#define _GNU_SOURCE
#include "fakeboard_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jmpflash/buf.h"

bool fb__faulty(fakeboard *b, fb_fault f)
{
	return b->o.fault == f && (!b->o.fault_boots || b->st.boots <= (int)b->o.fault_boots);
}

void fb__out_raw(fakeboard *b, const char *s, size_t n)
{
	if (b->cfd < 0) {
		jf_buf_put(&b->pending, s, n);
		return;
	}
	for (size_t at = 0; at < n;) {
		size_t piece = fb__faulty(b, FB_SLOW) ? 7 : n - at;
		ssize_t w = send(b->cfd, s + at, piece < n - at ? piece : n - at, MSG_NOSIGNAL);

		if (w <= 0)
			return; /* the host went away: the output is lost, as on a wire */
		at += (size_t)w;
		if (fb__faulty(b, FB_SLOW)) {
			struct timespec ts = {0, 200000};

			nanosleep(&ts, NULL); /* pacing, not synchronisation */
		}
	}
}

void fb__out(fakeboard *b, const char *fmt, ...)
{
	jf_buf t = JF_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	jf_buf_vprintf(&t, fmt, ap);
	va_end(ap);
	if (t.len)
		fb__out_raw(b, t.ptr, t.len);
	jf_buf_free(&t);
}

/* Before each answer: what a confused terminal and a noisy line add. */
void fb__noise(fakeboard *b)
{
	/* (garbage ends its line: U-Boot's prompt must start one, see
	 * docs/reliability.md) */
	static const char junk[] = "\x1b[6n\x1b[1;32m\xfe\x7f\x01 line noise\x1b]0;busybox\x07"
	                           "\x1b[0m\r\n";

	if (fb__faulty(b, FB_NOISE))
		fb__out_raw(b, junk, sizeof(junk) - 1);
}

static const char *env_get(fakeboard *b, const char *name)
{
	for (int i = 0; i < 8; i++)
		if (!strcmp(b->env[i][0], name))
			return b->env[i][1];
	return NULL;
}

static void env_set(fakeboard *b, const char *name, const char *value)
{
	int i, free_slot = -1;

	for (i = 0; i < 8; i++) {
		if (!strcmp(b->env[i][0], name))
			break;
		if (!b->env[i][0][0] && free_slot < 0)
			free_slot = i;
	}
	if (i == 8 && (i = free_slot) < 0)
		return;
	snprintf(b->env[i][0], sizeof(b->env[i][0]), "%s", name);
	snprintf(b->env[i][1], sizeof(b->env[i][1]), "%s", value);
}

static void power_on(fakeboard *b)
{
	pthread_mutex_lock(&b->lock);
	b->st.boots++;
	b->st.powered = true;
	pthread_mutex_unlock(&b->lock);
	memset(b->env, 0, sizeof(b->env));
	b->tftps = 0;
	jf_buf_clear(&b->line);
	b->echo = true;
	b->state = S_AUTOBOOT;
	fb__noise(b);
	fb__out(b, "\r\nU-Boot 2024.01 (fake board)\r\n\r\nDRAM:  1 GiB\r\nNet:   eth0: fake\r\n"
	           "Hit any key to stop autoboot:  3 ");
}

/* ---- U-Boot ---- */

static void uboot_tftp(fakeboard *b, const char *args)
{
	char addr[64] = "", name[256] = "", path[512], size[32];
	struct stat st;

	sscanf(args, "%63s %255s", addr, name);
	fb__out(b,
	        "Using eth0 device\r\nTFTP from server %s; our IP address is %s\r\n"
	        "Filename '%s'.\r\nLoad address: %s\r\nLoading: ",
	        env_get(b, "serverip") ? env_get(b, "serverip") : "?", env_get(b, "ipaddr"), name,
	        addr);
	snprintf(path, sizeof(path), "%s/%s", b->o.tftp_dir, name);
	if (fb__faulty(b, FB_TFTP_TIMEOUT) && b->tftps++ == 0) {
		fb__out(b, "T T T T T T T T T T \r\nRetry count exceeded; starting again\r\n");
		return;
	}
	if (fb__faulty(b, FB_TFTP_ERROR) || stat(path, &st) < 0) {
		fb__out(b, "\r\nTFTP error: 'File not found' (1)\r\nNot retrying...\r\n");
		return;
	}
	fb__out(b, "##########\r\n\t 1 MiB/s\r\ndone\r\nBytes transferred = %lld (%llx hex)\r\n",
	        (long long)st.st_size, (long long)st.st_size);
	snprintf(size, sizeof(size), "%llx", (long long)st.st_size);
	env_set(b, "filesize", size);
}

static void uboot_boot(fakeboard *b)
{
	if (fb__faulty(b, FB_BAD_KERNEL)) {
		fb__out(b, "Bad Linux ARM64 Image magic!\r\n");
		return;
	}
	fb__out(b, "## Flattened Device Tree blob at 48000000\r\nStarting kernel ...\r\n\r\n"
	           "[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd034]\r\n"
	           "[    0.000000] Linux version 6.1.0-fake\r\n");
	if (fb__faulty(b, FB_PANIC)) {
		fb__out(
		    b,
		    "[    1.234567] Kernel panic - not syncing: VFS: Unable to mount root fs\r\n");
		b->state = S_DEAD;
	} else if (fb__faulty(b, FB_RESET_IN_BOOT)) {
		/* a watchdog reset: U-Boot again, autoboot finds nothing, prompt */
		fb__out(b, "[    0.5] watchdog: resetting\r\n");
		power_on(b);
		fb__out(b, "0\r\nscanning bus for devices...\r\nno bootable device\r\n");
		b->state = S_UBOOT;
	} else if (fb__faulty(b, FB_CLOSE_IN_BOOT)) {
		close(b->cfd);
		b->cfd = -1;
		b->state = S_DEAD;
	} else if (fb__faulty(b, FB_NO_LOGIN)) {
		fb__out(b, "[    2.000000] Run /init as init process\r\n");
		b->state = S_DEAD;
	} else {
		fb__out(b, "[    2.000000] Run /init as init process\r\n\r\nWelcome to the fake "
		           "flasher\r\nflasher login: ");
		b->state = S_LOGIN;
	}
}

static void uboot_one(fakeboard *b, char *cmd)
{
	char *args;

	cmd += strspn(cmd, " ");
	args = cmd + strcspn(cmd, " ");
	if (*args)
		*args++ = '\0';
	if (!*cmd)
		return;
	if (!strcmp(cmd, "setenv")) {
		char *value = args + strcspn(args, " ");

		if (*value)
			*value++ = '\0';
		if (*value == '\'' && value[strlen(value) - 1] == '\'') {
			value[strlen(value) - 1] = '\0';
			value++;
		}
		env_set(b, args, value);
	} else if (!strcmp(cmd, "echo")) {
		for (char *p = args; *p; p++) {
			char name[64];

			if (sscanf(p, "${%63[a-z]}", name) == 1) {
				fb__out(b, "%s", env_get(b, name) ? env_get(b, name) : "");
				p = strchr(p, '}');
			} else {
				fb__out_raw(b, p, 1);
			}
		}
		fb__out(b, "\r\n");
	} else if (!strcmp(cmd, "dhcp")) {
		env_set(b, "ipaddr", "127.0.0.2");
		env_set(b, "netmask", "255.0.0.0");
		env_set(b, "gatewayip", "127.0.0.1");
		fb__out(b,
		        "BOOTP broadcast 1\r\nDHCP client bound to address 127.0.0.2 (3 ms)\r\n");
	} else if (!strcmp(cmd, "printenv")) {
		for (char *name = strtok(args, " "); name; name = strtok(NULL, " "))
			if (env_get(b, name))
				fb__out(b, "%s=%s\r\n", name, env_get(b, name));
			else
				fb__out(b, "## Error: \"%s\" not defined\r\n", name);
	} else if (!strcmp(cmd, "tftpboot")) {
		uboot_tftp(b, args);
	} else if (!strncmp(cmd, "boot", 4)) {
		uboot_boot(b);
	} else {
		fb__out(b, "Unknown command '%s' - try 'help'\r\n", cmd);
	}
}

static void uboot_line(fakeboard *b, char *line)
{
	fb__out(b, "\r\n");
	fb__noise(b);
	for (char *cmd = strtok_r(line, ";", &line); cmd && b->state == S_UBOOT;
	     cmd = strtok_r(NULL, ";", &line))
		uboot_one(b, cmd);
	if (b->state == S_UBOOT)
		fb__out(b, "%s", fb__faulty(b, FB_OTHER_PROMPT) ? "U-Boot> " : "=> ");
}

/* ---- input ---- */

static void on_line(fakeboard *b, char *line)
{
	switch (b->state) {
	case S_UBOOT:
		uboot_line(b, line);
		break;
	case S_LOGIN:
		fb__out(b, "\r\n");
		if (b->o.password) {
			fb__out(b, "Password: ");
			b->state = S_PASSWORD;
			b->echo = false;
			break;
		}
		/* fall through */
	case S_PASSWORD:
		if (b->state == S_PASSWORD && strcmp(line, b->o.password)) {
			fb__out(b, "\r\nLogin incorrect\r\nflasher login: ");
			b->state = S_LOGIN;
			b->echo = true;
			break;
		}
		b->state = S_SHELL;
		b->echo = true;
		snprintf(b->prompt, sizeof(b->prompt), "# ");
		fb__out(b, "\r\n~ # ");
		break;
	case S_SHELL:
		fb__shell_line(b, line);
		break;
	default:
		break;
	}
}

static void on_input(fakeboard *b, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = data[i];

		if (b->state == S_OFF || b->state == S_DEAD)
			return;
		if (b->state == S_AUTOBOOT) { /* any key */
			b->state = S_UBOOT;
			fb__out(b, "\r\n%s", fb__faulty(b, FB_OTHER_PROMPT) ? "U-Boot> " : "=> ");
			continue;
		}
		if (c == 3 && b->state == S_UBOOT) { /* Ctrl-C at the prompt */
			jf_buf_clear(&b->line);
			fb__out(b, "<INTERRUPT>\r\n=> ");
			continue;
		}
		if (c == '\r' || c == '\n') {
			jf_buf_put(&b->line, "", 1);
			b->line.len--;
			on_line(b, b->line.ptr ? b->line.ptr : (char[]){0});
			jf_buf_clear(&b->line);
			continue;
		}
		if (b->echo)
			fb__out_raw(b, &c, 1);
		jf_buf_put(&b->line, &c, 1);
	}
}

static void on_power(fakeboard *b, char what)
{
	pthread_mutex_lock(&b->lock);
	strncat(b->st.power, what == '1' ? "on," : "off,",
	        sizeof(b->st.power) - strlen(b->st.power) - 1);
	b->st.powered = false;
	pthread_mutex_unlock(&b->lock);
	b->state = S_OFF;
	if (what == '1')
		power_on(b);
	pthread_mutex_lock(&b->lock);
	b->power_done++;
	pthread_cond_broadcast(&b->switched);
	pthread_mutex_unlock(&b->lock);
}

static void *board_main(void *arg)
{
	fakeboard *b = arg;

	for (;;) {
		struct pollfd p[4] = {{b->stop_pipe[0], POLLIN, 0},
		                      {b->power_pipe[0], POLLIN, 0},
		                      {b->lfd, POLLIN, 0},
		                      {b->cfd, POLLIN, 0}};
		char buf[4096];
		ssize_t n;

		if (poll(p, b->cfd >= 0 ? 4 : 3, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (p[1].revents & POLLIN) { /* power first: it came before the bytes */
			if (read(b->power_pipe[0], buf, 1) == 1)
				on_power(b, buf[0]);
			continue;
		}
		/* the polled connection (an accept below may replace it) */
		if (b->cfd >= 0 && p[3].fd == b->cfd &&
		    (p[3].revents & (POLLIN | POLLHUP | POLLERR))) {
			if ((n = recv(b->cfd, buf, sizeof(buf), 0)) <= 0) {
				close(b->cfd);
				b->cfd = -1;
			} else {
				on_input(b, buf, (size_t)n);
			}
		}
		if (p[2].revents & POLLIN) {
			int fd = accept4(b->lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				if (b->cfd >= 0)
					close(b->cfd);
				b->cfd = fd;
				if (b->pending.len)
					fb__out_raw(b, b->pending.ptr, b->pending.len);
				jf_buf_clear(&b->pending);
			}
		}
	}
	return NULL;
}

int fb_start(fakeboard **out_b, const fb_opts *o, uint16_t *port)
{
	fakeboard *b = calloc(1, sizeof(*b));
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);

	if (!b)
		return -1;
	b->o = *o;
	b->o.tftp_dir = strdup(o->tftp_dir);
	b->o.http_dir = strdup(o->http_dir);
	b->o.password = o->password ? strdup(o->password) : NULL;
	if (!b->o.device_size)
		b->o.device_size = 16u << 20;
	b->dev = calloc(1, b->o.device_size);
	b->cfd = -1;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->switched, NULL);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!b->dev || pipe2(b->power_pipe, O_CLOEXEC) < 0 || pipe2(b->stop_pipe, O_CLOEXEC) < 0 ||
	    (b->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(b->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(b->lfd, 4) < 0 ||
	    getsockname(b->lfd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	if (pthread_create(&b->thread, NULL, board_main, b))
		return -1;
	*out_b = b;
	return 0;
}

void fb_stop(fakeboard *b)
{
	if (!b)
		return;
	if (write(b->stop_pipe[1], "x", 1) != 1)
		abort();
	pthread_join(b->thread, NULL);
	if (b->cfd >= 0)
		close(b->cfd);
	close(b->lfd);
	close(b->power_pipe[0]);
	close(b->power_pipe[1]);
	close(b->stop_pipe[0]);
	close(b->stop_pipe[1]);
	jf_buf_free(&b->line);
	jf_buf_free(&b->pending);
	jf_buf_free(&b->script);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->switched);
	free(b->dev);
	free((char *)b->o.tftp_dir);
	free((char *)b->o.http_dir);
	free((char *)b->o.password);
	free(b);
}

/* Like a relay: the switch returns once the board is off or booting. */
static int switch_to(fakeboard *b, char what, jf_err *err)
{
	struct timespec until;
	unsigned seq;
	int rc = 0;

	if (fb__faulty(b, FB_POWER_FAILS))
		return jf_err_set(err, JF_EIO, "fake power switch: relay stuck");
	pthread_mutex_lock(&b->lock);
	seq = ++b->power_req;
	pthread_mutex_unlock(&b->lock);
	if (write(b->power_pipe[1], &what, 1) != 1)
		return jf_err_set(err, JF_EIO, "fake power switch: pipe");
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30; /* a deadline, not a delay: the board thread is stuck */
	pthread_mutex_lock(&b->lock);
	while (b->power_done < seq && rc == 0)
		rc = pthread_cond_timedwait(&b->switched, &b->lock, &until);
	pthread_mutex_unlock(&b->lock);
	return rc ? jf_err_set(err, JF_ETIMEOUT, "fake board did not switch") : 0;
}

static int p_on(void *impl, jf_err *err)
{
	return switch_to(impl, '1', err);
}

static int p_off(void *impl, jf_err *err)
{
	return switch_to(impl, '0', err);
}

static const jf_power_ops fb_power_ops = {.name = "fakeboard", .on = p_on, .off = p_off};

int fb_power(jf_power **out_p, fakeboard *b, jf_log *log)
{
	int error = jf_power_new(out_p, &fb_power_ops, b, "fakeboard", log, NULL);

	if (!error)
		jf_power_set_off_time(*out_p, 0);
	return error;
}

void fb_get_stats(fakeboard *b, fb_stats *s)
{
	pthread_mutex_lock(&b->lock);
	*s = b->st;
	pthread_mutex_unlock(&b->lock);
}

int fb_device_cmp(fakeboard *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *want = malloc(b->o.device_size);
	size_t n = f && want ? fread(want, 1, b->o.device_size, f) : 0;
	int diff = !f || !want || n != b->dev_len || memcmp(want, b->dev, n);

	if (f)
		fclose(f);
	free(want);
	return diff;
}
