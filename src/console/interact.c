/* Interactive passthrough between the user's terminal and the console. */
#include "console_int.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static unsigned char esc_char(const jf_interact_opts *o)
{
	return o->escape_char ? o->escape_char : 0x02;
}

static unsigned esc_count(const jf_interact_opts *o)
{
	return o->escape_count ? o->escape_count : 3;
}

const char *jf_interact_escape_text(const jf_interact_opts *o, char *buf, size_t size)
{
	static const char *const times[] = {"", "once", "twice", "three times", "four times"};
	unsigned char ch = esc_char(o);
	unsigned n = esc_count(o);
	int w;

	if (ch < 0x20)
		w = snprintf(buf, size, "Ctrl-%c", ch + '@');
	else
		w = snprintf(buf, size, "'%c'", ch);
	if (w >= 0 && (size_t)w < size) {
		if (n < 5)
			snprintf(buf + w, size - (size_t)w, " %s", times[n]);
		else
			snprintf(buf + w, size - (size_t)w, " %u times", n);
	}
	return buf;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = {fd, POLLOUT, 0};

			poll(&pfd, 1, 1000);
			continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Forward typed bytes, holding back escape characters until we know whether
 * they complete the sequence. Returns 1 when the user asked to leave. */
static int forward_input(jf_console *c, const jf_interact_opts *o, const char *in, size_t n,
                         unsigned *held, jf_err *err)
{
	const char ch = (char)esc_char(o);
	char out[1024 + 8];
	size_t len = 0;
	int error;

	for (size_t i = 0; i < n; i++) {
		if (in[i] == ch) {
			if (++*held < esc_count(o))
				continue;
			if (len && (error = jf_console_send(c, out, len, err)) < 0)
				return error;
			return 1;
		}
		while (*held) {
			out[len++] = ch;
			--*held;
		}
		out[len++] = in[i];
		if (len >= 1024) {
			if ((error = jf_console_send(c, out, len, err)) < 0)
				return error;
			len = 0;
		}
	}
	return len ? jf_console_send(c, out, len, err) : 0;
}

int jf_console_interact(jf_console *c, const jf_interact_opts *o, jf_err *err)
{
	struct termios saved, raw;
	bool restore = false;
	unsigned held = 0;
	int error = 0, in_fd = o->in_fd;

	if (isatty(o->in_fd) && tcgetattr(o->in_fd, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		if (tcsetattr(o->in_fd, TCSANOW, &raw) < 0) {
			error =
			    jf_err_sys(err, JF_EIO, errno, "cannot put the terminal in raw mode");
			goto done;
		}
		restore = true;
	}
	/* What an earlier expect() left unread is the start of the session. */
	if (c->rx.len) {
		write_all(o->out_fd, c->rx.ptr, c->rx.len);
		jf_console_clear(c);
	}
	for (;;) {
		struct pollfd p[3] = {
		    {in_fd, POLLIN, 0}, {c->fd, POLLIN, 0}, {o->cancel_fd, POLLIN, 0}};
		char buf[4096];
		ssize_t n;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			error = jf_err_sys(err, JF_EIO, errno, "poll");
			goto done;
		}
		if (o->cancel_fd >= 0 && p[2].revents) {
			error = jf_err_set(err, JF_ECANCELED, "console session interrupted");
			goto done;
		}
		if (p[1].revents) {
			long r = jf_console__ep_read(c, buf, sizeof(buf), jf_deadline_in(0), err);

			if (r < 0) {
				error = (int)r;
				goto done;
			}
			jf_console__transcript(c, 0, buf, (size_t)r);
			if (r > 0 && write_all(o->out_fd, buf, (size_t)r) < 0) {
				error =
				    jf_err_sys(err, JF_EIO, errno, "cannot write to the terminal");
				goto done;
			}
		}
		if (p[0].revents) {
			n = read(in_fd, buf, 1024);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0 && o->byte_pipe) {
				in_fd = -1; /* the writer is done; the board may not be */
				continue;
			}
			if (n <= 0)
				goto done; /* EOF on input: the user is gone */
			if (o->byte_pipe) {
				if ((error = jf_console_send(c, buf, (size_t)n, err)) < 0)
					goto done;
				continue;
			}
			if ((error = forward_input(c, o, buf, (size_t)n, &held, err)) != 0) {
				if (error > 0)
					error = 0;
				goto done;
			}
		}
	}
done:
	if (restore)
		tcsetattr(o->in_fd, TCSANOW, &saved);
	return error;
}
