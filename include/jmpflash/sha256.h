/* jmpflash — streaming SHA-256 (OpenSSL libcrypto EVP). */
#ifndef JMPFLASH_SHA256_H
#define JMPFLASH_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "jmpflash/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define JF_SHA256_LEN     32
#define JF_SHA256_HEX_LEN 64

typedef struct jf_sha256 {
	void *md; /* EVP_MD_CTX */
} jf_sha256;

int jf_sha256_init(jf_sha256 *h);
int jf_sha256_update(jf_sha256 *h, const void *data, size_t len);
/* Finish into @hex (65 bytes: lowercase hex + NUL) and free the context.
 * @raw (32 bytes) may be NULL. */
int jf_sha256_final(jf_sha256 *h, uint8_t *raw, char *hex);
/* Free without finishing (error paths). */
void jf_sha256_dispose(jf_sha256 *h);

int jf_sha256_buf(char *hex, const void *data, size_t len);
int jf_sha256_file(char *hex, const char *path, jf_err *err);

/* True when @s is 64 hex digits (either case). */
int jf_sha256_hex_valid(const char *s);
/* Case-insensitive compare of two hex digests; 0 when equal. */
int jf_sha256_hex_cmp(const char *a, const char *b);

#ifdef __cplusplus
}
#endif

#endif
