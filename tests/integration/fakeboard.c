/* The fake board (fakeboard.h): one thread runs the board; the console is a
 * TCP socket, the power switch a pipe into that thread, so power and
 * console events are handled in the order they happen. */
#define _GNU_SOURCE
#include "fakeboard.h"

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
#include "jmpflash/sha256.h"

typedef enum { S_OFF, S_AUTOBOOT, S_UBOOT, S_DEAD, S_LOGIN, S_PASSWORD, S_SHELL } fb_state;

struct fakeboard {
	fb_opts o;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t switched;        /* power_done moved */
	unsigned power_req, power_done; /* switchings asked for, carried out */
	int lfd, cfd, power_pipe[2], stop_pipe[2];
	fb_state state;
	bool echo;
	jf_buf line, pending; /* input line; output while no one is connected */
	char env[8][2][128];
	char prompt[64];
	int tftps; /* tftpboot runs in this boot */
	jf_buf script;                  /* /tmp/jf-w.sh */
	char dd[128], err[256];         /* /tmp/jf.dd, /tmp/jf.err */
	char sum[65];                   /* /tmp/jf.sum */
	unsigned char *dev;
	size_t dev_len;                 /* bytes the last write put there */
	fb_stats st;
};

static bool faulty(fakeboard *b, fb_fault f)
{
	return b->o.fault == f && (!b->o.fault_boots || b->st.boots <= (int)b->o.fault_boots);
}

static void out_raw(fakeboard *b, const char *s, size_t n)
{
	if (b->cfd < 0) {
		jf_buf_put(&b->pending, s, n);
		return;
	}
	for (size_t at = 0; at < n;) {
		size_t piece = faulty(b, FB_SLOW) ? 7 : n - at;
		ssize_t w = send(b->cfd, s + at, piece < n - at ? piece : n - at, MSG_NOSIGNAL);

		if (w <= 0)
			return; /* the host went away: the output is lost, as on a wire */
		at += (size_t)w;
		if (faulty(b, FB_SLOW)) {
			struct timespec ts = {0, 200000};

			nanosleep(&ts, NULL); /* pacing, not synchronisation */
		}
	}
}

static void out(fakeboard *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(fakeboard *b, const char *fmt, ...)
{
	jf_buf t = JF_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	jf_buf_vprintf(&t, fmt, ap);
	va_end(ap);
	if (t.len)
		out_raw(b, t.ptr, t.len);
	jf_buf_free(&t);
}

/* Before each answer: what a confused terminal and a noisy line add. */
static void noise(fakeboard *b)
{
	/* (garbage ends its line: U-Boot's prompt must start one, see
	 * docs/reliability.md) */
	static const char junk[] = "\x1b[6n\x1b[1;32m\xfe\x7f\x01 line noise\x1b]0;busybox\x07"
				   "\x1b[0m\r\n";

	if (faulty(b, FB_NOISE))
		out_raw(b, junk, sizeof(junk) - 1);
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
	noise(b);
	out(b, "\r\nU-Boot 2024.01 (fake board)\r\n\r\nDRAM:  1 GiB\r\nNet:   eth0: fake\r\n"
	       "Hit any key to stop autoboot:  3 ");
}

/* ---- U-Boot ---- */

static void uboot_tftp(fakeboard *b, const char *args)
{
	char addr[64] = "", name[256] = "", path[512], size[32];
	struct stat st;

	sscanf(args, "%63s %255s", addr, name);
	out(b, "Using eth0 device\r\nTFTP from server %s; our IP address is %s\r\n"
	       "Filename '%s'.\r\nLoad address: %s\r\nLoading: ",
	    env_get(b, "serverip") ? env_get(b, "serverip") : "?", env_get(b, "ipaddr"), name,
	    addr);
	snprintf(path, sizeof(path), "%s/%s", b->o.tftp_dir, name);
	if (faulty(b, FB_TFTP_TIMEOUT) && b->tftps++ == 0) {
		out(b, "T T T T T T T T T T \r\nRetry count exceeded; starting again\r\n");
		return;
	}
	if (faulty(b, FB_TFTP_ERROR) || stat(path, &st) < 0) {
		out(b, "\r\nTFTP error: 'File not found' (1)\r\nNot retrying...\r\n");
		return;
	}
	out(b, "##########\r\n\t 1 MiB/s\r\ndone\r\nBytes transferred = %lld (%llx hex)\r\n",
	    (long long)st.st_size, (long long)st.st_size);
	snprintf(size, sizeof(size), "%llx", (long long)st.st_size);
	env_set(b, "filesize", size);
}

static void uboot_boot(fakeboard *b)
{
	if (faulty(b, FB_BAD_KERNEL)) {
		out(b, "Bad Linux ARM64 Image magic!\r\n");
		return;
	}
	out(b, "## Flattened Device Tree blob at 48000000\r\nStarting kernel ...\r\n\r\n"
	       "[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd034]\r\n"
	       "[    0.000000] Linux version 6.1.0-fake\r\n");
	if (faulty(b, FB_PANIC)) {
		out(b, "[    1.234567] Kernel panic - not syncing: VFS: Unable to mount root fs\r\n");
		b->state = S_DEAD;
	} else if (faulty(b, FB_RESET_IN_BOOT)) {
		/* a watchdog reset: U-Boot again, autoboot finds nothing, prompt */
		out(b, "[    0.5] watchdog: resetting\r\n");
		power_on(b);
		out(b, "0\r\nscanning bus for devices...\r\nno bootable device\r\n");
		b->state = S_UBOOT;
	} else if (faulty(b, FB_CLOSE_IN_BOOT)) {
		close(b->cfd);
		b->cfd = -1;
		b->state = S_DEAD;
	} else if (faulty(b, FB_NO_LOGIN)) {
		out(b, "[    2.000000] Run /init as init process\r\n");
		b->state = S_DEAD;
	} else {
		out(b, "[    2.000000] Run /init as init process\r\n\r\nWelcome to the fake "
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
				out(b, "%s", env_get(b, name) ? env_get(b, name) : "");
				p = strchr(p, '}');
			} else {
				out_raw(b, p, 1);
			}
		}
		out(b, "\r\n");
	} else if (!strcmp(cmd, "dhcp")) {
		env_set(b, "ipaddr", "127.0.0.2");
		env_set(b, "netmask", "255.0.0.0");
		env_set(b, "gatewayip", "127.0.0.1");
		out(b, "BOOTP broadcast 1\r\nDHCP client bound to address 127.0.0.2 (3 ms)\r\n");
	} else if (!strcmp(cmd, "printenv")) {
		for (char *name = strtok(args, " "); name; name = strtok(NULL, " "))
			if (env_get(b, name))
				out(b, "%s=%s\r\n", name, env_get(b, name));
			else
				out(b, "## Error: \"%s\" not defined\r\n", name);
	} else if (!strcmp(cmd, "tftpboot")) {
		uboot_tftp(b, args);
	} else if (!strncmp(cmd, "boot", 4)) {
		uboot_boot(b);
	} else {
		out(b, "Unknown command '%s' - try 'help'\r\n", cmd);
	}
}

static void uboot_line(fakeboard *b, char *line)
{
	out(b, "\r\n");
	noise(b);
	for (char *cmd = strtok_r(line, ";", &line); cmd && b->state == S_UBOOT;
	     cmd = strtok_r(NULL, ";", &line))
		uboot_one(b, cmd);
	if (b->state == S_UBOOT)
		out(b, "%s", faulty(b, FB_OTHER_PROMPT) ? "U-Boot> " : "=> ");
}

/* ---- the flasher's busybox ---- */

/* 'a'\''b' -> a'b, from @p up to the end of the quoted word. */
static const char *unquote(jf_buf *outb, const char *p)
{
	while (*p == '\'') {
		const char *end = strchr(p + 1, '\'');

		if (!end)
			break;
		jf_buf_put(outb, p + 1, (size_t)(end - p - 1));
		p = end + 1;
		if (!strncmp(p, "\\''", 3)) {
			jf_buf_puts(outb, "'");
			p += 2;
		}
	}
	return p;
}

static void device_sum(fakeboard *b, size_t len, char *hex)
{
	unsigned char *copy = malloc(len ? len : 1);

	memcpy(copy, b->dev, len);
	if (faulty(b, FB_BAD_READBACK) && len)
		copy[len / 2] ^= 0x40;
	jf_sha256_buf(hex, copy, len);
	free(copy);
}

/* sh /tmp/jf-w.sh: fetch the image from the HTTP root, "dd" it. */
static int run_write(fakeboard *b)
{
	const char *u = strstr(b->script.ptr ? b->script.ptr : "", "'http://"), *name;
	jf_buf url = JF_BUF_INIT, img = JF_BUF_INIT;
	char path[512], chunk[65536];
	size_t n;
	FILE *f;
	int rc = 0;

	b->err[0] = '\0';
	pthread_mutex_lock(&b->lock);
	b->st.writes++;
	pthread_mutex_unlock(&b->lock);
	if (!u)
		return 1;
	unquote(&url, u);
	if (!url.ptr || !(name = strchr(url.ptr + 7, '/'))) {
		jf_buf_free(&url);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s", b->o.http_dir, name + 1);
	if (!(f = fopen(path, "rb"))) {
		snprintf(b->err, sizeof(b->err), "wget: server returned error: HTTP/1.1 404 Not Found");
		jf_buf_free(&url);
		return 1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		jf_buf_put(&img, chunk, n);
	fclose(f);
	b->dev_len = img.len;
	if (img.len > b->o.device_size || faulty(b, FB_DISK_FULL)) {
		b->dev_len = img.len > b->o.device_size ? b->o.device_size : img.len / 2;
		snprintf(b->err, sizeof(b->err),
			 "dd: error writing '/dev/vda': No space left on device");
		rc = 1;
	}
	memcpy(b->dev, img.ptr, b->dev_len);
	snprintf(b->dd, sizeof(b->dd), "%zu+%d records in\n%zu+%d records out\n",
		 b->dev_len >> 20, (b->dev_len & 0xfffff) != 0, b->dev_len >> 20,
		 (b->dev_len & 0xfffff) != 0);
	jf_sha256_buf(b->sum, img.ptr, img.len);
	pthread_mutex_lock(&b->lock);
	b->st.written = rc == 0;
	pthread_mutex_unlock(&b->lock);
	jf_buf_free(&url);
	jf_buf_free(&img);
	return rc;
}

static void monitor(fakeboard *b)
{
	int rc = run_write(b);

	out(b, "jf-pos=%zu\r\n", b->dev_len / 2);
	if (faulty(b, FB_CLOSE_IN_WRITE)) {
		close(b->cfd);
		b->cfd = -1;
		b->state = S_DEAD;
		return;
	}
	out(b, "jf-pos=%zu\r\njf-done=%d\r\n%s", b->dev_len, rc, b->prompt);
}

/* One shell command; its exit status (-1: it never finishes). */
static int sh(fakeboard *b, const char *cmd)
{
	unsigned long long count, head;
	char hex[65];

	pthread_mutex_lock(&b->lock);
	snprintf(b->st.last_cmd, sizeof(b->st.last_cmd), "%s", cmd);
	pthread_mutex_unlock(&b->lock);
	if (!strncmp(cmd, "date -s", 7))
		return faulty(b, FB_LOST_STATUS) ? -1 : 0;
	if (!strncmp(cmd, "i=0; while", 10) || !strcmp(cmd, "sync") || !strncmp(cmd, "dd if=/dev/zero", 15))
		return 0;
	if (!strcmp(cmd, ": >/tmp/jf-w.sh")) {
		jf_buf_clear(&b->script);
		return 0;
	}
	if (!strncmp(cmd, "printf '%s\\n' ", 14)) {
		unquote(&b->script, cmd + 14);
		jf_buf_puts(&b->script, "\n");
		return 0;
	}
	if (!strcmp(cmd, "cat '/sys/class/block/vda/size'")) {
		out(b, "%zu\r\n", b->o.device_size / 512);
		return 0;
	}
	if (!strcmp(cmd, "cat /tmp/jf.dd")) {
		out(b, "%s", b->dd);
		return 0;
	}
	if (!strcmp(cmd, "cat /tmp/jf.sum")) {
		out(b, "%s  -\r\n", b->sum);
		return 0;
	}
	if (!strncmp(cmd, "cat /tmp/jf.err", 15)) {
		out(b, "%s\r\n%s", b->err, b->dd);
		return 0;
	}
	if (sscanf(cmd, "dd if=/dev/vda bs=1M count=%llu", &count) == 1) {
		const char *h = strstr(cmd, "head -c ");
		size_t len = (size_t)count << 20;

		if (h && sscanf(h, "head -c %llu", &head) == 1 && head < len)
			len = (size_t)head;
		device_sum(b, len < b->o.device_size ? len : b->o.device_size, hex);
		out(b, "%s  -\r\n", hex);
		return 0;
	}
	out(b, "sh: %s: not found\r\n", cmd);
	return 127;
}

static void shell_line(fakeboard *b, const char *line)
{
	static const char rc_suffix[] = "; echo jf-rc=$?";
	size_t len = strlen(line), sl = sizeof(rc_suffix) - 1;
	unsigned tag;
	const char *ps1 = strstr(line, "PS1='[jf-'$((");

	if (b->echo)
		out(b, "\r\n");
	noise(b);
	if (!strncmp(line, "stty -echo", 10))
		b->echo = false;
	if (ps1 && sscanf(ps1, "PS1='[jf-'$((%u + 1))", &tag) == 1) {
		snprintf(b->prompt, sizeof(b->prompt), "[jf-%u]# ", tag + 1);
		out(b, "%s", b->prompt);
	} else if (!strncmp(line, "rm -f /tmp/jf.rc; sh /tmp/jf-w.sh", 33)) {
		monitor(b);
	} else if (len > sl && !strcmp(line + len - sl, rc_suffix)) {
		char *cmd = strndup(line, len - sl);
		int rc = sh(b, cmd);

		free(cmd);
		if (rc >= 0)
			out(b, "jf-rc=%d\r\n%s", rc, b->prompt);
	} else {
		sh(b, line);
		out(b, "%s", b->prompt);
	}
}

/* ---- input ---- */

static void on_line(fakeboard *b, char *line)
{
	switch (b->state) {
	case S_UBOOT:
		uboot_line(b, line);
		break;
	case S_LOGIN:
		out(b, "\r\n");
		if (b->o.password) {
			out(b, "Password: ");
			b->state = S_PASSWORD;
			b->echo = false;
			break;
		}
		/* fall through */
	case S_PASSWORD:
		if (b->state == S_PASSWORD && strcmp(line, b->o.password)) {
			out(b, "\r\nLogin incorrect\r\nflasher login: ");
			b->state = S_LOGIN;
			b->echo = true;
			break;
		}
		b->state = S_SHELL;
		b->echo = true;
		snprintf(b->prompt, sizeof(b->prompt), "# ");
		out(b, "\r\n~ # ");
		break;
	case S_SHELL:
		shell_line(b, line);
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
			out(b, "\r\n%s", faulty(b, FB_OTHER_PROMPT) ? "U-Boot> " : "=> ");
			continue;
		}
		if (c == 3 && b->state == S_UBOOT) { /* Ctrl-C at the prompt */
			jf_buf_clear(&b->line);
			out(b, "<INTERRUPT>\r\n=> ");
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
			out_raw(b, &c, 1);
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
		if (b->cfd >= 0 && p[3].fd == b->cfd && (p[3].revents & (POLLIN | POLLHUP | POLLERR))) {
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
					out_raw(b, b->pending.ptr, b->pending.len);
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

	if (faulty(b, FB_POWER_FAILS))
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

static const jf_power_ops fb_power_ops = {"fakeboard", p_on, p_off, NULL, NULL, NULL, NULL};

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
