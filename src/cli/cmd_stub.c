/* Commands whose modules have not landed yet. Each shows its full --help
 * (the options it will take) and otherwise says plainly that it does not
 * work yet, with exit code 2: none of them pretends to work. */
#include <stdio.h>

#include "cli.h"

static int not_yet(const char *prefix, const cli_cmd *cmd, int argc, char **argv)
{
	int c;

	while ((c = cli_getopt(prefix, cmd, argc, argv)) != -1) {
		if (c == CLI_HELP_ID) {
			cli_help(prefix, cmd);
			return JF_EXIT_OK;
		}
		if (c == '?')
			return JF_EXIT_USAGE;
	}
	fprintf(stderr,
		"jmpflash: '%s %s' is not implemented yet in jmpflash %s; today jmpflash can "
		"check configs ('jmpflash config check') and inspect bundles ('jmpflash bundle "
		"inspect DIR')\n",
		prefix, cmd->name, JF_VERSION);
	return JF_EXIT_USAGE;
}

enum {
	O_PARTITION = 0x100, O_CHECKSUM, O_CHECKSUM_FILE, O_FORCE_HTTP, O_FORCE_BUNDLE,
	O_CONSOLE_DEBUG, O_CACERT, O_HEADER, O_BEARER, O_RETRIES, O_METHOD, O_POWER_OFF,
	O_NO_POWER_OFF, O_VARIANT, O_JSON, O_TARGET, O_KERNEL, O_INITRAM, O_DTB, O_LOG,
	O_MANIFEST,
};

static const cli_opt flash_opts[] = {
	{"target", 0, "NAME", "Target from the manifest's targets (default: default_target)",
	 O_TARGET},
	{"target-file", 't', "PART:FILE", "Flash FILE to partition PART (repeatable)", 0},
	{"partition", 0, "TEXT", "Partition (label) or target name to flash", O_PARTITION},
	{"os-image-checksum", 0, "TEXT", "SHA256 checksum of OS image (direct value)", O_CHECKSUM},
	{"os-image-checksum-file", 0, "FILE", "File containing SHA256 checksum of OS image",
	 O_CHECKSUM_FILE},
	{"force-exporter-http", 0, NULL, "Force use of exporter HTTP", O_FORCE_HTTP},
	{"force-flash-bundle", 0, "TEXT", "Force use of a specific flasher OCI bundle",
	 O_FORCE_BUNDLE},
	{"console-debug", 0, NULL, "Enable console debug mode", O_CONSOLE_DEBUG},
	{"cacert", 0, "FILE", "CA certificate to use for HTTPS", O_CACERT},
	{"insecure-tls", 'k', NULL, "Skip TLS certificate verification", 0},
	{"header", 0, "'K: V'", "Extra HTTP header for the image download (repeatable)", O_HEADER},
	{"bearer", 0, "TOKEN", "Bearer token for the image download", O_BEARER},
	{"retries", 0, "N", "Retries after a failed attempt (default 3)", O_RETRIES},
	{"method", 0, "agent|shell", "How the board writes the image (default agent)", O_METHOD},
	{"power-off", 0, NULL, "Power the board off when done (default)", O_POWER_OFF},
	{"no-power-off", 0, NULL, "Leave the board powered when done", O_NO_POWER_OFF},
	{"variant", 0, "DTB", "DTB variant from the bundle manifest", O_VARIANT},
	{"kernel", 0, "FILE", "Boot this kernel instead of the bundle's", O_KERNEL},
	{"initram", 0, "FILE", "Boot this initramfs instead of the bundle's", O_INITRAM},
	{"dtb", 0, "FILE", "Boot this device tree instead of the bundle's", O_DTB},
	{"json", 0, NULL, "Print the result as JSON", O_JSON},
	CLI_OPT_END,
};

static const cli_opt shell_opts[] = {
	{"console-debug", 0, NULL, "Enable console debug mode", O_CONSOLE_DEBUG},
	CLI_OPT_END,
};

static int flash_run(cli_ctx *ctx, int argc, char **argv);
static int bootloader_run(cli_ctx *ctx, int argc, char **argv);
static int busybox_run(cli_ctx *ctx, int argc, char **argv);

const cli_cmd cli_storage_cmds[] = {
	{"bootloader-shell", "[OPTIONS]", "Start a uboot/bootloader interactive console",
	 shell_opts, bootloader_run},
	{"busybox-shell", "[OPTIONS]", "Start a busybox shell", shell_opts, busybox_run},
	{"flash", "[OPTIONS] FILE", "Flash image to DUT from file", flash_opts, flash_run},
	{NULL, NULL, NULL, NULL, NULL},
};

static int flash_run(cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	return not_yet("jmpflash storage", &cli_storage_cmds[2], argc, argv);
}

static int bootloader_run(cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	return not_yet("jmpflash storage", &cli_storage_cmds[0], argc, argv);
}

static int busybox_run(cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	return not_yet("jmpflash storage", &cli_storage_cmds[1], argc, argv);
}
