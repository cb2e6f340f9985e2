#include "progress.h"

#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jmpflash/clock.h"

#define MB (1024.0 * 1024.0)

void cli_progress_init(cli_progress *p, bool json)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->json = json;
	p->tty = isatty(STDERR_FILENO) && !json;
}

void cli_progress_format(char *buf, size_t size, const jf_flash_event *ev, unsigned width)
{
	char eta[32] = "";
	double frac = ev->total ? (double)ev->done / (double)ev->total : 0;
	unsigned fill;
	char bar[128];

	if (width > sizeof(bar) - 1)
		width = sizeof(bar) - 1;
	if (frac > 1)
		frac = 1;
	fill = (unsigned)(frac * width);
	memset(bar, '#', fill);
	memset(bar + fill, '.', width - fill);
	bar[width] = '\0';
	if (ev->total && ev->rate > 0 && ev->done < ev->total) {
		uint64_t left = (uint64_t)((double)(ev->total - ev->done) / ev->rate);

		strcpy(eta, "  ETA ");
		jf_format_duration(eta + 6, sizeof(eta) - 6, left);
	}
	if (ev->total)
		snprintf(buf, size, "[%s] %3.0f%%  %.1f MB  %.1f MB/s%s", bar, frac * 100,
		         (double)ev->done / MB, ev->rate / MB, eta);
	else
		snprintf(buf, size, "%.1f MB  %.1f MB/s", (double)ev->done / MB, ev->rate / MB);
}

static void clear_bar(cli_progress *p)
{
	if (p->bar_shown)
		fputs("\r\033[K", stderr);
	p->bar_shown = false;
}

static void draw_bar(cli_progress *p)
{
	char line[256];

	cli_progress_format(line, sizeof(line), &p->last, 30);
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	p->bar_shown = true;
}

void cli_progress_log_sink(void *user, const jf_log_line *line)
{
	cli_progress *p = user;
	char buf[64 + 4096];
	bool redraw;

	jf_log_format(buf, sizeof(buf), line);
	pthread_mutex_lock(&p->lock);
	redraw = p->bar_shown;
	clear_bar(p);
	fprintf(stderr, "%s\n", buf);
	if (redraw)
		draw_bar(p);
	pthread_mutex_unlock(&p->lock);
}

static void json_event(const jf_flash_event *ev)
{
	static const char *const kinds[] = {"step-start", "step-end", "progress", "retry",
	                                    "result"};
	json_t *o = json_object();
	char *text;

	json_object_set_new(o, "event", json_string(kinds[ev->kind]));
	json_object_set_new(o, "step", json_string(ev->step));
	json_object_set_new(o, "t", json_real(ev->elapsed_s));
	json_object_set_new(o, "attempt", json_integer(ev->attempt));
	if (ev->kind == JF_EV_PROGRESS) {
		json_object_set_new(o, "bytes", json_integer((json_int_t)ev->done));
		json_object_set_new(o, "total", json_integer((json_int_t)ev->total));
		json_object_set_new(o, "rate", json_integer((json_int_t)ev->rate));
	} else if (ev->kind != JF_EV_STEP_START) {
		json_object_set_new(o, "ok", json_boolean(ev->result == 0));
		if (ev->result)
			json_object_set_new(o, "error", json_string(jf_strerror(ev->result)));
		if (ev->message)
			json_object_set_new(o, "message", json_string(ev->message));
	}
	if ((text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6)))) {
		printf("%s\n", text);
		fflush(stdout);
		free(text);
	}
	json_decref(o);
}

static void event_locked(cli_progress *p, const jf_flash_event *ev);

void cli_progress_event(void *user, const jf_flash_event *ev)
{
	cli_progress *p = user;

	pthread_mutex_lock(&p->lock);
	event_locked(p, ev);
	pthread_mutex_unlock(&p->lock);
}

static void event_locked(cli_progress *p, const jf_flash_event *ev)
{
	uint64_t now = jf_clock_mono_us();

	if (p->json) {
		/* progress at most twice a second, everything else always */
		if (ev->kind != JF_EV_PROGRESS || now - p->last_draw_us > 500000 ||
		    (ev->total && ev->done == ev->total)) {
			json_event(ev);
			p->last_draw_us = now;
		}
		return;
	}
	if (!p->tty)
		return;
	if (ev->kind == JF_EV_PROGRESS) {
		p->last = *ev;
		if (now - p->last_draw_us > 200000 || (ev->total && ev->done == ev->total)) {
			draw_bar(p);
			p->last_draw_us = now;
		}
	} else if (ev->kind == JF_EV_STEP_END && !strcmp(ev->step, "write")) {
		if (p->bar_shown) {
			draw_bar(p);
			fputc('\n', stderr);
			p->bar_shown = false;
		}
	}
}
