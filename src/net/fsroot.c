#include "fsroot.h"
#include "jmpflash/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int jf_net__check_path(const char *path, jf_err *err)
{
	const char *p = path;

	if (!*path)
		return jf_err_set(err, JF_EPERM, "empty file name");
	if (*path == '/')
		return jf_err_set(err, JF_EPERM, "absolute path '%s' refused", path);
	for (const unsigned char *c = (const unsigned char *)path; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return jf_err_set(err, JF_EPERM, "control character in file name refused");
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return jf_err_set(err, JF_EPERM, "'..' in path '%s' refused", path);
		p += n;
		while (*p == '/')
			p++;
	}
	return 0;
}

/* openat2 with RESOLVE_BENEATH: the kernel refuses every resolution that
 * leaves @rootfd, including through symlinks, and magic /proc links. */
static int open_beneath(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)flags;
	how.mode = (flags & O_CREAT) ? mode : 0;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

static int open_error(int e, const char *path, jf_err *err)
{
	if (e == ENOENT || e == ENOTDIR)
		return jf_err_set(err, JF_ENOTFOUND, "'%s' not found", path);
	if (e == EXDEV || e == ELOOP)
		return jf_err_set(err, JF_EPERM, "'%s' resolves outside the served root, refused",
		                  path);
	if (e == EACCES || e == EPERM)
		return jf_err_sys(err, JF_EPERM, e, "cannot open '%s'", path);
	return jf_err_sys(err, JF_EIO, e, "cannot open '%s'", path);
}

int jf_net__open_read(int *fd_out, struct stat *st, int rootfd, const char *path, jf_err *err)
{
	int fd, error;

	*fd_out = -1;
	if ((error = jf_net__check_path(path, err)) < 0)
		return error;
	/* O_NONBLOCK: opening a FIFO must not hang the server; fstat refuses it. */
	fd = open_beneath(rootfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
	if (fd < 0)
		return open_error(errno, path, err);
	if (fstat(fd, st) < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot stat '%s'", path);
		close(fd);
		return error;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return jf_err_set(err, JF_EPERM, "'%s' is not a regular file, refused", path);
	}
	*fd_out = fd;
	return 0;
}

int jf_net__upload_begin(jf_net_upload *up, int rootfd, const char *path, jf_err *err)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int error;
	struct stat st;

	*up = (jf_net_upload)JF_NET_UPLOAD_INIT;
	if ((error = jf_net__check_path(path, err)) < 0)
		return error;
	if (slash) {
		size_t n = (size_t)(slash - path);

		if (n >= sizeof(dir))
			return jf_err_set(err, JF_EINVAL, "path too long");
		memcpy(dir, path, n);
		dir[n] = '\0';
	} else {
		strcpy(dir, ".");
	}
	const char *base = slash ? slash + 1 : path;
	if (!*base || !strcmp(base, ".") || strlen(base) >= sizeof(up->base))
		return jf_err_set(err, JF_EINVAL, "'%s' does not name a file", path);
	snprintf(up->base, sizeof(up->base), "%s", base);
	up->dirfd = open_beneath(rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (up->dirfd < 0)
		return open_error(errno, path, err);
	if (fstatat(up->dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
		jf_net__upload_abort(up);
		return jf_err_set(err, JF_EPERM, "'%s' exists and is not a regular file, refused",
		                  path);
	}
	for (int i = 0; i < 100 && up->fd < 0; i++) {
		/* Unique per process and attempt; O_EXCL settles any race. */
		int n =
		    snprintf(up->tmp, sizeof(up->tmp), ".%s.%ld.%llx.part", base, (long)getpid(),
		             (unsigned long long)(jf_clock_mono_us() + (uint64_t)i));

		if (n < 0 || (size_t)n >= sizeof(up->tmp))
			break;
		up->fd = openat(up->dirfd, up->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (up->fd < 0 && errno != EEXIST) {
			error = jf_err_sys(err, JF_EIO, errno, "cannot create a temp file for '%s'",
			                   path);
			up->tmp[0] = '\0';
			jf_net__upload_abort(up);
			return error;
		}
	}
	if (up->fd < 0) {
		up->tmp[0] = '\0';
		jf_net__upload_abort(up);
		return jf_err_set(err, JF_EIO, "cannot create a temp file for '%s'", path);
	}
	return 0;
}

int jf_net__upload_commit(jf_net_upload *up, jf_err *err)
{
	int error = 0;

	if (fsync(up->fd) < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot write '%s'", up->base);
		goto done;
	}
	if (close(up->fd) < 0) {
		up->fd = -1;
		error = jf_err_sys(err, JF_EIO, errno, "cannot write '%s'", up->base);
		goto done;
	}
	up->fd = -1;
	if (renameat(up->dirfd, up->tmp, up->dirfd, up->base) < 0) {
		error =
		    jf_err_sys(err, JF_EIO, errno, "cannot rename the upload onto '%s'", up->base);
		goto done;
	}
	up->tmp[0] = '\0';
done:
	jf_net__upload_abort(up);
	return error;
}

void jf_net__upload_abort(jf_net_upload *up)
{
	if (up->fd >= 0)
		close(up->fd);
	if (up->dirfd >= 0 && up->tmp[0])
		unlinkat(up->dirfd, up->tmp, 0);
	if (up->dirfd >= 0)
		close(up->dirfd);
	up->fd = up->dirfd = -1;
	up->tmp[0] = '\0';
}

void jf_net__addr_str(char *buf, size_t size, const struct sockaddr *sa)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int n;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		n = snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], host, sizeof(host));
			n = snprintf(buf, size, "%s:%u", host, ntohs(in6->sin6_port));
		} else {
			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
			n = snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
		}
	} else {
		n = snprintf(buf, size, "?");
	}
	if (n < 0 && size)
		buf[0] = '\0';
}

int jf_net__open_dir(int rootfd, const char *path, jf_err *err)
{
	int fd, error;

	if ((error = jf_net__check_path(path, err)) < 0)
		return error;
	fd = open_beneath(rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return open_error(errno, path, err);
	return fd;
}
