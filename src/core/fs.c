#include "jmpflash/fs.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

int jf_mkdirs(const char *path, jf_err *err)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	if (!n || n >= sizeof(tmp))
		return jf_err_set(err, JF_EINVAL, "bad directory name: %.100s", path);
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return jf_err_sys(err, JF_EIO, errno, "cannot create '%s'", tmp);
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return jf_err_sys(err, JF_EIO, errno, "cannot create '%s'", tmp);
	return 0;
}
