/* A fake board for the whole flash flow, without QEMU: a scripted U-Boot
 * and busybox imitation behind a TCP console (socket://127.0.0.1:port),
 * switched by a power driver the test hands to the flasher. It reads the
 * boot files from the TFTP root and the image from the HTTP root (as its
 * "network"), keeps a block device in memory, and can misbehave on command.
 * Deterministic: it answers each line it receives in order, from one thread;
 * nothing in it waits on a clock except FB_SLOW's pacing. */
#ifndef JF_TEST_FAKEBOARD_H
#define JF_TEST_FAKEBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jmpflash/log.h"
#include "jmpflash/power.h"

typedef enum fb_fault {
	FB_OK = 0,
	FB_SLOW,           /* output trickles out a few bytes at a time */
	FB_NOISE,          /* ANSI sequences and garbage before every answer */
	FB_RESET_IN_BOOT,  /* resets while the kernel boots, back at "=> " */
	FB_PANIC,          /* the flasher kernel panics */
	FB_NO_LOGIN,       /* the kernel boots but no login prompt ever comes */
	FB_LOST_STATUS,    /* 'date -s' never prints its exit status */
	FB_CLOSE_IN_BOOT,  /* the console connection drops while the kernel boots */
	FB_CLOSE_IN_WRITE, /* the console connection drops during the write */
	FB_TFTP_ERROR,     /* tftpboot: "TFTP error: 'File not found' (1)" */
	FB_TFTP_TIMEOUT,   /* the first tftpboot of a boot: "Retry count exceeded" */
	FB_OTHER_PROMPT,   /* a U-Boot whose prompt is "U-Boot> " */
	FB_BAD_KERNEL,     /* booti: "Bad Linux ARM64 Image magic!" */
	FB_BAD_READBACK,   /* the device reads back one byte different */
	FB_DISK_FULL,      /* dd: No space left on device */
	FB_POWER_FAILS,    /* the power switch refuses (JF_EIO) */
	FB_DEAF_REBOOT,    /* 'reboot' does nothing, says nothing */
} fb_fault;

typedef struct fb_opts {
	fb_fault fault;
	unsigned fault_boots; /* the fault happens on the first N boots; 0: always */
	const char *tftp_dir, *http_dir;
	const char *password; /* the login's; NULL: no password asked */
	size_t device_size;   /* bytes of /dev/vda */
	const char *machine;  /* what `uname -m` prints; NULL: no uname */
} fb_opts;

typedef struct fakeboard fakeboard;

/* Start the board (off) listening on 127.0.0.1; *port gets the port. */
int fb_start(fakeboard **out, const fb_opts *o, uint16_t *port);
void fb_stop(fakeboard *b);
/* Its power switch, for the flasher (the board must outlive it). */
int fb_power(jf_power **out, fakeboard *b, jf_log *log);

/* What happened, for assertions (copied under the board's lock). */
typedef struct fb_stats {
	int boots;          /* power-ons */
	int reboots;        /* 'reboot' on the shell */
	char power[128];    /* "off,on,off," */
	bool powered;       /* on now */
	int writes;         /* write pipelines started */
	bool written;       /* the device holds what the last write sent */
	char last_cmd[256]; /* the last shell command it ran */
} fb_stats;
void fb_get_stats(fakeboard *b, fb_stats *s);
/* Compare the start of the device with @path's bytes: 0 when equal. */
int fb_device_cmp(fakeboard *b, const char *path);

#endif
