#include "helpers.h"

#include "jmpflash/manifest.h"

static void test_manifest_ti_j784s4(void **state)
{
	jf_manifest m;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_manifest_load(&m, test_data("manifest-ti-j784s4.yaml"), NULL, &err), 0);
	assert_string_equal(m.name, "ti-j784s4");
	assert_string_equal(m.manufacturer, "Texas Instruments");
	assert_string_equal(m.bootcmd, "booti 0x82000000 - 0x84000000");
	assert_string_equal(m.shelltype, "busybox");
	assert_string_equal(m.default_target, "usd");
	assert_int_equal(m.ntargets, 2);
	assert_string_equal(jf_manifest_target_device(&m, "usd"), "/sys/class/block#4fb0000");
	assert_string_equal(jf_manifest_target_device(&m, "emmc"), "/sys/class/block#4f80000");
	assert_null(jf_manifest_target_device(&m, "sd"));
	assert_string_equal(m.login.type, "busybox");
	assert_string_equal(m.login.login_prompt, "login:");
	assert_string_equal(m.login.username, "root");
	assert_null(m.login.password);
	assert_string_equal(m.login.prompt, "#");
	assert_string_equal(m.kernel.file, "data/J784S4XEVM.flasher.img");
	assert_true(m.kernel.address == 0x82000000ull);
	assert_false(m.has_initram);
	assert_true(m.has_dtb);
	assert_true(m.dtb.address == 0x84000000ull);
	assert_int_equal(m.nvariants, 1);
	assert_string_equal(jf_manifest_variant_get(&m, NULL)->file, "data/dtbs/k3-j784s4-evm.dtb");
	assert_string_equal(jf_manifest_bootcmd(&m, NULL), "booti 0x82000000 - 0x84000000");
	assert_null(jf_manifest_bootcmd(&m, "nope"));
	assert_int_equal(m.npreflash, 0);
	jf_manifest_dispose(&m);
}

static void test_manifest_test_style(void **state)
{
	jf_manifest m;
	jf_err err = JF_ERR_INIT;
	test_log t;

	(void)state;
	test_log_init(&t);
	assert_int_equal(jf_manifest_load(&m, test_data("manifest-test.yaml"), &t.log, &err), 0);
	assert_true(m.has_initram);
	assert_string_equal(m.initram.file, "data/initramfs.cpio.gz");
	assert_true(m.initram.address == 0x44000000ull);
	assert_int_equal(m.npreflash, 2);
	assert_string_equal(m.preflash_commands[0], "dd if=/dev/zero of=/dev/vda bs=512 count=34");
	assert_string_equal(m.login.password, "s3cr3t-pw");
	assert_int_equal(m.nvariants, 3);
	/* a file-only variant boots with spec.bootcmd */
	assert_string_equal(jf_manifest_bootcmd(&m, "qemu-virt"),
	                    "booti 0x40400000 0x44000000:${filesize} 0x48000000");
	/* a bootcmd-only variant loads no DTB file */
	assert_null(jf_manifest_variant_get(&m, "uboot-fdt")->file);
	assert_string_equal(jf_manifest_bootcmd(&m, "uboot-fdt"),
	                    "booti 0x40400000 0x44000000:${filesize} ${fdtcontroladdr}");
	/* a variant with both */
	assert_string_equal(jf_manifest_variant_get(&m, "both")->file, "data/dtbs/other.dtb");
	assert_string_equal(jf_manifest_bootcmd(&m, "both"), "booti 0x40400000 - 0x48000000");
	assert_string_equal(jf_manifest_target_device(&m, "second"),
	                    "/sys/class/block#0000:00:03.0");
	/* the password is now a registered secret */
	jf_info(&t.log, "console", "sent %s", "s3cr3t-pw");
	assert_non_null(strstr(t.text, "sent ***"));
	jf_manifest_dispose(&m);
	test_log_dispose(&t);
}

/* A short login password cannot be refused (the board needs it), so it is
 * warned about where it is written. */
static void test_manifest_short_password_warned(void **state)
{
	static const char text[] = "apiVersion: jumpstarter.dev/v1alpha1\n"
	                           "kind: FlashBundleManifest\n"
	                           "spec:\n"
	                           "  bootcmd: booti\n"
	                           "  default_target: d\n"
	                           "  targets: {d: /dev/vda}\n"
	                           "  login: {username: root, password: pw}\n"
	                           "  kernel: {file: Image, address: \"0x1\"}\n";
	jf_manifest m;
	jf_err err = JF_ERR_INIT;
	test_log t;

	(void)state;
	test_log_init(&t);
	assert_int_equal(jf_manifest_load_string(&m, "m.yaml", text, &t.log, &err), 0);
	assert_int_equal(t.warnings, 1);
	assert_non_null(strstr(t.text, "m.yaml:7:37: spec.login.password has 2 characters: too "
	                               "short to mask safely"));
	jf_manifest_dispose(&m);
	test_log_dispose(&t);
}

static void test_manifest_fit(void **state)
{
	jf_manifest m;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_manifest_load(&m, test_data("manifest-fit.yaml"), NULL, &err), 0);
	assert_string_equal(m.kernel.file, "data/flasher.itb");
	assert_null(m.link);
	assert_string_equal(jf_manifest_bootcmd(&m, NULL), "bootm 0x90000000#board-a");
	assert_string_equal(jf_manifest_bootcmd(&m, "board-b"), "bootm 0x90000000#board-b");
	assert_null(jf_manifest_variant_get(&m, "board-b")->file);
	assert_string_equal(jf_manifest_variant_get(&m, "custom")->file, "data/dtbs/custom.dtb");
	assert_string_equal(jf_manifest_bootcmd(&m, "custom"),
	                    "bootm 0x90000000:kernel 0x90000000:initrd 0x88000000");
	assert_true(m.dtb.address == 0x88000000ull);
	jf_manifest_dispose(&m);
}

static void test_manifest_defaults_and_no_dtb(void **state)
{
	const char *text = "spec:\n"
	                   "  bootcmd: bootm 0x58000000  # FIT with its own DTB\n"
	                   "  default_target: emmc\n"
	                   "  targets: {emmc: /dev/mmcblk0}\n"
	                   "  kernel: {file: data/Image.itb, address: 0x58000000}\n";
	jf_manifest m;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_manifest_load_string(&m, "r.yaml", text, NULL, &err), 0);
	assert_string_equal(m.api_version, "jumpstarter.dev/v1alpha1");
	assert_string_equal(m.kind, "FlashBundleManifest");
	assert_string_equal(m.login.login_prompt, "login:");
	assert_string_equal(m.login.prompt, "#");
	assert_null(m.login.username);
	assert_false(m.has_dtb);
	assert_string_equal(jf_manifest_bootcmd(&m, NULL), "bootm 0x58000000");
	/* an unquoted hex address is read as written */
	assert_true(m.kernel.address == 0x58000000ull);
	jf_manifest_dispose(&m);
}

static void test_manifest_malformed_inputs(void **state)
{
	static const struct {
		const char *file;
		const char *msg;
	} cases[] = {
	    {"m-unknown-default.yaml", "12:14: spec.dtb.default 'board-c' is not one of "
	                               "spec.dtb.variants; name an existing variant or add it"},
	    {"m-nonhex.yaml", "10:14: spec.kernel.address '0x8200zz00' is not an address; write "
	                      "it in hex, quoted: \"0x82000000\""},
	    {"m-dotdot.yaml", "9:11: spec.kernel.file 'data/../../etc/shadow' must be a path "
	                      "inside the bundle: relative, without '..' (e.g. data/Image)"},
	    {"m-absolute.yaml", "9:11: spec.kernel.file '/boot/Image' must be a path inside the "
	                        "bundle: relative, without '..' (e.g. data/Image)"},
	    {"m-bad-default-target.yaml", "5:19: spec.default_target 'usd' is not one of "
	                                  "spec.targets; name an existing target"},
	    {"m-no-bootcmd.yaml", "4:3: 'spec.bootcmd' is required; add it"},
	    {"m-bad-target.yaml", "7:11: target 'emmc' is 'mmcblk0'; write a device path "
	                          "(/dev/mmcblk0) or /sys/class/block#ADDRESS"},
	    {"m-dtb-dotdot.yaml", "16:15: spec.dtb.variants.a.file '../a.dtb' must be a path "
	                          "inside the bundle: relative, without '..' (e.g. data/Image)"},
	    {"m-kernel-list.yaml", "9:5: 'kernel' must be a mapping (key: value lines), not a "
	                           "list"},
	    {"empty.yaml", " the file is empty; it needs YAML content"},
	    {"garbage.yaml", " byte 7 is a NUL byte; this is binary data, not a YAML file"},
	    {"tabs.yaml", "4:1: tab character; YAML indents with spaces only, replace the tab "
	                  "with spaces"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[4096], want[8192];
		jf_err err = JF_ERR_INIT;
		jf_manifest m;

		assert_true(snprintf(path, sizeof(path), "%s/bad/%s", JF_TEST_DATA, cases[i].file) <
		            (int)sizeof(path));
		assert_true(snprintf(want, sizeof(want), "%s:%s", path, cases[i].msg) <
		            (int)sizeof(want));
		assert_int_equal(jf_manifest_load(&m, path, NULL, &err), JF_ECONFIG);
		assert_string_equal(err.msg, want);
		assert_null(m.bootcmd);
	}
}

static void test_manifest_inline_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
	    {"kind: ExporterConfig\nspec: {}\n",
	     "i.yaml:1:7: kind is 'ExporterConfig', but a bundle manifest has kind: "
	     "FlashBundleManifest (this is an exporter config: use 'jmpflash config check')"},
	    {"apiVersion: v2\nspec: {}\n",
	     "i.yaml:1:13: apiVersion 'v2' is not supported; use jumpstarter.dev/v1alpha1"},
	    {"metadata: {name: x}\n", "i.yaml:1:1: there is no 'spec:' section; a bundle "
	                              "manifest describes the board under spec:"},
	    {"spec:\n  bootcmd: b\n  shelltype: bash\n",
	     "i.yaml:3:14: spec.shelltype 'bash' is not supported; use busybox"},
	    {"spec:\n  bootcmd: b\n  default_target: a\n  targets: {}\n",
	     "i.yaml:4:12: spec.targets is empty; name at least one"},
	    {"spec:\n  bootcmd: b\n  default_target: a\n  targets: {a: /dev/a}\n"
	     "  login: {password: pw}\n  kernel: {file: k, address: '0x1'}\n",
	     "i.yaml:5:10: spec.login has a password but no username; add 'username:'"},
	    {"spec:\n  bootcmd: b\n  default_target: a\n  targets: {a: /dev/a}\n"
	     "  kernel: {file: k}\n",
	     "i.yaml:5:11: 'spec.kernel.address' is required; add it"},
	    {"spec:\n  bootcmd: b\n  default_target: a\n  targets: {a: /dev/a}\n"
	     "  kernel: {file: k, address: '0x1'}\n  dtb: {default: a, variants: {a: {file: "
	     "a.dtb}}}\n",
	     "i.yaml:6:8: 'spec.dtb.address' is required; add it"},
	    {"spec:\n  bootcmd: b\n  default_target: a\n  targets: {a: '/sys/class/block#'}\n",
	     "i.yaml:4:16: target 'a' needs an address after the '#'"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		jf_err err = JF_ERR_INIT;
		jf_manifest m;

		assert_int_equal(jf_manifest_load_string(&m, "i.yaml", cases[i].text, NULL, &err),
		                 JF_ECONFIG);
		assert_string_equal(err.msg, cases[i].msg);
	}
}

static void test_bundle_path_ok(void **state)
{
	(void)state;
	assert_true(jf_bundle_path_ok("data/Image"));
	assert_true(jf_bundle_path_ok("a..b/c"));
	assert_false(jf_bundle_path_ok(""));
	assert_false(jf_bundle_path_ok("/abs"));
	assert_false(jf_bundle_path_ok(".."));
	assert_false(jf_bundle_path_ok("a/../b"));
	assert_false(jf_bundle_path_ok("a//b"));
	assert_false(jf_bundle_path_ok("a/"));
	assert_false(jf_bundle_path_ok("a\\..\\b"));
	assert_false(jf_bundle_path_ok("a\nb"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_manifest_ti_j784s4),
	    cmocka_unit_test(test_manifest_test_style),
	    cmocka_unit_test(test_manifest_fit),
	    cmocka_unit_test(test_manifest_short_password_warned),
	    cmocka_unit_test(test_manifest_defaults_and_no_dtb),
	    cmocka_unit_test(test_manifest_malformed_inputs),
	    cmocka_unit_test(test_manifest_inline_errors),
	    cmocka_unit_test(test_bundle_path_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
