#include "helpers.h"

#include "cli/progress.h"
#include "flasher/flasher_int.h"
#include "flasher/target.h"
#include "flasher/write.h"
#include "jmpflash/flasher.h"
#include "jmpflash/manifest.h"

static jf_manifest ti;

static int load_ti(void **state)
{
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_manifest_load(&ti, test_data("manifest-ti-j784s4.yaml"), NULL, &err),
	                 0);
	return 0;
}

static int free_ti(void **state)
{
	(void)state;
	jf_manifest_dispose(&ti);
	return 0;
}

static void test_target_defaults_and_overrides(void **state)
{
	jf_target t;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_flasher__target_pick(&t, &ti, NULL, NULL, NULL, &err), 0);
	assert_string_equal(t.name, "usd");
	assert_string_equal(t.device, "/sys/class/block#4fb0000");
	assert_null(t.partlabel);
	/* the exporter's default_target wins over the manifest's */
	assert_int_equal(jf_flasher__target_pick(&t, &ti, "emmc", NULL, NULL, &err), 0);
	assert_string_equal(t.name, "emmc");
	/* and --target over both */
	assert_int_equal(jf_flasher__target_pick(&t, &ti, "emmc", "usd", NULL, &err), 0);
	assert_string_equal(t.name, "usd");
}

static void test_target_partition_rules(void **state)
{
	jf_target t;
	jf_err err = JF_ERR_INIT;

	(void)state;
	/* upstream: a partition that names a target is that target */
	assert_int_equal(jf_flasher__target_pick(&t, &ti, NULL, NULL, "emmc", &err), 0);
	assert_string_equal(t.name, "emmc");
	assert_null(t.partlabel);
	/* otherwise it is a partition label on the chosen target */
	assert_int_equal(jf_flasher__target_pick(&t, &ti, NULL, "emmc", "rootfs", &err), 0);
	assert_string_equal(t.name, "emmc");
	assert_string_equal(t.partlabel, "rootfs");
	assert_int_equal(jf_flasher__target_pick(&t, &ti, NULL, NULL, "root fs", &err), JF_EINVAL);
	assert_string_equal(err.msg,
	                    "partition label 'root fs' has characters a label cannot have");
	assert_int_equal(jf_flasher__target_pick(&t, &ti, NULL, NULL, "a'b", &err), JF_EINVAL);
}

static void test_target_unknown_name(void **state)
{
	jf_target t;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_flasher__target_pick(&t, &ti, NULL, "sd", NULL, &err), JF_ECONFIG);
	assert_string_equal(err.msg, "target 'sd' is not in the bundle's targets (usd, emmc)");
	assert_int_equal(jf_flasher__target_pick(&t, &ti, "nvme", NULL, NULL, &err), JF_ECONFIG);
}

static void test_target_board_lookups(void **state)
{
	jf_buf b = JF_BUF_INIT;
	const char *addr;
	char dev[64];

	(void)state;
	assert_int_equal(jf_flasher__target_sysfs_address("/sys/class/block#4fb0000", &addr), 1);
	assert_string_equal(addr, "4fb0000");
	assert_int_equal(jf_flasher__target_sysfs_address("/dev/mmcblk0", &addr), 0);
	assert_int_equal(jf_flasher__target_find_disk_cmd(&b, "0000:00:05.0"), 0);
	assert_non_null(strstr(b.ptr, "*'0000:00:05.0'*"));
	assert_non_null(strstr(b.ptr, "[ -e $d/partition ] && continue"));
	jf_buf_clear(&b);
	assert_int_equal(jf_flasher__target_find_part_cmd(&b, "vdb", "rootfs"), 0);
	assert_non_null(strstr(b.ptr, "grep -qx PARTNAME=rootfs $p/uevent"));
	jf_buf_free(&b);
	assert_int_equal(jf_flasher__target_parse_dev(dev, sizeof(dev), "junk\r\njf-dev=vdb\r\n"),
	                 0);
	assert_string_equal(dev, "/dev/vdb");
	assert_int_equal(jf_flasher__target_parse_dev(dev, sizeof(dev), "nothing"), -1);
	assert_int_equal(jf_flasher__target_parse_dev(dev, sizeof(dev), "jf-dev=../x"), -1);
	assert_int_equal(jf_flasher__target_parse_dev(dev, sizeof(dev), NULL), -1);
}

static void test_write_script_local_image(void **state)
{
	jf_write_job job = {"http://10.0.2.2:8080/a-img.xz",
	                    "xzcat",
	                    NULL,
	                    NULL,
	                    4096 * 100,
	                    "ab",
	                    NULL,
	                    "/dev/vda",
	                    NULL};
	jf_buf b = JF_BUF_INIT;

	(void)state;
	assert_int_equal(jf_flasher__write_script(&b, &job), 0);
	assert_non_null(strstr(b.ptr,
	                       "wget -q -O - 'http://10.0.2.2:8080/a-img.xz' | xzcat | dd "
	                       "of='/dev/vda' bs=1M iflag=fullblock oflag=direct 2>/tmp/jf.dd\n"));
	assert_non_null(strstr(b.ptr, "set -o pipefail\n"));
	/* the host knows the raw hash: no stream hashing on the board */
	assert_null(strstr(b.ptr, "tee"));
	jf_buf_free(&b);
}

static void test_write_script_direct_url(void **state)
{
	const char *headers[] = {"X-Token: it's", NULL};
	jf_write_job job = {
	    "https://h/img.gz?x=1", "zcat", headers, "tok", 0, NULL, "cafe", "/dev/vdb2", NULL};
	jf_buf b = JF_BUF_INIT;

	(void)state;
	assert_int_equal(jf_flasher__write_script(&b, &job), 0);
	assert_non_null(strstr(b.ptr,
	                       "--header 'X-Token: it'\\''s' --header 'Authorization: "
	                       "Bearer tok' 'https://h/img.gz?x=1' | tee /tmp/jf.f2 | zcat | "
	                       "tee /tmp/jf.f1 /tmp/jf.f3 | dd of='/dev/vdb2'"));
	/* unknown size: no O_DIRECT (a partial last sector would fail) */
	assert_non_null(strstr(b.ptr, "conv=fsync"));
	assert_null(strstr(b.ptr, "oflag=direct"));
	assert_non_null(strstr(b.ptr, "sha256sum </tmp/jf.f1 >/tmp/jf.sum & wc -c </tmp/jf.f3 "
	                              ">/tmp/jf.n &"));
	assert_non_null(strstr(b.ptr, "sha256sum </tmp/jf.f2 >/tmp/jf.csum &"));
	jf_buf_free(&b);
	/* a board tool that checks TLS against the served CA file */
	job.fetch = "curl -fSsL --cacert /tmp/jf-ca.pem";
	assert_int_equal(jf_flasher__write_script(&b, &job), 0);
	assert_non_null(strstr(b.ptr, "\ncurl -fSsL --cacert /tmp/jf-ca.pem --header 'X-Token: "));
	assert_null(strstr(b.ptr, "wget"));
	jf_buf_free(&b);
}

static void test_write_classify(void **state)
{
	const char *says;

	(void)state;
	assert_int_equal(jf_flasher__write_classify(
	                     "wget: server returned error: HTTP/1.1 404 Not Found", &says),
	                 JF_ENOTFOUND);
	assert_int_equal(jf_flasher__write_classify("xzcat: unexpected end of input", &says),
	                 JF_EINTEGRITY);
	assert_string_equal(says, "the image is truncated");
	assert_int_equal(jf_flasher__write_classify(
	                     "dd: error writing '/dev/vda': No space left on device", &says),
	                 JF_EINVAL);
	assert_int_equal(jf_flasher__write_classify("wget: can't connect to remote host", &says),
	                 JF_EPROTO);
	assert_int_equal(jf_flasher__write_classify(NULL, &says), JF_EPROTO);
	/* a cut download (e2e write-cut): the network, not a corrupt image */
	assert_int_equal(jf_flasher__write_classify("wget: connection closed prematurely\n"
	                                            "xzcat: corrupted data",
	                                            &says),
	                 JF_EPROTO);
	assert_string_equal(says, "the image download was cut off");
}

static void test_last_line_of_output(void **state)
{
	size_t len;
	const char *p;

	(void)state;
	p = jf_flasher__shell_last_line("a\r\nwget: 404 Not Found\r\n\r\n", NULL, &len);
	assert_int_equal(len, strlen("wget: 404 Not Found"));
	assert_memory_equal(p, "wget: 404 Not Found", len);
	/* dd's record counts are not what failed */
	p = jf_flasher__shell_last_line(
	    "xzcat: unexpected end of input\n0+1 records in\n0+1 records out\n", " records ", &len);
	assert_int_equal(len, strlen("xzcat: unexpected end of input"));
	assert_memory_equal(p, "xzcat: unexpected end of input", len);
	jf_flasher__shell_last_line("\r\n\n", NULL, &len);
	assert_int_equal(len, 0);
}

static void test_retry_classification(void **state)
{
	(void)state;
	/* a board that hiccups is worth another power cycle */
	assert_true(jf_flash_retryable(JF_ETIMEOUT));
	assert_true(jf_flash_retryable(JF_EIO));
	assert_true(jf_flash_retryable(JF_EPROTO));
	/* what another try cannot fix */
	assert_false(jf_flash_retryable(JF_EINTEGRITY));
	assert_false(jf_flash_retryable(JF_ENOTFOUND));
	assert_false(jf_flash_retryable(JF_ECONFIG));
	assert_false(jf_flash_retryable(JF_EINVAL));
	assert_false(jf_flash_retryable(JF_EUNREACHABLE));
	assert_false(jf_flash_retryable(JF_ECANCELED));
}

static void test_progress_bar_format(void **state)
{
	jf_flash_event ev = {JF_EV_PROGRESS,   "write",        0,   NULL, 50 * 1048576ull,
	                     100 * 1048576ull, 10 * 1048576.0, 3.0, 1};
	char buf[256];

	(void)state;
	cli_progress_format(buf, sizeof(buf), &ev, 10);
	assert_string_equal(buf, "[#####.....]  50%  50.0 MB  10.0 MB/s  ETA 0:05");
	ev.total = 0;
	cli_progress_format(buf, sizeof(buf), &ev, 10);
	assert_string_equal(buf, "50.0 MB  10.0 MB/s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_target_defaults_and_overrides),
	    cmocka_unit_test(test_target_partition_rules),
	    cmocka_unit_test(test_target_unknown_name),
	    cmocka_unit_test(test_target_board_lookups),
	    cmocka_unit_test(test_write_script_local_image),
	    cmocka_unit_test(test_write_script_direct_url),
	    cmocka_unit_test(test_write_classify),
	    cmocka_unit_test(test_last_line_of_output),
	    cmocka_unit_test(test_retry_classification),
	    cmocka_unit_test(test_progress_bar_format),
	};
	return cmocka_run_group_tests(tests, load_ti, free_ti);
}
