/* jmpflash — the flasher: boot a board into its flasher shell through
 * U-Boot, TFTP and HTTP, and write an OS image onto its storage.
 *
 * The C form of upstream's BaseFlasherClient: jf_flash(),
 * jf_bootloader_shell(), jf_busybox_shell(), jf_use_kernel/initram/dtb().
 * A jf_flasher is built from one flasher export of an exporter config and
 * owns its servers, console and power switch; several can live in one
 * process. Progress and steps are reported through a callback; the library
 * never prints. */
#ifndef JMPFLASH_FLASHER_H
#define JMPFLASH_FLASHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jmpflash/config.h"
#include "jmpflash/console.h"
#include "jmpflash/error.h"
#include "jmpflash/log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jf_flasher jf_flasher;

typedef enum jf_flash_event_kind {
	JF_EV_STEP_START = 0, /* step begins */
	JF_EV_STEP_END,       /* step finished (result 0) or failed */
	JF_EV_PROGRESS,       /* bytes written so far */
	JF_EV_RETRY,          /* an attempt failed and will be retried */
	JF_EV_RESULT,         /* the operation's outcome */
} jf_flash_event_kind;

typedef struct jf_flash_event {
	jf_flash_event_kind kind;
	const char *step;    /* "bundle", "power", "uboot", "tftp", "boot", "login", "target",
	                      * "write", "verify", "power-off" */
	int result;          /* STEP_END/RETRY/RESULT: 0 or a JF_E* code */
	const char *message; /* a human line (redacted) or NULL */
	uint64_t done;       /* PROGRESS: bytes written */
	uint64_t total;      /* PROGRESS: expected bytes, 0 when unknown */
	double rate;         /* PROGRESS: bytes per second, recent */
	double elapsed_s;    /* seconds since the operation started */
	unsigned attempt;    /* 1-based */
} jf_flash_event;

typedef void (*jf_flash_event_cb)(void *user, const jf_flash_event *ev);

typedef enum jf_flash_method {
	JF_METHOD_SHELL = 0, /* busybox: wget | decompress | dd */
	JF_METHOD_AGENT,     /* jmpflash-agent on the board (docs/agent.md); also --method fls */
} jf_flash_method;

typedef struct jf_flasher_opts {
	int version;
	const char *export_name;  /* NULL: the first flasher export */
	const char *force_bundle; /* --force-flash-bundle: instead of flasher_bundle */
	const char *variant;      /* --variant: instead of the config's/manifest's */
	bool console_debug;       /* transcript to the log at INFO */
	const char *transcript;   /* file for the console transcript; NULL: none */
	int cancel_fd;            /* readable => stop everything (JF_ECANCELED); -1: none */
	unsigned uboot_timeout_s; /* power on to U-Boot's prompt; 0: the config's uboot_timeout */
	unsigned boot_timeout_s;  /* bootcmd to login prompt; 0: the config's boot_timeout */
	jf_flash_event_cb on_event;
	void *user;
} jf_flasher_opts;

#define JF_FLASHER_OPTS_VERSION 1
#define JF_FLASHER_OPTS_INIT                                                                       \
	{                                                                                          \
		.version = JF_FLASHER_OPTS_VERSION, .cancel_fd = -1                                \
	}

/* Build a flasher from @exporter (which must outlive it). Nothing is
 * switched or started yet. */
int jf_flasher_new(jf_flasher **out, const jf_exporter *exporter, const jf_flasher_opts *opts,
                   jf_log *log, jf_err *err);
/* Power the board off if this flasher powered it on, stop the servers,
 * remove what it staged. NULL is fine. */
void jf_flasher_free(jf_flasher *f);

/* Boot these files instead of the bundle's (upstream's use_kernel & co). */
int jf_use_kernel(jf_flasher *f, const char *path, jf_err *err);
int jf_use_initram(jf_flasher *f, const char *path, jf_err *err);
int jf_use_dtb(jf_flasher *f, const char *path, jf_err *err);

/* One image onto one partition, for -t PART:FILE. */
typedef struct jf_flash_part {
	const char *partition; /* a partition label, or a target name */
	const char *image;
} jf_flash_part;

typedef struct jf_flash_opts {
	int version;
	const char *image;          /* file, http(s):// URL or oci://; NULL with parts */
	const char *target;         /* --target: a name from the manifest's targets */
	const char *partition;      /* --partition (upstream's form) */
	const jf_flash_part *parts; /* -t PART:FILE, in order */
	size_t nparts;
	const char *checksum;       /* --os-image-checksum: sha256 of the image as given */
	const char *checksum_file;  /* --os-image-checksum-file */
	bool force_exporter_http;   /* the host downloads URLs and serves them */
	const char *const *headers; /* "Key: Value" for URL downloads; NULL-terminated */
	const char *bearer;         /* bearer token for URL downloads */
	const char *cacert;         /* CA file for https downloads */
	bool insecure_tls;
	int retries; /* after a failed attempt; -1: JF_FLASH_RETRIES_DEFAULT */
	jf_flash_method method;
	bool no_power_off; /* leave the board on at the end */
	/* the agent method (docs/agent.md) */
	const char *bmap;           /* --bmap FILE; NULL: IMAGE.bmap when beside the image */
	const char *fls_binary_url; /* --fls-binary-url: the board runs that fls instead */
	const char *agent_dir;      /* where <arch>/jmpflash-agent is; NULL: defaults */
} jf_flash_opts;

/* How many times jf_flash() tries again after a retryable failure, unless
 * jf_flash_opts.retries says. */
#define JF_FLASH_RETRIES_DEFAULT 3

#define JF_FLASH_OPTS_VERSION 1
#define JF_FLASH_OPTS_INIT                                                                         \
	{                                                                                          \
		.version = JF_FLASH_OPTS_VERSION, .retries = -1, .method = JF_METHOD_AGENT         \
	}

/* Flash: set up the bundle and servers, boot the flasher shell, write,
 * verify, power off. A failed or unverified write is an error, never a
 * warning. JF_EUNREACHABLE when U-Boot never answered. */
int jf_flash(jf_flasher *f, const jf_flash_opts *opts, jf_err *err);

/* Boot to the U-Boot prompt (servers up, bundle staged) and hand the
 * console to the user until the escape sequence. */
int jf_bootloader_shell(jf_flasher *f, const jf_interact_opts *io, jf_err *err);
/* Boot the flasher kernel, log in, then hand over the busybox shell. */
int jf_busybox_shell(jf_flasher *f, const jf_interact_opts *io, jf_err *err);

/* True when a failure with @code is worth a power cycle and another try:
 * timeouts, a console that went away, TFTP/DHCP trouble. */
bool jf_flash_retryable(int code);

#ifdef __cplusplus
}
#endif

#endif
