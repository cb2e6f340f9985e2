/* Telnet (RFC 854/855/856/858) as far as RFC 2217 serial servers need it:
 * IAC escaping, option negotiation for BINARY, SGA and COM-PORT-OPTION, and
 * the COM-PORT subnegotiations that set the line (RFC 2217). */
#include "console_int.h"

#include <string.h>

enum {
	IAC = 255,
	DONT = 254,
	DO = 253,
	WONT = 252,
	WILL = 251,
	SB = 250,
	SE = 240,
	OPT_BINARY = 0,
	OPT_SGA = 3,
	OPT_COM_PORT = 44,
	/* COM-PORT-OPTION commands, client to server; the server answers +100. */
	CP_SET_BAUDRATE = 1,
	CP_SET_DATASIZE = 2,
	CP_SET_PARITY = 3,
	CP_SET_STOPSIZE = 4,
	CP_SET_CONTROL = 5,
	CP_SERVER_OFFSET = 100,
};

enum { S_DATA, S_IAC, S_OPT, S_SB, S_SB_IAC };

static bool bit_get(const unsigned char *set, unsigned char opt)
{
	return set[opt / 8] & (1u << (opt % 8));
}

static void bit_set(unsigned char *set, unsigned char opt)
{
	set[opt / 8] |= (unsigned char)(1u << (opt % 8));
}

void jf_console__telnet_init(jf_telnet *t)
{
	memset(t, 0, sizeof(*t));
}

static void put3(jf_buf *out, unsigned char a, unsigned char b, unsigned char c)
{
	unsigned char m[3] = {a, b, c};

	jf_buf_put(out, m, 3);
}

int jf_console__telnet_offer(jf_telnet *t, jf_buf *out)
{
	static const unsigned char wills[] = {OPT_BINARY, OPT_SGA, OPT_COM_PORT};
	static const unsigned char dos[] = {OPT_BINARY, OPT_SGA};

	for (size_t i = 0; i < sizeof(wills); i++) {
		put3(out, IAC, WILL, wills[i]);
		bit_set(t->sent_will, wills[i]);
	}
	for (size_t i = 0; i < sizeof(dos); i++) {
		put3(out, IAC, DO, dos[i]);
		bit_set(t->sent_do, dos[i]);
	}
	return out->ptr ? 0 : JF_ENOMEM;
}

/* One COM-PORT subnegotiation; the value bytes are IAC-escaped. */
static int subneg(jf_buf *out, unsigned char cmd, const unsigned char *val, size_t n)
{
	int error;

	put3(out, IAC, SB, OPT_COM_PORT);
	if ((error = jf_buf_put(out, &cmd, 1)) < 0 ||
	    (error = jf_console__telnet_escape(out, val, n)) < 0)
		return error;
	{
		unsigned char end[2] = {IAC, SE};

		return jf_buf_put(out, end, 2);
	}
}

int jf_console__telnet_com_port_settings(jf_buf *out, unsigned baud, bool rtscts)
{
	unsigned char b[4] = {(unsigned char)(baud >> 24), (unsigned char)(baud >> 16),
	                      (unsigned char)(baud >> 8), (unsigned char)baud};
	unsigned char eight = 8, none = 1, one = 1, control = rtscts ? 3 : 1;
	int error;

	if ((error = subneg(out, CP_SET_BAUDRATE, b, 4)) < 0 ||
	    (error = subneg(out, CP_SET_DATASIZE, &eight, 1)) < 0 ||
	    (error = subneg(out, CP_SET_PARITY, &none, 1)) < 0 ||
	    (error = subneg(out, CP_SET_STOPSIZE, &one, 1)) < 0)
		return error;
	return subneg(out, CP_SET_CONTROL, &control, 1);
}

int jf_console__telnet_escape(jf_buf *out, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t start = 0;
	int error;

	for (size_t i = 0; i < n; i++) {
		if (p[i] != IAC)
			continue;
		/* Copy through the IAC, then add its twin. */
		if ((error = jf_buf_put(out, p + start, i + 1 - start)) < 0)
			return error;
		start = i;
	}
	return jf_buf_put(out, p + start, n - start);
}

static void subneg_done(jf_telnet *t)
{
	if (t->sblen >= 6 && t->sb[0] == OPT_COM_PORT &&
	    t->sb[1] == CP_SERVER_OFFSET + CP_SET_BAUDRATE) {
		t->baud_reply = (uint32_t)t->sb[2] << 24 | (uint32_t)t->sb[3] << 16 |
		                (uint32_t)t->sb[4] << 8 | t->sb[5];
		t->baud_acked = true;
	}
	/* Line/modem state notifications and other answers need no action. */
}

static void negotiate(jf_telnet *t, unsigned char cmd, unsigned char opt, jf_buf *reply)
{
	bool ours = opt == OPT_BINARY || opt == OPT_SGA || opt == OPT_COM_PORT;

	switch (cmd) {
	case DO:
		if (opt == OPT_COM_PORT)
			t->com_port = 1;
		if (ours && !bit_get(t->sent_will, opt)) {
			put3(reply, IAC, WILL, opt);
			bit_set(t->sent_will, opt);
		} else if (!ours) {
			put3(reply, IAC, WONT, opt);
		}
		break;
	case DONT:
		if (opt == OPT_COM_PORT)
			t->com_port = -1;
		break;
	case WILL:
		if (opt == OPT_BINARY)
			t->peer_binary = true;
		if ((opt == OPT_BINARY || opt == OPT_SGA) && !bit_get(t->sent_do, opt)) {
			put3(reply, IAC, DO, opt);
			bit_set(t->sent_do, opt);
		} else if (opt != OPT_BINARY && opt != OPT_SGA && opt != OPT_COM_PORT) {
			put3(reply, IAC, DONT, opt);
		}
		break;
	default: /* WONT */
		if (opt == OPT_BINARY)
			t->peer_binary = false;
		break;
	}
}

size_t jf_console__telnet_decode(jf_telnet *t, unsigned char *data, size_t n, jf_buf *reply)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = data[i];

		switch (t->state) {
		case S_DATA:
			if (ch == IAC) {
				t->state = S_IAC;
				break;
			}
			/* Outside BINARY mode a bare CR is sent as CR NUL (RFC 854). */
			if (!(ch == 0 && t->last_cr && !t->peer_binary))
				data[o++] = ch;
			t->last_cr = ch == '\r';
			break;
		case S_IAC:
			if (ch == IAC) {
				data[o++] = IAC;
				t->last_cr = false;
				t->state = S_DATA;
			} else if (ch >= WILL && ch <= DONT) {
				t->verb = ch;
				t->state = S_OPT;
			} else if (ch == SB) {
				t->sblen = 0;
				t->state = S_SB;
			} else {
				t->state = S_DATA; /* NOP, GA, ...: no payload */
			}
			break;
		case S_OPT:
			negotiate(t, t->verb, ch, reply);
			t->state = S_DATA;
			break;
		case S_SB:
			if (ch == IAC)
				t->state = S_SB_IAC;
			else if (t->sblen < sizeof(t->sb) - 1)
				t->sb[t->sblen++] = ch;
			break;
		case S_SB_IAC:
			if (ch == IAC) {
				if (t->sblen < sizeof(t->sb) - 1)
					t->sb[t->sblen++] = IAC;
				t->state = S_SB;
			} else {
				if (ch == SE)
					subneg_done(t);
				t->state = S_DATA;
			}
			break;
		}
	}
	return o;
}
