/* The power interface every driver sits behind, and the mock driver. */
#include "power_int.h"
#include "jmpflash/clock.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jf_power {
	const jf_power_ops *ops;
	void *impl;
	char *name;
	jf_log *log;
	unsigned off_ms;
	bool ours; /* we switched it on and not off since */
	bool kept; /* jf_power_keep: never switched off on release */
};

/* JF_POWER_OFF_TIME_DEFAULT (seconds, as the config spells it) in ms. */
static unsigned default_off_ms(void)
{
	return (unsigned)(strtod(JF_POWER_OFF_TIME_DEFAULT, NULL) * 1000.0 + 0.5);
}

unsigned jf_power__param_ms(const jf_driver *d, const char *key, unsigned def_ms)
{
	const jf_param *p = jf_driver_param(d, key);

	if (!p || !p->str)
		return def_ms;
	if (p->type == JF_PARAM_FLOAT)
		return p->f <= 0 ? 0 : (unsigned)(p->f * 1000.0 + 0.5);
	if (p->type == JF_PARAM_INT)
		return p->i <= 0 ? 0 : (unsigned)(p->i * 1000);
	return def_ms;
}

int jf_power_new(jf_power **out, const jf_power_ops *ops, void *impl, const char *name, jf_log *log,
                 jf_err *err)
{
	jf_power *p;

	*out = NULL;
	if (!(p = calloc(1, sizeof(*p))) || !(p->name = strdup(name ? name : ops->name))) {
		free(p);
		if (ops->close)
			ops->close(impl);
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	}
	p->ops = ops;
	p->impl = impl;
	p->log = log;
	p->off_ms = default_off_ms();
	*out = p;
	return 0;
}

void jf_power_close(jf_power *p)
{
	if (!p)
		return;
	if (p->ops->close)
		p->ops->close(p->impl);
	free(p->name);
	free(p);
}

void jf_power_set_off_time(jf_power *p, unsigned ms)
{
	p->off_ms = ms;
}

unsigned jf_power_off_time(const jf_power *p)
{
	return p->off_ms;
}

bool jf_power_powered_by_us(const jf_power *p)
{
	return p && p->ours;
}

int jf_power_on(jf_power *p, jf_err *err)
{
	int error;

	jf_info(p->log, "power", "Powering on %s (%s)", p->name, p->ops->name);
	if ((error = p->ops->on(p->impl, err)) < 0)
		return jf_err_wrap(err, "power on (%s)", p->name);
	p->ours = true;
	return 0;
}

int jf_power_off(jf_power *p, jf_err *err)
{
	int error;

	jf_info(p->log, "power", "Powering off %s (%s)", p->name, p->ops->name);
	if ((error = p->ops->off(p->impl, err)) < 0)
		return jf_err_wrap(err, "power off (%s)", p->name);
	p->ours = false;
	return 0;
}

static void wait_ms(unsigned ms)
{
	jf_deadline d = jf_deadline_in(ms);

	while (!jf_deadline_expired(d))
		poll(NULL, 0, jf_deadline_poll_ms(d));
}

int jf_power_cycle(jf_power *p, jf_err *err)
{
	char secs[32];
	int error;

	jf_info(p->log, "power", "Starting power cycle sequence");
	if (p->ops->cycle) {
		if ((error = p->ops->cycle(p->impl, p->off_ms, err)) < 0)
			return jf_err_wrap(err, "power cycle (%s)", p->name);
	} else {
		if ((error = jf_power_off(p, err)) < 0)
			return error;
		if (p->off_ms % 1000)
			snprintf(secs, sizeof(secs), "%.1f", p->off_ms / 1000.0);
		else
			snprintf(secs, sizeof(secs), "%u", p->off_ms / 1000);
		jf_info(p->log, "power", "Waiting %s second%s...", secs,
		        p->off_ms == 1000 ? "" : "s");
		wait_ms(p->off_ms);
		if ((error = jf_power_on(p, err)) < 0)
			return error;
	}
	p->ours = true;
	jf_info(p->log, "power", "Power cycle sequence complete");
	return 0;
}

int jf_power_state_get(jf_power *p, jf_power_state *out, jf_err *err)
{
	*out = JF_POWER_UNKNOWN;
	if (!p->ops->state)
		return jf_err_set(err, JF_ENOTIMPL,
		                  "power switch %s (%s) cannot tell whether the board is on",
		                  p->name, p->ops->name);
	return p->ops->state(p->impl, out, err);
}

int jf_power_check(jf_power *p, jf_err *err)
{
	return p->ops->check ? p->ops->check(p->impl, err) : 0;
}

int jf_power_keep(jf_power *p, jf_err *err)
{
	int error = p->ops->keep ? p->ops->keep(p->impl, err) : 0;

	if (!error)
		p->kept = true;
	return error;
}

int jf_power_release(jf_power *p, jf_err *err)
{
	if (!jf_power_powered_by_us(p) || p->kept)
		return 0;
	jf_info(p->log, "power", "Powering off %s: jmpflash switched it on", p->name);
	return jf_power_off(p, err);
}

/* The mock. */
static int mock_record(jf_power_mock *m, const char *what, jf_power_state to, int *calls,
                       jf_err *err)
{
	size_t len = strlen(m->history);

	(*calls)++;
	if (m->fail_with)
		return jf_err_set(err, m->fail_with, "mock power refuses to switch %s", what);
	snprintf(m->history + len, sizeof(m->history) - len, "%s,", what);
	m->state = to;
	return 0;
}

static int mock_on(void *impl, jf_err *err)
{
	jf_power_mock *m = impl;

	return mock_record(m, "on", JF_POWER_ON, &m->on_calls, err);
}

static int mock_off(void *impl, jf_err *err)
{
	jf_power_mock *m = impl;

	return mock_record(m, "off", JF_POWER_OFF, &m->off_calls, err);
}

static int mock_state(void *impl, jf_power_state *out, jf_err *err)
{
	(void)err;
	*out = ((jf_power_mock *)impl)->state;
	return 0;
}

static const jf_power_ops mock_ops = {"mock",     mock_on, mock_off, NULL,
                                      mock_state, NULL,    NULL,     NULL};

int jf_power_mock_new(jf_power **out, jf_power_mock *mock, jf_log *log, jf_err *err)
{
	return jf_power_new(out, &mock_ops, mock, "mock", log, err);
}

/* A mock from the exporter (jmpflash.power.mock, upstream MockPower): it
 * owns its state. */
static void mock_free(void *impl)
{
	free(impl);
}

static const jf_power_ops owned_mock_ops = {"mock",     mock_on, mock_off,  NULL,
                                            mock_state, NULL,    mock_free, NULL};

int jf_power_open(jf_power **out, const jf_driver *d, jf_log *log, jf_err *err)
{
	const jf_driver *r = jf_driver_resolve(d);
	jf_power_mock *m;
	int error;

	*out = NULL;
	if (!r)
		return jf_err_set(err, JF_ECONFIG, "%s: the ref does not lead to a driver",
		                  d ? d->path : "power");
	switch (r->kind) {
	case JF_DRIVER_POWER_COMMAND:
		error = jf_power__command_open(out, r, log, err);
		break;
	case JF_DRIVER_POWER_QEMU:
		error = jf_power__qemu_open(out, r, log, err);
		break;
	case JF_DRIVER_POWER_SNMP:
		error = jf_power__snmp_open(out, r, log, err);
		break;
	case JF_DRIVER_POWER_YKUSH:
		error = jf_power_open_ykush(out, r, NULL, log, err);
		break;
	case JF_DRIVER_POWER_MOCK:
		if (!(m = calloc(1, sizeof(*m))))
			return jf_err_set(err, JF_ENOMEM, "out of memory");
		m->state = JF_POWER_UNKNOWN;
		error = jf_power_new(out, &owned_mock_ops, m, r->path, log, err);
		break;
	default:
		return jf_err_set(err, JF_ECONFIG, "%s is a %s, not a power switch", r->path,
		                  jf_driver_kind_name(r->kind));
	}
	if (error < 0)
		return error;
	jf_power_set_off_time(*out, jf_power__param_ms(r, "off_time", default_off_ms()));
	return 0;
}
