/* Private to src/power/: each driver's constructor. */
#ifndef JF_POWER_INT_H
#define JF_POWER_INT_H

#include "jmpflash/power.h"

int jf_power__command_open(jf_power **out, const jf_driver *d, jf_log *log, jf_err *err);
int jf_power__qemu_open(jf_power **out, const jf_driver *d, jf_log *log, jf_err *err);
int jf_power__snmp_open(jf_power **out, const jf_driver *d, jf_log *log, jf_err *err);

/* A float seconds param as milliseconds; @def_ms when absent. */
unsigned jf_power__param_ms(const jf_driver *d, const char *key, unsigned def_ms);

#endif
