/* --help shows each default from the one place it is defined (the config
 * schema, jf_flash's and jf_power's constants), never a copy: the help texts
 * name the default ("{flasher.uboot_timeout}") and the printed --help has
 * the value read from its source here. */
#include "helpers.h"

#include <regex.h>
#include <unistd.h>

#include "cli/bundle_cli.h"
#include "cli/cli.h"
#include "jmpflash/flasher.h"

static const cli_cmd serve_cmd = {"serve", "[OPTIONS]", "serve", cli_serve_opts, NULL};
static const cli_cmd serial_cmd = {"serial", "[OPTIONS]", "serial", cli_serial_opts, NULL};
static const cli_cmd pull_cmd = {"pull", "[OPTIONS]", "pull", cli_bundle_pull_opts, NULL};
static const cli_cmd push_cmd = {"push", "[OPTIONS]", "push", cli_bundle_push_opts, NULL};

/* Every command that has options, for the checks that walk them all. */
static const cli_cmd *all_cmds(size_t i)
{
	static const cli_cmd *const single[] = {&serve_cmd, &serial_cmd, &pull_cmd, &push_cmd};
	static const cli_cmd *const groups[] = {cli_storage_cmds, cli_power_cmds, cli_bundle_cmds,
	                                        cli_config_cmds};
	size_t nsingle = sizeof(single) / sizeof(single[0]);

	if (i < nsingle)
		return single[i];
	i -= nsingle;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (const cli_cmd *c = groups[g]; c->name; c++)
			if (i-- == 0)
				return c;
	return NULL;
}

/* What cli_help prints for @cmd (it writes to stdout). */
static char *help_of(const cli_cmd *cmd)
{
	char path[] = "/tmp/jf-help-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDOUT_FILENO);
	static char text[16384];
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	fflush(stdout);
	assert_true(dup2(fd, STDOUT_FILENO) >= 0);
	cli_help("jmpflash", cmd);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	assert_true(n > 0);
	text[n] = '\0';
	return text;
}

static const cli_opt *find_opt(const cli_cmd *cmd, const char *name)
{
	for (const cli_opt *o = cmd->opts; o && o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	fail_msg("%s has no --%s", cmd->name, name);
	return NULL;
}

/* --@opt of @cmd: its help text spells no default, and --help prints
 * @phrase (printf-style around @value, the default read from its source). */
static void expect_default(const cli_cmd *cmd, const char *opt, const char *phrase,
                           const char *value)
{
	const cli_opt *o = find_opt(cmd, opt);
	char want[256];

	assert_non_null(value);
	assert_true(*value);
	snprintf(want, sizeof(want), phrase, value);
	if (!strstr(help_of(cmd), want))
		fail_msg("%s --help does not say '%s':\n%s", cmd->name, want, help_of(cmd));
	if (strstr(o->help, want))
		fail_msg("--%s's help text spells its default: '%s'", opt, o->help);
	assert_non_null(strchr(o->help, '{'));
}

static void test_storage_defaults_come_from_the_schema_and_jf_flash(void **state)
{
	static const jf_flash_opts init = JF_FLASH_OPTS_INIT;
	const char *uboot = jf_config_default("jmpflash.flasher", "uboot_timeout");
	const char *boot = jf_config_default("jmpflash.flasher", "boot_timeout");
	char retries[16];

	(void)state;
	snprintf(retries, sizeof(retries), "%d", JF_FLASH_RETRIES_DEFAULT);
	for (size_t i = 0; i < 3; i++) { /* bootloader-shell, busybox-shell, flash */
		expect_default(&cli_storage_cmds[i], "uboot-timeout", "(default %s)", uboot);
		expect_default(&cli_storage_cmds[i], "boot-timeout", "(default %s)", boot);
	}
	expect_default(&cli_storage_cmds[2], "retries", "(default %s)", retries);
	expect_default(&cli_storage_cmds[2], "method", "(default %s: jmpflash-agent",
	               cli_method_names[init.method]);
}

static void test_serve_ports_come_from_the_schema(void **state)
{
	(void)state;
	expect_default(&serve_cmd, "tftp-port", "(default %s; 0 picks",
	               jf_config_default("jmpflash.tftp", "port"));
	expect_default(&serve_cmd, "http-port", "(default %s; 0 picks",
	               jf_config_default("jmpflash.http", "port"));
}

static void test_power_off_time_comes_from_the_power_drivers(void **state)
{
	(void)state;
	/* the drivers with an off_time of their own take it from the same place */
	assert_string_equal(jf_config_default("jmpflash.power.command", "off_time"),
	                    JF_POWER_OFF_TIME_DEFAULT);
	for (size_t i = 0; cli_power_cmds[i].name; i++)
		expect_default(&cli_power_cmds[i], "off-time", "the driver's, %s s)",
		               JF_POWER_OFF_TIME_DEFAULT);
}

static void test_bundle_defaults_come_from_the_schema(void **state)
{
	const char *cache = jf_config_default("jmpflash.flasher", "cache_dir");

	(void)state;
	expect_default(&cli_bundle_cmds[0], "manifest", "(default %s)",
	               jf_config_default("jmpflash.flasher", "manifest"));
	expect_default(&cli_bundle_cmds[0], "cache-dir", "$JMPFLASH_CACHE_DIR, %s or", cache);
	expect_default(&pull_cmd, "cache-dir", "$JMPFLASH_CACHE_DIR, %s or", cache);
}

/* A new option cannot spell a number as its default, and every {name} in a
 * help text is one cli_help_text knows. */
static void test_no_help_text_spells_a_default(void **state)
{
	regex_t number;
	const cli_cmd *c;

	(void)state;
	assert_int_equal(regcomp(&number, "default:? [0-9]", REG_EXTENDED | REG_NOSUB), 0);
	for (size_t i = 0; (c = all_cmds(i)); i++)
		for (const cli_opt *o = c->opts; o && o->name; o++) {
			char text[512];

			if (regexec(&number, o->help, 0, NULL, 0) == 0)
				fail_msg("%s --%s spells its default: '%s'; write {DRIVER.KEY} "
				         "(cli_help_text)",
				         c->name, o->name, o->help);
			cli_help_text(text, sizeof(text), o->help);
			if (strchr(text, '{') || (strchr(text, '?') && !strchr(o->help, '?')))
				fail_msg("%s --%s: an unknown default in '%s' -> '%s'", c->name,
				         o->name, o->help, text);
		}
	regfree(&number);
}

static void test_help_text_fills_in_each_name(void **state)
{
	char text[64], want[64];

	(void)state;
	snprintf(want, sizeof(want), "? and ?, %s", jf_config_default("jmpflash.tftp", "port"));
	cli_help_text(text, sizeof(text), "{nope} and {flasher.nope}, {tftp.port}");
	assert_string_equal(text, want);
	cli_help_text(text, sizeof(text), "no default");
	assert_string_equal(text, "no default");
	cli_help_text(text, 8, "0123456789{tftp.port}");
	assert_string_equal(text, "0123456");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_storage_defaults_come_from_the_schema_and_jf_flash),
	    cmocka_unit_test(test_serve_ports_come_from_the_schema),
	    cmocka_unit_test(test_power_off_time_comes_from_the_power_drivers),
	    cmocka_unit_test(test_bundle_defaults_come_from_the_schema),
	    cmocka_unit_test(test_no_help_text_spells_a_default),
	    cmocka_unit_test(test_help_text_fills_in_each_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
