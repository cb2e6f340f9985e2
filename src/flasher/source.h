/* The image a flash writes, made ready for the board (src/flasher/source.c). */
#ifndef JF_FLASHER_SOURCE_H
#define JF_FLASHER_SOURCE_H

#include <pthread.h>
#include <stdbool.h>

#include "jmpflash/bundle.h"
#include "jmpflash/image.h"

typedef struct jf_flash_source {
	const char *given;      /* as the user wrote it */
	bool direct;            /* the board downloads the URL itself */
	char *url;              /* what the board fetches */
	const char *decompress; /* board command, NULL: raw */
	char *served;           /* name staged in the HTTP root, NULL: none */
	char *host_file;        /* a file we made (download, decompressed), NULL: none */
	char *oci_file;         /* the image inside a pulled oci:// artifact */
	jf_bundle_info oci;     /* that artifact (in the verified cache) */
	bool have_oci;
	const char *local;                       /* the local file hashed and served */
	char file_sha256[JF_SHA256_HEX_LEN + 1]; /* expected (checksum option), "" none */
	jf_image_info info;                      /* valid once the hasher is joined (local files) */
	pthread_t hasher;
	bool hashing;
	int hash_error;
	jf_err hash_err;
	jf_image_inspect_opts iopts;
	/* the agent method */
	bool agent_only;                  /* zstd/lz4 left compressed for the agent */
	char *bmap_served;                /* a bmap staged in the HTTP root */
	char *bmap_url;                   /* what the agent fetches; NULL: no bmap */
	bool bmap_optional;               /* IMAGE.bmap guessed beside a URL: may be absent */
	const struct jf_flash_opts *opts; /* the flash's options (for a late fallback) */
	char *fetch;          /* the board's downloader for a direct https URL, NULL: wget */
	char *ca_served;      /* the CA file staged in the HTTP root for the board, NULL: none */
	const char *board_ca; /* where the board has that CA file, NULL: not fetched */
	bool agent_tls;       /* a direct https URL left to the agent's own TLS */
} jf_flash_source;

struct jf_flasher;
struct jf_flash_opts;

/* Stage @image: checks that must pass before the board is powered (the
 * checksum, a URL the host downloads) happen here; hashing a local image
 * goes on in the background. */
int jf_flasher__source_prepare(struct jf_flasher *f, jf_flash_source *s,
                               const struct jf_flash_opts *o, const char *image, jf_err *err);
/* Wait for the background hashing (before the write needs its results). */
int jf_flasher__source_ready(struct jf_flasher *f, jf_flash_source *s, jf_err *err);
/* The agent could not run: make @s something the shell method can write
 * (zstd/lz4 decompressed on the host after all). */
int jf_flasher__source_for_shell(struct jf_flasher *f, jf_flash_source *s, jf_err *err);
void jf_flasher__source_dispose(struct jf_flasher *f, jf_flash_source *s);
/* The board is up: for an https URL it downloads itself, give it the CA file
 * and leave TLS to the agent (@agent), or pick the shell tool that can check
 * TLS as asked (tls.c), else let the host download it instead. */
int jf_flasher__source_board_tls(struct jf_flasher *f, jf_flash_source *s, bool agent, jf_err *err);
/* Host side of a URL the board will not fetch: download, then as a file. */
int jf_flasher__source_via_host(struct jf_flasher *f, jf_flash_source *s, jf_err *err);

#endif
