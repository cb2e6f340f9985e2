/* jmpflash net/ — root confinement shared by the TFTP and HTTP servers.
 *
 * A request names a path relative to a served root. It may only ever open a
 * regular file under that root: the path is first checked lexically (no
 * absolute path, no `..` component, no control characters), then opened with
 * openat2(RESOLVE_BENEATH), so the kernel itself refuses a symlink or
 * anything else that resolves outside the root, and finally fstat'ed so
 * devices, FIFOs, sockets and directories are refused. Internal to net/. */
#ifndef JF_NET_FSROOT_H
#define JF_NET_FSROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "jmpflash/error.h"

/* Lexical check of a request path. JF_EPERM with a message naming the
 * reason ("absolute path", "'..' component", ...). */
int jf_net__check_path(const char *path, jf_err *err);

/* Open the regular file @path under the directory @rootfd for reading.
 * On success *fd_out is an O_RDONLY|O_CLOEXEC descriptor and *st its stat.
 * JF_ENOTFOUND when it does not exist, JF_EPERM when it escapes the root or
 * is not a regular file, JF_EIO otherwise. */
int jf_net__open_read(int *fd_out, struct stat *st, int rootfd, const char *path, jf_err *err);

/* Open the directory @path under @rootfd (confined); returns the fd or a
 * negative JF_E* code. */
int jf_net__open_dir(int rootfd, const char *path, jf_err *err);

/* An upload in progress: a temp file next to its final name. */
typedef struct jf_net_upload {
	int dirfd;      /* the target's directory, confined */
	int fd;         /* the temp file, O_WRONLY */
	char tmp[300];  /* temp name in dirfd */
	char base[256]; /* final name in dirfd */
} jf_net_upload;

#define JF_NET_UPLOAD_INIT                                                                         \
	{                                                                                          \
		-1, -1, {0},                                                                       \
		{                                                                                  \
			0                                                                          \
		}                                                                                  \
	}

/* Create a temp file for @path under @rootfd. The parent directory must
 * exist under the root; the final name must not be a directory. */
int jf_net__upload_begin(jf_net_upload *up, int rootfd, const char *path, jf_err *err);
/* fsync and rename the temp file onto its final name, then release. */
int jf_net__upload_commit(jf_net_upload *up, jf_err *err);
/* Remove the temp file and release; safe to call twice or after commit. */
void jf_net__upload_abort(jf_net_upload *up);

/* Printable form of a socket address: "1.2.3.4:69", "[::1]:69"; an
 * IPv4-mapped IPv6 address prints as IPv4. */
struct sockaddr;
void jf_net__addr_str(char *buf, size_t size, const struct sockaddr *sa);

#endif
