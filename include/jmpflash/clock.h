/* jmpflash — clocks and deadlines.
 *
 * Timeouts are absolute deadlines on the monotonic clock: a loop that waits
 * computes what is left, never sleeps a fixed time. */
#ifndef JMPFLASH_CLOCK_H
#define JMPFLASH_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jf_deadline {
	uint64_t at_ms; /* monotonic; UINT64_MAX = never */
} jf_deadline;

uint64_t jf_clock_mono_ms(void);
uint64_t jf_clock_mono_us(void);
uint64_t jf_clock_wall_ms(void);

jf_deadline jf_deadline_in(uint64_t ms);
jf_deadline jf_deadline_in_s(unsigned s);
jf_deadline jf_deadline_never(void);
bool jf_deadline_expired(jf_deadline d);
/* Milliseconds left, 0 when expired. */
uint64_t jf_deadline_left_ms(jf_deadline d);
/* What is left as a poll(2) timeout: -1 for never, else clamped to INT_MAX. */
int jf_deadline_poll_ms(jf_deadline d);
/* The earlier of two deadlines. */
jf_deadline jf_deadline_min(jf_deadline a, jf_deadline b);

/* "7:26", "1:02:03" for a duration in seconds (as the seed prints it). */
void jf_format_duration(char *buf, unsigned long size, uint64_t secs);

#ifdef __cplusplus
}
#endif

#endif
