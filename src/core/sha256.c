#include "jmpflash/sha256.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <strings.h>
#include <unistd.h>

int jf_sha256_init(jf_sha256 *h)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (!md)
		return JF_ENOMEM;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return JF_EIO;
	}
	h->md = md;
	return 0;
}

int jf_sha256_update(jf_sha256 *h, const void *data, size_t len)
{
	return EVP_DigestUpdate(h->md, data, len) == 1 ? 0 : JF_EIO;
}

int jf_sha256_final(jf_sha256 *h, uint8_t *raw, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int ok = EVP_DigestFinal_ex(h->md, md, &n) == 1 && n == JF_SHA256_LEN;

	jf_sha256_dispose(h);
	if (!ok)
		return JF_EIO;
	for (unsigned int i = 0; i < n; i++) {
		if (raw)
			raw[i] = md[i];
		if (hex) {
			hex[2 * i] = digits[md[i] >> 4];
			hex[2 * i + 1] = digits[md[i] & 15];
		}
	}
	if (hex)
		hex[JF_SHA256_HEX_LEN] = '\0';
	return 0;
}

void jf_sha256_dispose(jf_sha256 *h)
{
	EVP_MD_CTX_free(h->md);
	h->md = NULL;
}

int jf_sha256_buf(char *hex, const void *data, size_t len)
{
	jf_sha256 h;
	int error;

	if ((error = jf_sha256_init(&h)) < 0)
		return error;
	if ((error = jf_sha256_update(&h, data, len)) < 0) {
		jf_sha256_dispose(&h);
		return error;
	}
	return jf_sha256_final(&h, NULL, hex);
}

int jf_sha256_file(char *hex, const char *path, jf_err *err)
{
	char buf[1 << 16];
	jf_sha256 h;
	ssize_t n;
	int fd, error;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return jf_err_sys(err, errno == ENOENT ? JF_ENOTFOUND : JF_EIO, errno,
		                  "cannot open '%s'", path);
	if ((error = jf_sha256_init(&h)) < 0) {
		close(fd);
		return jf_err_set(err, error, "cannot start sha256");
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = jf_err_sys(err, JF_EIO, errno, "cannot read '%s'", path);
			jf_sha256_dispose(&h);
			close(fd);
			return error;
		}
		jf_sha256_update(&h, buf, (size_t)n);
	}
	close(fd);
	return jf_sha256_final(&h, NULL, hex);
}

int jf_sha256_hex_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return i == JF_SHA256_HEX_LEN;
}

int jf_sha256_hex_cmp(const char *a, const char *b)
{
	return strcasecmp(a, b);
}
