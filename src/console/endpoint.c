/* Console endpoints: open, read, write, and reopen a tty that vanished. */
#include "console_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static const struct {
	unsigned rate;
	speed_t code;
} std_rates[] = {
    {50, B50},           {75, B75},           {110, B110},         {134, B134},
    {150, B150},         {200, B200},         {300, B300},         {600, B600},
    {1200, B1200},       {1800, B1800},       {2400, B2400},       {4800, B4800},
    {9600, B9600},       {19200, B19200},     {38400, B38400},     {57600, B57600},
    {115200, B115200},   {230400, B230400},   {460800, B460800},   {500000, B500000},
    {576000, B576000},   {921600, B921600},   {1000000, B1000000}, {1152000, B1152000},
    {1500000, B1500000}, {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000},
    {3500000, B3500000}, {4000000, B4000000},
};

static int tty_configure(jf_console *c, int fd, jf_err *err)
{
	struct termios t;
	speed_t code = 0;

	if (tcgetattr(fd, &t) < 0)
		return jf_err_sys(err, JF_EIO, errno, "%s is not a terminal", c->url);
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD | CS8;
	t.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB);
	if (c->rtscts)
		t.c_cflag |= CRTSCTS;
	else
		t.c_cflag &= ~(tcflag_t)CRTSCTS;
	if (c->no_hupcl)
		t.c_cflag &= ~(tcflag_t)HUPCL;
	t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	for (size_t i = 0; i < sizeof(std_rates) / sizeof(std_rates[0]); i++)
		if (std_rates[i].rate == c->baudrate)
			code = std_rates[i].code;
	if (code)
		cfsetspeed(&t, code);
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return jf_err_sys(err, JF_EIO, errno, "cannot configure %s", c->url);
	if (!code && jf_console__set_baud_other(fd, c->baudrate) < 0)
		return jf_err_sys(err, JF_EINVAL, errno, "%s does not take %u baud", c->url,
		                  c->baudrate);
	tcflush(fd, TCIOFLUSH);
	return 0;
}

static int tty_open(jf_console *c, int *out, jf_err *err)
{
	int fd = open(c->u.path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC), error;

	*out = -1;
	if (fd < 0)
		return jf_err_sys(err, errno == ENOENT ? JF_ENOTFOUND : JF_EIO, errno,
		                  "cannot open serial console %s", c->url);
	/* pyserial's exclusive=True takes the same flock, so jmpflash and a
	 * Python tool also exclude each other. TIOCEXCL also stops plain opens
	 * (but not root's). */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		error = errno == EWOULDBLOCK
		            ? jf_err_set(err, JF_EEXISTS,
		                         "serial console %s is in use by another program "
		                         "(see 'fuser %s')",
		                         c->url, c->u.path)
		            : jf_err_sys(err, JF_EIO, errno, "cannot lock %s", c->url);
		close(fd);
		return error;
	}
	ioctl(fd, TIOCEXCL);
	if ((error = tty_configure(c, fd, err)) < 0) {
		close(fd);
		return error;
	}
	*out = fd;
	return 0;
}

static int wait_fd(int fd, short events, jf_deadline d)
{
	struct pollfd p = {fd, events, 0};
	int n;

	do
		n = poll(&p, 1, jf_deadline_poll_ms(d));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* Wait for the console (1), @d (0), the cancel fd (2) or an error (-errno). */
static int wait_io(jf_console *c, short events, jf_deadline d)
{
	struct pollfd p[2] = {{c->fd, events, 0}, {c->cancel_fd, POLLIN, 0}};
	int n;

	do
		n = poll(p, 2, jf_deadline_poll_ms(d));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (c->cancel_fd >= 0 && p[1].revents)
		return 2;
	return n > 0 ? 1 : 0;
}

static int canceled(jf_console *c, jf_err *err)
{
	return jf_err_set(err, JF_ECANCELED, "console %s: stopped (interrupted)", c->url);
}

/* Sleep @ms (a retry backoff); true when the cancel fd fired instead. */
static bool pause_or_cancel(jf_console *c, unsigned ms)
{
	struct pollfd p = {c->cancel_fd, POLLIN, 0};

	return poll(&p, 1, (int)ms) > 0 && (p.revents & POLLIN);
}

static int sock_connect(jf_console *c, int *out, jf_err *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	jf_deadline d = jf_deadline_in(c->connect_ms);
	char port[16];
	int fd = -1, rc, last = ECONNREFUSED, one = 1;

	*out = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", c->u.port);
	if ((rc = getaddrinfo(c->u.host, port, &hints, &res)) != 0)
		return jf_err_set(err, JF_EUNREACHABLE, "console %s: cannot resolve '%s': %s",
		                  c->url, c->u.host, gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		socklen_t len = sizeof(last);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			last = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, d) > 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &last, &len) == 0 && last == 0)
			break;
		if (errno != EINPROGRESS)
			last = errno;
		else if (jf_deadline_expired(d))
			last = ETIMEDOUT;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return jf_err_sys(err, JF_EUNREACHABLE, last,
		                  "cannot connect to console %s (is the serial server running?)",
		                  c->url);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*out = fd;
	return 0;
}

static int unix_connect(jf_console *c, int *out, jf_err *err)
{
	struct sockaddr_un sa;
	int fd;

	*out = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(c->u.path) >= sizeof(sa.sun_path))
		return jf_err_set(err, JF_EINVAL, "console socket path %s is too long", c->url);
	memcpy(sa.sun_path, c->u.path, strlen(c->u.path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return jf_err_sys(err, JF_EIO, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return jf_err_sys(err, JF_EUNREACHABLE, e, "cannot connect to console socket %s",
		                  c->url);
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	*out = fd;
	return 0;
}

/* Send our telnet offer and COM-PORT settings; wait until the server
 * confirms the baud rate (its answer to SET-BAUDRATE). */
static int rfc2217_negotiate(jf_console *c, jf_err *err)
{
	jf_deadline d = jf_deadline_in(c->connect_ms);
	jf_buf out = JF_BUF_INIT;
	unsigned char chunk[1024];
	bool settings_sent = false;
	int error;

	jf_console__telnet_init(&c->tn);
	if ((error = jf_console__telnet_offer(&c->tn, &out)) < 0)
		goto done;
	while (!c->tn.baud_acked) {
		long n;

		if (out.len) {
			/* Raw (already encoded) bytes: write the fd directly. */
			ssize_t w = write(c->fd, out.ptr, out.len);

			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				error = jf_err_sys(err, JF_EIO, errno, "console %s", c->url);
				goto done;
			}
			if (w > 0)
				jf_buf_consume(&out, (size_t)w);
		}
		if (c->tn.com_port < 0) {
			error = jf_err_set(err, JF_EPROTO,
			                   "console %s refuses RFC 2217 COM-PORT-OPTION; use "
			                   "socket://%s:%d for a raw TCP port",
			                   c->url, c->u.host, c->u.port);
			goto done;
		}
		if (c->tn.com_port > 0 && !settings_sent) {
			if ((error = jf_console__telnet_com_port_settings(&out, c->baudrate,
			                                                  c->rtscts)) < 0)
				goto done;
			settings_sent = true;
			continue;
		}
		if (jf_deadline_expired(d)) {
			error = jf_err_set(err, JF_ETIMEOUT,
			                   "console %s did not confirm the baud rate (RFC 2217) "
			                   "within %llu ms",
			                   c->url, (unsigned long long)c->connect_ms);
			goto done;
		}
		n = jf_console__ep_read(c, chunk, sizeof(chunk), d, err);
		if (n < 0) {
			error = (int)n;
			goto done;
		}
		if (n > 0 && (error = jf_console__received(c, chunk, (size_t)n)) < 0)
			goto done;
	}
	if (c->tn.baud_reply != c->baudrate)
		jf_warn(c->log, "console", "%s: asked for %u baud, the server set %u", c->url,
		        c->baudrate, (unsigned)c->tn.baud_reply);
done:
	jf_buf_free(&out);
	return error;
}

static int ep_open_once(jf_console *c, jf_err *err)
{
	struct stat st;

	switch (c->kind) {
	case JF_EP_TCP:
		return sock_connect(c, &c->fd, err);
	case JF_EP_RFC2217: {
		int error = sock_connect(c, &c->fd, err);

		return error < 0 ? error : rfc2217_negotiate(c, err);
	}
	case JF_EP_UNIX:
	case JF_EP_TTY:
		if (stat(c->u.path, &st) == 0 && S_ISSOCK(st.st_mode)) {
			c->kind = JF_EP_UNIX;
			return unix_connect(c, &c->fd, err);
		}
		c->kind = JF_EP_TTY;
		return tty_open(c, &c->fd, err);
	}
	return JF_EINVAL;
}

int jf_console__ep_open(jf_console *c, jf_err *err)
{
	jf_deadline d;
	int error;

	if ((error = jf_url_parse(&c->u, c->url, err)) < 0)
		return jf_err_wrap(err, "serial console url");
	switch (c->u.scheme) {
	case JF_URL_FILE:
		c->kind = JF_EP_TTY;
		break;
	case JF_URL_SOCKET:
		c->kind = JF_EP_TCP;
		break;
	case JF_URL_RFC2217:
		c->kind = JF_EP_RFC2217;
		break;
	default:
		return jf_err_set(err, JF_ECONFIG,
		                  "serial console url %s: use a device path, socket://host:port "
		                  "or rfc2217://host:port",
		                  c->url);
	}
	/* Only "not there yet" is worth waiting for; a busy or broken endpoint
	 * fails at once. */
	d = jf_deadline_in(c->open_wait_ms);
	while ((error = ep_open_once(c, err)) == JF_ENOTFOUND || error == JF_EUNREACHABLE) {
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		if (jf_deadline_expired(d))
			break;
		if (pause_or_cancel(
		        c, jf_deadline_left_ms(d) < 50 ? (unsigned)jf_deadline_left_ms(d) : 50))
			return canceled(c, err);
	}
	return error;
}

void jf_console__ep_close(jf_console *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	jf_url_dispose(&c->u);
}

/* A USB serial adapter that re-enumerates gives ENODEV or EIO: reopen the
 * same path with backoff until reopen_ms has passed. */
static int tty_reopen(jf_console *c, int cause, jf_err *err)
{
	jf_deadline d = jf_deadline_in(c->reopen_ms);
	uint64_t t0 = jf_clock_mono_ms();
	unsigned backoff = 50;
	int error;

	jf_warn(c->log, "console", "%s went away (%s); reopening for up to %llu ms", c->url,
	        strerror(cause), (unsigned long long)c->reopen_ms);
	close(c->fd);
	c->fd = -1;
	for (;;) {
		if ((error = tty_open(c, &c->fd, err)) == 0) {
			jf_info(c->log, "console", "%s is back after %llu ms", c->url,
			        (unsigned long long)(jf_clock_mono_ms() - t0));
			return 0;
		}
		if (jf_deadline_expired(d))
			return jf_err_set(err, JF_EUNREACHABLE,
			                  "serial console %s went away (%s) and did not come back "
			                  "within %llu ms",
			                  c->url, strerror(cause),
			                  (unsigned long long)c->reopen_ms);
		if (pause_or_cancel(c, backoff < jf_deadline_left_ms(d)
		                           ? backoff
		                           : (unsigned)jf_deadline_left_ms(d)))
			return canceled(c, err);
		backoff = backoff * 2 > 1000 ? 1000 : backoff * 2;
	}
}

long jf_console__ep_read(jf_console *c, void *buf, size_t cap, jf_deadline d, jf_err *err)
{
	for (;;) {
		ssize_t n;
		int w;

		if (c->fd < 0)
			return jf_err_set(err, JF_EIO, "console %s is closed", c->url);
		n = read(c->fd, buf, cap);
		if (n > 0 && c->kind == JF_EP_RFC2217) {
			jf_buf reply = JF_BUF_INIT;

			n = (ssize_t)jf_console__telnet_decode(&c->tn, buf, (size_t)n, &reply);
			if (reply.len && write(c->fd, reply.ptr, reply.len) < 0) {
				/* a refusal that cannot be sent: the read side will see why */
			}
			jf_buf_free(&reply);
			if (n == 0)
				return 0; /* only telnet commands: let the caller look again */
		}
		if (n > 0)
			return (long)n;
		if (n == 0 && c->kind != JF_EP_TTY)
			return jf_err_set(err, JF_EIO, "console %s closed the connection", c->url);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if ((w = wait_io(c, POLLIN, d)) < 0)
				return jf_err_sys(err, JF_EIO, -w, "poll %s", c->url);
			if (w == 2)
				return canceled(c, err);
			if (w == 0)
				return 0;
			continue;
		}
		/* A tty in raw mode reads 0 only when hung up (a pty whose master
		 * closed); a USB adapter that went away gives EIO or ENODEV. */
		if (c->kind == JF_EP_TTY && (n == 0 || errno == EIO || errno == ENODEV)) {
			int error = tty_reopen(c, n == 0 ? EIO : errno, err);

			if (error < 0)
				return error;
			continue;
		}
		return jf_err_sys(err, JF_EIO, errno, "cannot read console %s", c->url);
	}
}

int jf_console__ep_write(jf_console *c, const void *data, size_t len, jf_deadline d, jf_err *err)
{
	jf_buf enc = JF_BUF_INIT;
	const char *p = data;
	int error = 0;

	if (c->kind == JF_EP_RFC2217 && len) {
		if ((error = jf_console__telnet_escape(&enc, data, len)) < 0)
			goto done;
		p = enc.ptr;
		len = enc.len;
	}
	while (len) {
		ssize_t n = c->fd >= 0 ? write(c->fd, p, len) : -1;
		int w;

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (c->fd < 0) {
			error = jf_err_set(err, JF_EIO, "console %s is closed", c->url);
			goto done;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			if ((w = wait_io(c, POLLOUT, d)) < 0) {
				error = jf_err_sys(err, JF_EIO, -w, "poll %s", c->url);
				goto done;
			}
			if (w == 2) {
				error = canceled(c, err);
				goto done;
			}
			if (w == 0) {
				error = jf_err_set(err, JF_ETIMEOUT,
				                   "console %s does not take input (flow control?)",
				                   c->url);
				goto done;
			}
			continue;
		}
		if (c->kind == JF_EP_TTY && (errno == EIO || errno == ENODEV)) {
			if ((error = tty_reopen(c, errno, err)) < 0)
				goto done;
			continue;
		}
		error = jf_err_sys(err, JF_EIO, errno, "cannot write to console %s", c->url);
		goto done;
	}
done:
	jf_buf_free(&enc);
	return error;
}
