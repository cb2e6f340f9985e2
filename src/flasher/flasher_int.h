/* Private to src/flasher/: the flasher's state and its step modules. */
#ifndef JF_FLASHER_INT_H
#define JF_FLASHER_INT_H

#include "jmpflash/bundle.h"
#include "jmpflash/console.h"
#include "jmpflash/flasher.h"
#include "jmpflash/http.h"
#include "jmpflash/manifest.h"
#include "jmpflash/power.h"
#include "jmpflash/tftp.h"

#define JF_COMPONENT "flasher"

/* A file U-Boot loads over TFTP. */
typedef struct jf_boot_file {
	char *override; /* use_kernel & co: a local file */
	char *name;     /* served name (basename) under the TFTP root */
	uint64_t size;
	const char *address; /* manifest's, as written */
	bool staged;         /* we put it in the TFTP root (and remove it at the end) */
} jf_boot_file;

/* The network details U-Boot's dhcp gave. */
typedef struct jf_dhcp_info {
	char ipaddr[64], netmask[64], gatewayip[64];
} jf_dhcp_info;

struct jf_flasher {
	const jf_exporter *exporter;
	jf_flasher_opts opts;
	jf_log *log;
	jf_flasher_config cfg;
	const jf_driver *driver;

	jf_power *power;
	jf_console *con;
	jf_console_opts con_opts;
	bool power_first; /* the console exists only once the board is on (QEMU) */

	/* bundle */
	jf_bundle_client *bundle;
	jf_bundle_opts bundle_opts;
	jf_bundle_info bundle_info;
	bool have_bundle;
	jf_manifest manifest;
	bool have_manifest;
	const char *variant;
	jf_boot_file kernel, initram, dtb;

	/* servers */
	jf_tftp_server *tftp;
	jf_http_server *http;
	char serverip[64]; /* the TFTP server's address as the board sees it */
	char *board_dir;   /* shared_server: this board's subdirectory of both roots */
	char *http_stage;  /* shared_server: http_dir/board_dir (cfg.http_dir points here) */

	/* the board's shell */
	char prompt[48]; /* unique prompt set after login */
	jf_dhcp_info dhcp;

	uint64_t t0_us; /* start of the current operation */
	unsigned attempt;
};

/* events.c */
void jf_flasher__event(jf_flasher *f, jf_flash_event_kind kind, const char *step, int result,
                       const char *message);
void jf_flasher__progress(jf_flasher *f, uint64_t done, uint64_t total, double rate);
int jf_flasher__step_end(jf_flasher *f, const char *step, int error, jf_err *err);
bool jf_flasher__canceled(jf_flasher *f);

/* setup.c: bundle, boot files, servers */
int jf_flasher__setup(jf_flasher *f, jf_err *err);
void jf_flasher__teardown(jf_flasher *f);
/* The URL the board fetches @served (a name under the HTTP root) from:
 * this process's server, or the shared one under board_dir/. */
int jf_flasher__served_url(jf_flasher *f, const char *served, char **out, jf_err *err);

/* uboot.c */
/* What U-Boot prints when something failed, the code it means and what to
 * tell the user; @boot: also seen after the boot command (shell.c waits
 * for the login prompt with these). */
typedef struct jf_flasher__uboot_error {
	const char *text;
	int code;
	const char *says;
	bool boot;
} jf_flasher__uboot_error;
extern const jf_flasher__uboot_error jf_flasher__uboot_errors[];
extern const size_t jf_flasher__uboot_nerrors;

int jf_flasher__uboot_reach_prompt(jf_flasher *f, jf_err *err);
int jf_flasher__uboot_cmd(jf_flasher *f, const char *cmd, unsigned timeout_s, jf_buf *out,
                          jf_err *err);
int jf_flasher__uboot_network(jf_flasher *f, jf_err *err);
int jf_flasher__uboot_load(jf_flasher *f, jf_err *err);
int jf_flasher__uboot_boot(jf_flasher *f, jf_err *err);

/* shell.c */
int jf_flasher__shell_login(jf_flasher *f, jf_err *err);
/* Run @cmd on the board's shell; a non-zero exit status is an error that
 * carries the command's output. @out (may be NULL) gets stdout+stderr. */
int jf_flasher__shell_run(jf_flasher *f, const char *cmd, unsigned timeout_s, jf_buf *out,
                          jf_err *err);
/* As upstream: make sure the flasher shell has an address (udhcpc when it
 * has no default route) and the right time (for TLS). */
int jf_flasher__shell_network(jf_flasher *f, jf_err *err);
/* The last non-empty line of @text (*len bytes, 0 when none), skipping
 * lines that contain @skip (may be NULL): what a failing command said. */
const char *jf_flasher__shell_last_line(const char *text, const char *skip, size_t *len);
/* Quote @s for the board's shell ('...'). */
int jf_flasher__shell_quote(jf_buf *out, const char *s);

/* boot.c: power on/cycle, reach U-Boot, network, load, boot, log in */
int jf_flasher__boot_uboot(jf_flasher *f, jf_err *err);
int jf_flasher__boot_shell(jf_flasher *f, jf_err *err);
void jf_flasher__close_console(jf_flasher *f);
/* --console-debug: every console line goes to the log. */
void jf_flasher__console_debug(jf_flasher *f);

#endif
