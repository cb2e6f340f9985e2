/* Which agent directory a board's `uname -m` gets (src/flasher/agent_arch.c):
 * the names real kernels print, and names that must pass through unchanged
 * (they find no agent, so the board falls back to the shell method). */
#include "helpers.h"

#include "flasher/agent.h"

static void test_agent_arch_64bit_arm(void **state)
{
	(void)state;
	assert_string_equal(jf_flasher__agent_arch("aarch64"), "aarch64");
	assert_string_equal(jf_flasher__agent_arch("arm64"), "aarch64"); /* BSD-style, some BSPs */
}

static void test_agent_arch_32bit_arm(void **state)
{
	(void)state;
	assert_string_equal(jf_flasher__agent_arch("armv7l"), "armhf");
	assert_string_equal(jf_flasher__agent_arch("armv7"), "armhf");
	assert_string_equal(jf_flasher__agent_arch("armv7hl"), "armhf");
	/* a 32-bit userland or kernel on an ARMv8 core runs armhf binaries */
	assert_string_equal(jf_flasher__agent_arch("armv8l"), "armhf");
}

static void test_agent_arch_others_unchanged(void **state)
{
	static const char *const same[] = {"armv6l", "armv5tel", "armv8b", "aarch64_be",
	                                   "x86_64", "riscv64",  "armhf",  ""};

	(void)state;
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		assert_string_equal(jf_flasher__agent_arch(same[i]), same[i]);
	/* only whole names: a prefix or a longer name is another machine */
	assert_string_equal(jf_flasher__agent_arch("aarch6"), "aarch6");
	assert_string_equal(jf_flasher__agent_arch("aarch64x"), "aarch64x");
	assert_string_equal(jf_flasher__agent_arch("armv8l2"), "armv8l2");
	assert_string_equal(jf_flasher__agent_arch("arm"), "arm");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_agent_arch_64bit_arm),
	    cmocka_unit_test(test_agent_arch_32bit_arm),
	    cmocka_unit_test(test_agent_arch_others_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
