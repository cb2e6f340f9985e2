/* Private to the fake board (fakeboard.c: the board, its console, power
 * and U-Boot; fakeboard_shell.c: the flasher kernel's busybox). */
#ifndef JF_TEST_FAKEBOARD_INT_H
#define JF_TEST_FAKEBOARD_INT_H

#include <pthread.h>

#include "fakeboard.h"
#include "jmpflash/buf.h"

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
	int tftps;              /* tftpboot runs in this boot */
	jf_buf script;          /* /tmp/jf-w.sh */
	char dd[128], err[256]; /* /tmp/jf.dd, /tmp/jf.err */
	char sum[65];           /* /tmp/jf.sum */
	unsigned char *dev;
	size_t dev_len; /* bytes the last write put there */
	fb_stats st;
};

bool fb__faulty(fakeboard *b, fb_fault f);
/* Output to the console (kept while no one is connected). */
void fb__out_raw(fakeboard *b, const char *s, size_t n);
void fb__out(fakeboard *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Before each answer when FB_NOISE: ANSI sequences and a garbage line. */
void fb__noise(fakeboard *b);
/* One line typed at the busybox shell. */
void fb__shell_line(fakeboard *b, const char *line);

#endif
