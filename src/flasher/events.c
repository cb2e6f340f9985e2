/* Steps and progress, to the caller's callback and the log. */
#include <poll.h>
#include <stdio.h>

#include "flasher_int.h"

static double elapsed(const jf_flasher *f)
{
	return (double)(jf_clock_mono_us() - f->t0_us) / 1e6;
}

void jf_flasher__event(jf_flasher *f, jf_flash_event_kind kind, const char *step, int result,
                       const char *message)
{
	jf_flash_event ev = {kind, step, result, message, 0, 0, 0, elapsed(f), f->attempt};

	if (f->opts.on_event)
		f->opts.on_event(f->opts.user, &ev);
}

void jf_flasher__progress(jf_flasher *f, uint64_t done, uint64_t total, double rate)
{
	jf_flash_event ev = {JF_EV_PROGRESS, "write", 0,          NULL,      done,
	                     total,          rate,    elapsed(f), f->attempt};

	if (f->opts.on_event)
		f->opts.on_event(f->opts.user, &ev);
}

/* Report the end of @step with @error (0 or a code whose message is in @err)
 * and pass @error through. */
int jf_flasher__step_end(jf_flasher *f, const char *step, int error, jf_err *err)
{
	jf_err copy;

	if (error < 0 && err) {
		copy = *err;
		jf_log_redact_err(f->log, &copy);
		jf_flasher__event(f, JF_EV_STEP_END, step, error, copy.msg);
	} else {
		jf_flasher__event(f, JF_EV_STEP_END, step, error, NULL);
	}
	return error;
}

bool jf_flasher__canceled(jf_flasher *f)
{
	struct pollfd p = {f->opts.cancel_fd, POLLIN, 0};

	return f->opts.cancel_fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}
