/* The CLI's view of a running flash: log lines, a progress bar on a
 * terminal, or JSON events (--json). */
#ifndef JF_CLI_PROGRESS_H
#define JF_CLI_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "jmpflash/flasher.h"
#include "jmpflash/log.h"

/* Log lines come from the servers' threads too: everything that touches
 * stderr or the bar holds @lock. */
typedef struct cli_progress {
	pthread_mutex_t lock;
	bool tty;  /* stderr is a terminal: draw a bar */
	bool json; /* one JSON event per line on stdout */
	bool bar_shown;
	uint64_t last_draw_us;
	jf_flash_event last; /* the last PROGRESS event, to redraw */
} cli_progress;

void cli_progress_init(cli_progress *p, bool json);
/* A jf_log sink that keeps the bar below the log lines. */
void cli_progress_log_sink(void *user, const jf_log_line *line);
/* A jf_flash_event_cb. */
void cli_progress_event(void *user, const jf_flash_event *ev);
/* Format "[#####.....]  45%  230.5 MB  12.3 MB/s  ETA 0:42" (pure). */
void cli_progress_format(char *buf, size_t size, const jf_flash_event *ev, unsigned width);

#endif
