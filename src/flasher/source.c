/* Getting the image to where the board can fetch it: a local file is
 * staged into the HTTP root (hard link when possible) and hashed in the
 * background; a URL is fetched by the board itself, or by the host with
 * --force-exporter-http; zstd and lz4, which busybox cannot decompress, are
 * decompressed on the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "flasher_int.h"
#include "source.h"

static bool is_url(const char *s)
{
	return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8);
}

/* What a board must run on a URL it downloads itself: known only from the
 * name, since the host never sees the bytes. */
static int decompress_by_name(jf_flash_source *s, const char *url, bool agent, const char **cmd,
                              jf_err *err)
{
	size_t n = strcspn(url, "?#");
	static const struct {
		const char *ext;
		const char *cmd;
	} exts[] = {{".gz", "zcat"},   {".gzip", "zcat"}, {".xz", "xzcat"},
	            {".bz2", "bzcat"}, {".zst", NULL},    {".lz4", NULL}};

	*cmd = NULL;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t e = strlen(exts[i].ext);

		if (n > e && !strncasecmp(url + n - e, exts[i].ext, e)) {
			if (!exts[i].cmd && agent)
				s->agent_only = true; /* the agent decodes it */
			else if (!exts[i].cmd)
				return jf_err_set(
				    err, JF_EINVAL,
				    "the board cannot decompress %s images itself; add "
				    "--force-exporter-http so the host does",
				    exts[i].ext + 1);
			*cmd = exts[i].cmd;
		}
	}
	return 0;
}

static void *hash_main(void *arg)
{
	jf_flash_source *s = arg;

	s->hash_error = jf_image_inspect(&s->info, s->local, &s->iopts, &s->hash_err);
	return NULL;
}

static int read_checksum(jf_flash_source *s, const jf_flash_opts *o, const char *image, jf_err *err)
{
	char text[4096];
	ssize_t n;
	int fd, error;

	if (o->checksum)
		return jf_checksum_parse(s->file_sha256, o->checksum, image, err);
	if (!o->checksum_file)
		return 0;
	if ((fd = open(o->checksum_file, O_RDONLY | O_CLOEXEC)) < 0)
		return jf_err_sys(err, JF_ENOTFOUND, errno, "cannot open checksum file '%s'",
		                  o->checksum_file);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return jf_err_sys(err, JF_EIO, errno, "cannot read '%s'", o->checksum_file);
	text[n] = '\0';
	if ((error = jf_checksum_parse(s->file_sha256, text, image, err)) < 0)
		return jf_err_wrap(err, "checksum file '%s'", o->checksum_file);
	return 0;
}

static int fetch_to_host(jf_flasher *f, jf_flash_source *s, const jf_flash_opts *o, jf_err *err)
{
	jf_image_fetch_opts fo = JF_IMAGE_FETCH_OPTS_INIT;
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/.jf-download-%d", f->cfg.http_dir, (int)getpid()) >=
	    (int)sizeof(path))
		return jf_err_set(err, JF_EINVAL, "http_dir path too long");
	fo.headers = o->headers;
	fo.bearer = o->bearer;
	fo.cacert = o->cacert ? o->cacert : f->cfg.cacert;
	fo.insecure_tls = o->insecure_tls;
	fo.cancel_fd = f->opts.cancel_fd;
	fo.log = f->log;
	jf_info(f->log, JF_COMPONENT, "Downloading the image on the exporter: %s", s->given);
	if (!(s->host_file = strdup(path)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	return jf_image_fetch(NULL, s->given, path, &fo, err);
}

/* An image published as an OCI artifact: pulled and verified through the
 * bundle client's cache; the image is its largest layer (an `oras push` of
 * one file has just that one). */
static int pull_oci(jf_flasher *f, jf_flash_source *s, const char *ref, jf_err *err)
{
	const jf_bundle_layer *best = NULL;
	char path[PATH_MAX];
	int error;

	jf_info(f->log, JF_COMPONENT, "Pulling the image artifact %s", ref);
	if ((error = jf_bundle_pull(&s->oci, f->bundle, ref, NULL, err)) < 0)
		return jf_err_wrap(err, "image oci://%s", ref);
	s->have_oci = true;
	for (size_t i = 0; i < s->oci.nlayers; i++)
		if (!best || s->oci.layers[i].size > best->size)
			best = &s->oci.layers[i];
	if (!best || !best->title)
		return jf_err_set(err, JF_ENOTFOUND, "image oci://%s has no file layer", ref);
	if (snprintf(path, sizeof(path), "%s/%s", s->oci.dir, best->title) >= (int)sizeof(path))
		return jf_err_set(err, JF_EINVAL, "path too long in oci://%s", ref);
	return (s->oci_file = strdup(path)) ? 0 : jf_err_set(err, JF_ENOMEM, "out of memory");
}

static int prepare_file(jf_flasher *f, jf_flash_source *s, const jf_flash_opts *o,
                        const char *image, jf_err *err);

/* The agent writes (not the shell method, nor the user's fls). */
static bool agent_writes(const jf_flash_opts *o)
{
	return o->method == JF_METHOD_AGENT && !o->fls_binary_url;
}

/* zstd/lz4, which busybox cannot decode: decompress on the host into the
 * HTTP root; s->local becomes the raw file (s->info filled). */
static int host_decompress(jf_flasher *f, jf_flash_source *s, jf_compression comp, jf_err *err)
{
	char path[PATH_MAX];
	int error;

	jf_info(f->log, JF_COMPONENT,
	        "Decompressing %s image on the exporter (the board "
	        "cannot)",
	        jf_compression_name(comp));
	if (snprintf(path, sizeof(path), "%s/.jf-raw-%d.img", f->cfg.http_dir, (int)getpid()) >=
	    (int)sizeof(path))
		return jf_err_set(err, JF_EINVAL, "http_dir path too long");
	if ((error = jf_image_decompress_to(&s->info, s->local, path, &s->iopts, err)) < 0)
		return error;
	if (s->host_file)
		unlink(s->host_file);
	free(s->host_file);
	if (!(s->host_file = strdup(path)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	s->local = s->host_file;
	return 0;
}

/* The bmap for the agent: --bmap FILE, IMAGE.bmap beside a local image
 * (both staged for the board), or URL.bmap beside a URL (optional). */
static int find_bmap(jf_flasher *f, jf_flash_source *s, const jf_flash_opts *o, const char *image,
                     jf_err *err)
{
	char path[PATH_MAX];
	const char *bmap = o->bmap;

	if (s->bmap_served || s->bmap_url)
		return 0; /* (prepare_file again for --force-exporter-http's fallback) */
	if (!bmap && is_url(image)) {
		if (strpbrk(image, "?#"))
			return 0;
		if (snprintf(path, sizeof(path), "%s.bmap", image) >= (int)sizeof(path))
			return 0;
		s->bmap_optional = true;
		return (s->bmap_url = strdup(path)) ? 0
		                                    : jf_err_set(err, JF_ENOMEM, "out of memory");
	}
	if (!bmap) {
		if (snprintf(path, sizeof(path), "%s.bmap", image) >= (int)sizeof(path) ||
		    access(path, R_OK) < 0)
			return 0;
		bmap = path;
	} else if (access(bmap, R_OK) < 0) {
		return jf_err_sys(err, JF_ENOTFOUND, errno, "cannot read the bmap '%s'", bmap);
	}
	jf_info(f->log, JF_COMPONENT, "Using the block map %s", bmap);
	return jf_image_stage(&s->bmap_served, bmap, f->cfg.http_dir, err);
}

int jf_flasher__source_for_shell(jf_flasher *f, jf_flash_source *s, jf_err *err)
{
	jf_compression comp;
	int error;

	/* an https URL: the shell's tools now, or the host fetches it */
	if (s->agent_tls && ((error = jf_flasher__source_board_tls(f, s, false, err)) < 0 ||
	                     (!s->direct && (error = jf_flasher__source_ready(f, s, err)) < 0)))
		return error;
	if (!s->agent_only)
		return 0;
	comp = s->info.compression;
	if (s->direct)
		return jf_err_set(err, JF_EINVAL,
		                  "the board cannot decompress '%s' itself and "
		                  "the agent cannot run; add --force-exporter-http "
		                  "so the host does",
		                  s->given);
	if ((error = host_decompress(f, s, comp, err)) < 0)
		return error;
	if (s->served)
		jf_image_unstage(s->served, f->cfg.http_dir, NULL);
	free(s->served);
	free(s->url);
	s->served = s->url = NULL;
	s->agent_only = false;
	s->decompress = NULL;
	if ((error = jf_image_stage(&s->served, s->local, f->cfg.http_dir, err)) < 0)
		return error;
	return jf_flasher__source_ready(f, s, err);
}

int jf_flasher__source_prepare(jf_flasher *f, jf_flash_source *s, const jf_flash_opts *o,
                               const char *image, jf_err *err)
{
	int error;

	memset(s, 0, sizeof(*s));
	s->given = image;
	s->opts = o;
	if ((error = read_checksum(s, o, image, err)) < 0)
		return error;
	if (is_url(image) && !o->force_exporter_http) {
		s->direct = true;
		if ((error = decompress_by_name(s, image, agent_writes(o), &s->decompress, err)) <
		        0 ||
		    (agent_writes(o) && (error = find_bmap(f, s, o, image, err)) < 0))
			return error;
		return (s->url = strdup(image)) ? 0 : jf_err_set(err, JF_ENOMEM, "out of memory");
	}
	return prepare_file(f, s, o, image, err);
}

int jf_flasher__source_via_host(jf_flasher *f, jf_flash_source *s, jf_err *err)
{
	char *url = s->url;
	const char *decompress = s->decompress;
	int error;

	s->direct = false;
	s->url = NULL;
	s->decompress = NULL;
	if ((error = prepare_file(f, s, s->opts, s->given, err)) == 0) {
		free(url);
		return 0;
	}
	/* as it was, so that a retry decides again */
	if (s->hashing)
		pthread_join(s->hasher, NULL);
	s->hashing = false;
	if (s->host_file)
		unlink(s->host_file);
	free(s->host_file);
	s->host_file = NULL;
	s->local = NULL;
	s->direct = true;
	s->url = url;
	s->decompress = decompress;
	return error;
}

/* A local file, an oci:// artifact or a URL the host downloads: checked,
 * staged in the HTTP root, hashed in the background. */
static int prepare_file(jf_flasher *f, jf_flash_source *s, const jf_flash_opts *o,
                        const char *image, jf_err *err)
{
	jf_image_info quick;
	jf_compression comp;
	unsigned char head[JF_IMAGE_MAGIC_LEN];
	ssize_t n;
	int fd, error;

	if (!strncasecmp(image, "oci://", 6)) {
		if ((error = pull_oci(f, s, image + 6, err)) < 0)
			return error;
		s->local = s->oci_file;
	} else if (is_url(image)) {
		if ((error = fetch_to_host(f, s, o, err)) < 0)
			return error;
		s->local = s->host_file;
	} else {
		s->local = image;
	}

	if (s->file_sha256[0]) {
		/* checked before anything is powered or written */
		if ((error = jf_image_inspect(&quick, s->local, NULL, err)) < 0)
			return error;
		if (strcmp(quick.sha256, s->file_sha256))
			return jf_err_set(err, JF_EINTEGRITY,
			                  "image '%s' has sha256 %s, not the expected %s; refusing "
			                  "to flash it",
			                  image, quick.sha256, s->file_sha256);
	}
	if ((fd = open(s->local, O_RDONLY | O_CLOEXEC)) < 0)
		return jf_err_sys(err, errno == ENOENT ? JF_ENOTFOUND : JF_EIO, errno,
		                  "cannot open image '%s'", s->local);
	n = read(fd, head, sizeof(head));
	close(fd);
	comp = jf_image_detect(head, n > 0 ? (size_t)n : 0);
	s->iopts = (jf_image_inspect_opts)JF_IMAGE_INSPECT_OPTS_INIT;
	s->iopts.cache_dir = f->cfg.cache_dir;
	s->iopts.cancel_fd = f->opts.cancel_fd;
	s->iopts.log = f->log;
	s->agent_only = false;
	if (agent_writes(o) && (error = find_bmap(f, s, o, s->local, err)) < 0)
		return error;
	if (agent_writes(o) && jf_compression_host_only(comp)) {
		s->agent_only = true; /* the agent decodes it; raw digests in the background */
		s->iopts.raw = true;
		s->hashing = pthread_create(&s->hasher, NULL, hash_main, s) == 0;
		if (!s->hashing)
			return jf_err_set(err, JF_ENOMEM, "cannot start the image hasher");
	} else if (jf_compression_host_only(comp)) {
		if ((error = host_decompress(f, s, comp, err)) < 0)
			return error;
		comp = JF_COMP_NONE;
	} else {
		s->hashing = pthread_create(&s->hasher, NULL, hash_main, s) == 0;
		if (!s->hashing)
			return jf_err_set(err, JF_ENOMEM, "cannot start the image hasher");
	}
	s->decompress = s->agent_only ? NULL : jf_compression_board_cmd(comp);
	jf_info(f->log, JF_COMPONENT, "Writing image from storage: %s (%s)", image,
	        jf_compression_name(comp));
	if ((error = jf_image_stage(&s->served, s->local, f->cfg.http_dir, err)) < 0)
		return error;
	return 0;
}

int jf_flasher__source_ready(jf_flasher *f, jf_flash_source *s, jf_err *err)
{
	int error;

	if (s->direct && !strncasecmp(s->given, "https://", 8) &&
	    (error = jf_flasher__source_board_tls(f, s, agent_writes(s->opts), err)) < 0)
		return error;
	if (s->hashing) {
		jf_info(f->log, JF_COMPONENT,
		        "Waiting until the http image preparation in storage is completed");
		pthread_join(s->hasher, NULL);
		s->hashing = false;
		if (s->hash_error < 0) {
			*err = s->hash_err;
			return s->hash_error;
		}
	}
	if (s->bmap_served && !s->bmap_url &&
	    (error = jf_flasher__served_url(f, s->bmap_served, &s->bmap_url, err)) < 0)
		return error;
	if (!s->direct && !s->url)
		return jf_flasher__served_url(f, s->served, &s->url, err);
	return 0;
}

void jf_flasher__source_dispose(jf_flasher *f, jf_flash_source *s)
{
	if (s->hashing)
		pthread_join(s->hasher, NULL); /* it stops early on the cancel fd */
	if (s->served)
		jf_image_unstage(s->served, f->cfg.http_dir, NULL);
	if (s->ca_served)
		jf_image_unstage(s->ca_served, f->cfg.http_dir, NULL);
	if (s->bmap_served)
		jf_image_unstage(s->bmap_served, f->cfg.http_dir, NULL);
	free(s->bmap_served);
	free(s->bmap_url);
	free(s->ca_served);
	free(s->fetch);
	if (s->host_file)
		unlink(s->host_file);
	free(s->served);
	free(s->host_file);
	free(s->oci_file);
	if (s->have_oci)
		jf_bundle_info_dispose(&s->oci);
	free(s->url);
	memset(s, 0, sizeof(*s));
}
