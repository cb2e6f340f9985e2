#include "helpers.h"

#include <poll.h>

#include "jmpflash/clock.h"

static void test_deadline_expires(void **state)
{
	jf_deadline d = jf_deadline_in(30);

	(void)state;
	assert_false(jf_deadline_expired(d));
	assert_true(jf_deadline_left_ms(d) <= 30);
	/* wait on the deadline itself: poll with what is left, as real code does */
	while (!jf_deadline_expired(d))
		poll(NULL, 0, jf_deadline_poll_ms(d));
	assert_int_equal(jf_deadline_left_ms(d), 0);
	assert_int_equal(jf_deadline_poll_ms(d), 0);
}

static void test_deadline_never_and_min(void **state)
{
	jf_deadline never = jf_deadline_never(), soon = jf_deadline_in(1000);

	(void)state;
	assert_false(jf_deadline_expired(never));
	assert_int_equal(jf_deadline_poll_ms(never), -1);
	assert_true(jf_deadline_min(never, soon).at_ms == soon.at_ms);
	assert_true(jf_deadline_min(soon, never).at_ms == soon.at_ms);
	/* a huge timeout saturates instead of wrapping into the past */
	assert_false(jf_deadline_expired(jf_deadline_in(UINT64_MAX)));
}

static void test_clock_monotonic(void **state)
{
	uint64_t a = jf_clock_mono_us(), b = jf_clock_mono_us();

	(void)state;
	assert_true(b >= a);
	assert_true(jf_clock_wall_ms() > 1700000000000ull);
}

static void test_format_duration(void **state)
{
	char buf[32];

	(void)state;
	jf_format_duration(buf, sizeof(buf), 446);
	assert_string_equal(buf, "7:26");
	jf_format_duration(buf, sizeof(buf), 3723);
	assert_string_equal(buf, "1:02:03");
	jf_format_duration(buf, sizeof(buf), 0);
	assert_string_equal(buf, "0:00");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deadline_expires),
	    cmocka_unit_test(test_deadline_never_and_min),
	    cmocka_unit_test(test_clock_monotonic),
	    cmocka_unit_test(test_format_duration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
