/* The fake board's flasher kernel: a busybox shell that runs what the
 * flasher sends (fakeboard_int.h), the write pipeline included. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakeboard_int.h"
#include "jmpflash/sha256.h"

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
	if (fb__faulty(b, FB_BAD_READBACK) && len)
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
		snprintf(b->err, sizeof(b->err),
		         "wget: server returned error: HTTP/1.1 404 Not Found");
		jf_buf_free(&url);
		return 1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		jf_buf_put(&img, chunk, n);
	fclose(f);
	b->dev_len = img.len;
	if (img.len > b->o.device_size || fb__faulty(b, FB_DISK_FULL)) {
		b->dev_len = img.len > b->o.device_size ? b->o.device_size : img.len / 2;
		snprintf(b->err, sizeof(b->err),
		         "dd: error writing '/dev/vda': No space left on device");
		rc = 1;
	}
	memcpy(b->dev, img.ptr, b->dev_len);
	snprintf(b->dd, sizeof(b->dd), "%zu+%d records in\n%zu+%d records out\n", b->dev_len >> 20,
	         (b->dev_len & 0xfffff) != 0, b->dev_len >> 20, (b->dev_len & 0xfffff) != 0);
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

	fb__out(b, "jf-pos=%zu\r\n", b->dev_len / 2);
	if (fb__faulty(b, FB_CLOSE_IN_WRITE)) {
		close(b->cfd);
		b->cfd = -1;
		b->state = S_DEAD;
		return;
	}
	fb__out(b, "jf-pos=%zu\r\njf-done=%d\r\n%s", b->dev_len, rc, b->prompt);
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
		return fb__faulty(b, FB_LOST_STATUS) ? -1 : 0;
	if (!strncmp(cmd, "export ", 7))
		return 0;
	if (!strncmp(cmd, "i=0; while", 10) || !strcmp(cmd, "sync") ||
	    !strncmp(cmd, "dd if=/dev/zero", 15))
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
	if (!strcmp(cmd, "uname -m") && b->o.machine) {
		fb__out(b, "%s\r\n", b->o.machine);
		return 0;
	}
	if (!strcmp(cmd, "cat '/sys/class/block/vda/size'")) {
		fb__out(b, "%zu\r\n", b->o.device_size / 512);
		return 0;
	}
	if (!strcmp(cmd, "cat /tmp/jf.dd")) {
		fb__out(b, "%s", b->dd);
		return 0;
	}
	if (!strcmp(cmd, "cat /tmp/jf.sum")) {
		fb__out(b, "%s  -\r\n", b->sum);
		return 0;
	}
	if (!strncmp(cmd, "cat /tmp/jf.err", 15)) {
		fb__out(b, "%s\r\n%s", b->err, b->dd);
		return 0;
	}
	if (sscanf(cmd, "dd if=/dev/vda bs=1M count=%llu", &count) == 1) {
		const char *h = strstr(cmd, "head -c ");
		size_t len = (size_t)count << 20;

		if (h && sscanf(h, "head -c %llu", &head) == 1 && head < len)
			len = (size_t)head;
		device_sum(b, len < b->o.device_size ? len : b->o.device_size, hex);
		fb__out(b, "%s  -\r\n", hex);
		return 0;
	}
	fb__out(b, "sh: %s: not found\r\n", cmd);
	return 127;
}

void fb__shell_line(fakeboard *b, const char *line)
{
	static const char rc_suffix[] = "; echo jf-rc=$?";
	size_t len = strlen(line), sl = sizeof(rc_suffix) - 1;
	unsigned tag;
	const char *ps1 = strstr(line, "PS1='[jf-'$((");

	if (b->echo)
		fb__out(b, "\r\n");
	fb__noise(b);
	if (!strncmp(line, "stty -echo", 10))
		b->echo = false;
	if (ps1 && sscanf(ps1, "PS1='[jf-'$((%u + 1))", &tag) == 1) {
		snprintf(b->prompt, sizeof(b->prompt), "[jf-%u]# ", tag + 1);
		fb__out(b, "%s", b->prompt);
	} else if (!strcmp(line, "reboot") && fb__faulty(b, FB_DEAF_REBOOT)) {
		; /* the command lost: the board stays in the flasher */
	} else if (!strcmp(line, "reboot")) {
		pthread_mutex_lock(&b->lock);
		b->st.reboots++;
		pthread_mutex_unlock(&b->lock);
		fb__out(b, "reboot: Restarting system\r\n");
		b->state = S_DEAD; /* (U-Boot again, then the flashed OS: not imitated) */
	} else if (!strncmp(line, "rm -f /tmp/jf.rc; sh /tmp/jf-w.sh", 33)) {
		monitor(b);
	} else if (len > sl && !strcmp(line + len - sl, rc_suffix)) {
		char *cmd = strndup(line, len - sl);
		int rc = sh(b, cmd);

		free(cmd);
		if (rc >= 0)
			fb__out(b, "jf-rc=%d\r\n%s", rc, b->prompt);
	} else {
		sh(b, line);
		fb__out(b, "%s", b->prompt);
	}
}
