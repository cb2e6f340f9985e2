/* jmpflash — the board's power switch.
 *
 * One interface over every way a lab switches a board: shell commands, a
 * Yepkit YKUSH USB hub, an SNMP PDU outlet, a QEMU process (the virtual
 * board), and a mock for tests. A jf_power is built from an exporter
 * driver (jf_driver) and logs what it does to the given jf_log. */
#ifndef JMPFLASH_POWER_H
#define JMPFLASH_POWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jmpflash/config.h"
#include "jmpflash/error.h"
#include "jmpflash/log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jf_power jf_power;

typedef enum jf_power_state {
	JF_POWER_UNKNOWN = -1,
	JF_POWER_OFF = 0,
	JF_POWER_ON = 1,
} jf_power_state;

/* What a driver implements. on/off are required; a NULL cycle means
 * off, wait off_time, on; a NULL state means the state cannot be read. */
typedef struct jf_power_ops {
	const char *name;
	int (*on)(void *impl, jf_err *err);
	int (*off)(void *impl, jf_err *err);
	int (*cycle)(void *impl, unsigned off_ms, jf_err *err);
	int (*state)(void *impl, jf_power_state *out, jf_err *err);
	/* 0 while all is well; an error when the board died on its own (QEMU
	 * crashed). NULL: nothing to check. */
	int (*check)(void *impl, jf_err *err);
	void (*close)(void *impl);
	/* Leave the board as it is when closed (QEMU: the process outlives
	 * jmpflash). NULL: a real switch keeps its state anyway. */
	int (*keep)(void *impl, jf_err *err);
} jf_power_ops;

/* Build the power switch for driver @d (refs followed): command (also
 * upstream's Shell driver with on/off methods), ykush, snmp, qemu, mock. */
int jf_power_open(jf_power **out, const jf_driver *d, jf_log *log, jf_err *err);
/* Wrap a driver implementation (tests, embedders). @impl is closed by
 * ops->close when the power is closed. */
int jf_power_new(jf_power **out, const jf_power_ops *ops, void *impl, const char *name, jf_log *log,
                 jf_err *err);
/* Close; does not switch anything (see jf_power_release). NULL is fine. */
void jf_power_close(jf_power *p);

int jf_power_on(jf_power *p, jf_err *err);
int jf_power_off(jf_power *p, jf_err *err);
/* Off, wait the off-time, on — logged as "Starting power cycle sequence",
 * "Waiting 2 seconds...", "Power cycle sequence complete". */
int jf_power_cycle(jf_power *p, jf_err *err);
/* JF_ENOTIMPL when the driver cannot tell. */
int jf_power_state_get(jf_power *p, jf_power_state *out, jf_err *err);
int jf_power_check(jf_power *p, jf_err *err);

/* The off-time of cycle, in ms (default: the driver's off_time, else
 * JF_POWER_OFF_TIME_DEFAULT seconds). */
void jf_power_set_off_time(jf_power *p, unsigned ms);
unsigned jf_power_off_time(const jf_power *p);
/* True when this jf_power switched the board on (on or cycle) and has not
 * switched it off since: the board is ours to switch off on Ctrl-C or a
 * fatal error. */
bool jf_power_powered_by_us(const jf_power *p);
/* Switch off if jf_power_powered_by_us() and not kept; else nothing. */
int jf_power_release(jf_power *p, jf_err *err);
/* From now on the board stays as it is when @p is released or closed: for
 * QEMU the process outlives this program, and a later jf_power_off (from any
 * process, e.g. `jmpflash power off`) stops it. Call it before or after
 * switching on. JF_ECONFIG when the driver could not find the board again
 * (QEMU without a monitor or pidfile). */
int jf_power_keep(jf_power *p, jf_err *err);

/* The mock driver, for tests: records calls, can be told to fail. */
typedef struct jf_power_mock {
	jf_power_state state;
	int on_calls, off_calls;
	int fail_with;     /* when non-zero, on/off return this code */
	char history[256]; /* "on,off,on," */
} jf_power_mock;

/* A jf_power over @mock (owned by the caller, must outlive the power). */
int jf_power_mock_new(jf_power **out, jf_power_mock *mock, jf_log *log, jf_err *err);

/* YKUSH: the HID layer is replaceable so the command bytes can be tested
 * without a hub. A handle is whatever open() returns. */
typedef struct jf_ykush_hid {
	/* Open the first hub with one of @pids (vendor 0x04D8) whose serial is
	 * @serial (NULL: any); *serial_out (may be NULL) gets its serial (the
	 * caller frees). JF_ENOTFOUND when there is none, JF_EEXISTS when busy. */
	int (*open)(void *user, const uint16_t *pids, size_t npids, const char *serial,
	            void **handle, char **serial_out, jf_err *err);
	/* Write one report (@len bytes, report id first) and read the answer. */
	int (*xfer)(void *user, void *handle, const unsigned char *report, size_t len,
	            unsigned char *reply, size_t reply_cap, jf_err *err);
	void (*close)(void *user, void *handle);
	void *user;
} jf_ykush_hid;

#define JF_YKUSH_VID   0x04D8
#define JF_YKUSH_PID   0xF2F7
#define JF_YKUSH3_PID  0xF11B
#define JF_YKUSHXS_PID 0xF0CD

/* jf_power_open with a given HID layer (NULL: hidapi). */
int jf_power_open_ykush(jf_power **out, const jf_driver *d, const jf_ykush_hid *hid, jf_log *log,
                        jf_err *err);

#ifdef __cplusplus
}
#endif

#endif
