#include "jmpflash/clock.h"

#include <limits.h>
#include <stdio.h>
#include <time.h>

static uint64_t ts_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t jf_clock_mono_us(void)
{
	return ts_us(CLOCK_MONOTONIC);
}

uint64_t jf_clock_mono_ms(void)
{
	return jf_clock_mono_us() / 1000u;
}

uint64_t jf_clock_wall_ms(void)
{
	return ts_us(CLOCK_REALTIME) / 1000u;
}

jf_deadline jf_deadline_in_s(unsigned s)
{
	return jf_deadline_in((uint64_t)s * 1000u);
}

jf_deadline jf_deadline_in(uint64_t ms)
{
	uint64_t now = jf_clock_mono_ms();
	jf_deadline d = {ms > UINT64_MAX - now - 1 ? UINT64_MAX : now + ms};

	return d;
}

jf_deadline jf_deadline_never(void)
{
	jf_deadline d = {UINT64_MAX};

	return d;
}

bool jf_deadline_expired(jf_deadline d)
{
	return d.at_ms != UINT64_MAX && jf_clock_mono_ms() >= d.at_ms;
}

uint64_t jf_deadline_left_ms(jf_deadline d)
{
	uint64_t now;

	if (d.at_ms == UINT64_MAX)
		return UINT64_MAX;
	now = jf_clock_mono_ms();
	return now >= d.at_ms ? 0 : d.at_ms - now;
}

int jf_deadline_poll_ms(jf_deadline d)
{
	uint64_t left;

	if (d.at_ms == UINT64_MAX)
		return -1;
	left = jf_deadline_left_ms(d);
	return left > INT_MAX ? INT_MAX : (int)left;
}

jf_deadline jf_deadline_min(jf_deadline a, jf_deadline b)
{
	return a.at_ms < b.at_ms ? a : b;
}

void jf_format_duration(char *buf, unsigned long size, uint64_t secs)
{
	if (secs >= 3600)
		snprintf(buf, size, "%llu:%02llu:%02llu", (unsigned long long)(secs / 3600),
		         (unsigned long long)(secs / 60 % 60), (unsigned long long)(secs % 60));
	else
		snprintf(buf, size, "%llu:%02llu", (unsigned long long)(secs / 60),
		         (unsigned long long)(secs % 60));
}
