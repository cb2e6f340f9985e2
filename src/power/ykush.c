/* Power through a Yepkit YKUSH USB hub (YKUSH, YKUSH3, YKUSH XS) over HID.
 * A command is one 64-byte report whose first two bytes are the command
 * byte: port N up 0x10+N, down 0x00+N, all up 0x1A, all down 0x0A. The HID
 * layer is a table of functions so tests can record the bytes. */
#include "power_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <hidapi.h>

typedef struct ykush_power {
	jf_ykush_hid hid;
	char *serial; /* NULL: the first hub found */
	int port;     /* 1..4, 0: all */
	jf_log *log;
} ykush_power;

static const uint16_t pids[] = {JF_YKUSH_PID, JF_YKUSH3_PID, JF_YKUSHXS_PID};

#define REPORT_LEN 64

/* hidapi. */
static char *narrow(const wchar_t *w)
{
	size_t n;
	char *s;

	if (!w)
		return NULL;
	n = wcstombs(NULL, w, 0);
	if (n == (size_t)-1 || !(s = malloc(n + 1)))
		return NULL;
	wcstombs(s, w, n + 1);
	return s;
}

static int hidapi_open(void *user, const uint16_t *want, size_t nwant, const char *serial,
                       void **handle, char **serial_out, jf_err *err)
{
	struct hid_device_info *all = NULL, *i;
	int error = JF_ENOTFOUND;

	(void)user;
	*handle = NULL;
	if (hid_init() < 0)
		return jf_err_set(err, JF_EIO, "cannot initialise hidapi");
	for (size_t k = 0; k < nwant && !*handle && error == JF_ENOTFOUND; k++) {
		all = hid_enumerate(JF_YKUSH_VID, want[k]);
		for (i = all; i; i = i->next) {
			char *sn = narrow(i->serial_number);

			if (serial && (!sn || strcmp(sn, serial))) {
				free(sn);
				continue;
			}
			if (!(*handle = hid_open_path(i->path))) {
				error =
				    jf_err_set(err, JF_EEXISTS,
				               "YKUSH hub %s at %s cannot be opened: it is in use "
				               "or this user lacks permission (udev rule for "
				               "hidraw)",
				               sn ? sn : "?", i->path);
				free(sn);
				break;
			}
			if (serial_out)
				*serial_out = sn;
			else
				free(sn);
			error = 0;
			break;
		}
		hid_free_enumeration(all);
	}
	if (error == JF_ENOTFOUND)
		jf_err_set(err, JF_ENOTFOUND,
		           "no YKUSH hub%s%s found (USB 04d8:f2f7/f11b/f0cd); "
		           "check the cable and 'lsusb'",
		           serial ? " with serial " : "", serial ? serial : "");
	return error;
}

static int hidapi_xfer(void *user, void *handle, const unsigned char *report, size_t len,
                       unsigned char *reply, size_t cap, jf_err *err)
{
	int n;

	(void)user;
	if (hid_write(handle, report, len) < 0)
		return jf_err_set(err, JF_EIO, "cannot write to the YKUSH hub: %ls",
		                  hid_error(handle));
	n = hid_read_timeout(handle, reply, cap, 2000);
	if (n < 0)
		return jf_err_set(err, JF_EIO, "cannot read from the YKUSH hub: %ls",
		                  hid_error(handle));
	return n;
}

static void hidapi_close(void *user, void *handle)
{
	(void)user;
	hid_close(handle);
}

static const jf_ykush_hid hidapi_layer = {hidapi_open, hidapi_xfer, hidapi_close, NULL};

static int send_command(ykush_power *y, unsigned char cmd, jf_err *err)
{
	unsigned char report[1 + REPORT_LEN] = {0}, reply[REPORT_LEN] = {0};
	void *h = NULL;
	char *found = NULL;
	int error, n;

	if ((error = y->hid.open(y->hid.user, pids, sizeof(pids) / sizeof(pids[0]), y->serial, &h,
	                         &found, err)) < 0)
		return error;
	/* Report id 0, then the command twice (as Yepkit's own tool sends it). */
	report[1] = cmd;
	report[2] = cmd;
	n = y->hid.xfer(y->hid.user, h, report, sizeof(report), reply, sizeof(reply), err);
	if (n < 0)
		error = n;
	else if (n > 0 && reply[0] != 0x01 && reply[0] != cmd)
		error = jf_err_set(err, JF_EPROTO, "YKUSH hub %s answered 0x%02x to command 0x%02x",
		                   found ? found : "", reply[0], cmd);
	else
		jf_debug(y->log, "power", "YKUSH %s: command 0x%02x", found ? found : "", cmd);
	y->hid.close(y->hid.user, h);
	free(found);
	return error;
}

static int ykush_on(void *impl, jf_err *err)
{
	ykush_power *y = impl;

	return send_command(y, y->port ? (unsigned char)(0x10 + y->port) : 0x1A, err);
}

static int ykush_off(void *impl, jf_err *err)
{
	ykush_power *y = impl;

	return send_command(y, y->port ? (unsigned char)(0x00 + y->port) : 0x0A, err);
}

static void ykush_free(void *impl)
{
	ykush_power *y = impl;

	free(y->serial);
	free(y);
}

static const jf_power_ops ops = {"ykush", ykush_on, ykush_off, NULL, NULL, NULL, ykush_free, NULL};

int jf_power_open_ykush(jf_power **out, const jf_driver *d, const jf_ykush_hid *hid, jf_log *log,
                        jf_err *err)
{
	const char *serial = jf_driver_str(d, "serial"), *port = jf_driver_str(d, "port");
	ykush_power *y = calloc(1, sizeof(*y));

	*out = NULL;
	if (!y)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	y->hid = hid ? *hid : hidapi_layer;
	y->log = log;
	if (!port || !strcmp(port, "all") || !strcmp(port, "a")) {
		y->port = 0;
	} else if (port[0] >= '1' && port[0] <= '4' && !port[1]) {
		y->port = port[0] - '0';
	} else {
		ykush_free(y);
		return jf_err_set(err, JF_ECONFIG, "%s: port must be 1, 2, 3, 4 or all, not '%s'",
		                  d->path, port);
	}
	if (serial && *serial && !(y->serial = strdup(serial))) {
		ykush_free(y);
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	}
	return jf_power_new(out, &ops, y, d->path, log, err);
}
