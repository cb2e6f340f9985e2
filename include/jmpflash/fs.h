/* jmpflash — small filesystem helpers shared by the modules. */
#ifndef JMPFLASH_FS_H
#define JMPFLASH_FS_H

#include "jmpflash/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Create @path and its missing parents (mode 0755); an existing directory
 * is fine. */
int jf_mkdirs(const char *path, jf_err *err);

#ifdef __cplusplus
}
#endif

#endif
