/* Before the board is touched: the bundle (pulled and verified), the files
 * U-Boot will load, staged under the TFTP root, and both servers up. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flasher_int.h"
#include "jmpflash/netaddr.h"
#include "jmpflash/fs.h"
#include "jmpflash/image.h"

static int stage(jf_flasher *f, jf_boot_file *bf, const char *bundle_rel, jf_err *err)
{
	char src[PATH_MAX], dst[PATH_MAX];
	const char *path = bf->override, *base;
	struct stat st;
	int error;

	if (!path) {
		if (!bundle_rel)
			return 0;
		if (snprintf(src, sizeof(src), "%s/%s", f->bundle_info.dir, bundle_rel) >=
		    (int)sizeof(src))
			return jf_err_set(err, JF_EINVAL, "path too long: %s", bundle_rel);
		path = src;
	}
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return jf_err_set(err, JF_ENOTFOUND, "'%s' is not a readable file", path);
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	free(bf->name);
	/* shared_server: U-Boot asks for BOARD/Image, never another board's files */
	if (asprintf(&bf->name, "%s%s%s", f->board_dir ? f->board_dir : "", f->board_dir ? "/" : "",
	             base) < 0) {
		bf->name = NULL;
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	}
	bf->size = (uint64_t)st.st_size;
	if (snprintf(dst, sizeof(dst), "%s/%s", f->cfg.tftp_dir, bf->name) >= (int)sizeof(dst))
		return jf_err_set(err, JF_EINVAL, "path too long under %s", f->cfg.tftp_dir);
	if ((error = jf_image_place(path, dst, err)) < 0)
		return error;
	bf->staged = true;
	return 0;
}

static int load_bundle(jf_flasher *f, jf_err *err)
{
	const char *source = f->opts.force_bundle ? f->opts.force_bundle : f->cfg.flasher_bundle;
	char path[PATH_MAX];
	int error;

	if (!f->bundle) {
		f->bundle_opts.cache_dir = f->cfg.cache_dir;
		f->bundle_opts.log = f->log;
		if ((error = jf_bundle_client_new(&f->bundle, &f->bundle_opts, err)) < 0)
			return error;
	}
	jf_info(f->log, JF_COMPONENT, "Setting up flasher bundle files in exporter");
	if ((error = jf_bundle_pull(&f->bundle_info, f->bundle, source, NULL, err)) < 0)
		return jf_err_wrap(err, "flasher bundle %s", source);
	f->have_bundle = true;
	if (!jf_bundle_path_ok(f->cfg.manifest))
		return jf_err_set(err, JF_ECONFIG,
		                  "manifest '%s' must be a relative path inside "
		                  "the bundle",
		                  f->cfg.manifest);
	if (snprintf(path, sizeof(path), "%s/%s", f->bundle_info.dir, f->cfg.manifest) >=
	    (int)sizeof(path))
		return jf_err_set(err, JF_EINVAL, "bundle path too long");
	if ((error = jf_manifest_load(&f->manifest, path, f->log, err)) < 0)
		return error;
	f->have_manifest = true;
	return 0;
}

static int choose_variant(jf_flasher *f, jf_err *err)
{
	const jf_manifest *m = &f->manifest;
	const char *want = f->opts.variant ? f->opts.variant : f->cfg.variant;
	char names[256] = "";

	if (!m->has_dtb) {
		if (want)
			return jf_err_set(
			    err, JF_ECONFIG,
			    "variant '%s' was asked for, but bundle manifest %s has no "
			    "dtb section",
			    want, m->path);
		return 0;
	}
	if (jf_manifest_variant_get(m, want)) {
		f->variant = jf_manifest_variant_get(m, want)->name;
		return 0;
	}
	for (size_t i = 0; i < m->nvariants; i++)
		jf_names_add(names, sizeof(names), m->variants[i].name);
	return jf_err_set(err, JF_ECONFIG, "DTB variant '%s' is not in the bundle; it has: %s",
	                  want, names);
}

/* Where a server child listens: its `bind` ("all": every address), else
 * its `host` when that is this machine's (so another board's servers can
 * use the same ports on another address), else every address (NULL). A
 * name or a foreign address (QEMU's 10.0.2.2) keeps all addresses. */
static const char *bind_addr(const jf_server_config *c)
{
	if (c->bind)
		return strcmp(c->bind, "all") ? c->bind : NULL;
	return jf_addr_is_local(c->host) ? c->host : NULL;
}

/* shared_server: no servers of our own; the board's subdirectory of both
 * roots (created now, removed at teardown) and the address the board
 * reaches the shared HTTP server at. */
static int use_shared_server(jf_flasher *f, jf_err *err)
{
	const char *name = f->cfg.board_dir    ? f->cfg.board_dir
	                   : f->exporter->name ? f->exporter->name
	                                       : f->driver->name;
	char tdir[PATH_MAX];
	int error;

	if (f->board_dir)
		goto mkdirs;
	if (!*name || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
	        strlen(name))
		return jf_err_set(
		    err, JF_ECONFIG,
		    "%s: board_dir '%s' must be one directory name of letters, digits, "
		    "'.', '_' and '-'",
		    f->driver->path, name);
	if (!f->cfg.http_server.host)
		return jf_err_set(err, JF_ECONFIG,
		                  "%s: shared_server needs the http child's host: the address the "
		                  "board reaches the shared jmpflash serve at",
		                  f->driver->path);
	if (!(f->board_dir = strdup(name)) ||
	    asprintf(&f->http_stage, "%s/%s", f->cfg.http_dir, name) < 0) {
		f->http_stage = NULL;
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	}
	f->cfg.http_dir = f->http_stage; /* images are staged and served from here */
	jf_info(f->log, JF_COMPONENT, "Using the shared server: staging under %s/%s/ and %s/",
	        f->cfg.tftp_dir, name, f->http_stage);
mkdirs: /* again for each operation: teardown removed them */
	snprintf(tdir, sizeof(tdir), "%s/%s", f->cfg.tftp_dir, f->board_dir);
	if ((error = jf_mkdirs(tdir, err)) < 0 || (error = jf_mkdirs(f->http_stage, err)) < 0)
		return error;
	return 0;
}

int jf_flasher__served_url(jf_flasher *f, const char *served, char **out, jf_err *err)
{
	char path[PATH_MAX];

	if (f->http)
		return jf_http_server_url(out, f->http, f->dhcp.ipaddr[0] ? f->dhcp.ipaddr : NULL,
		                          served, err);
	if (snprintf(path, sizeof(path), "%s/%s", f->board_dir ? f->board_dir : "", served) >=
	    (int)sizeof(path))
		return jf_err_set(err, JF_EINVAL, "served path too long");
	return jf_http_url(out, f->cfg.http_server.host, f->cfg.http_server.port, path, err);
}

static int start_servers(jf_flasher *f, jf_err *err)
{
	jf_tftp_opts t = JF_TFTP_OPTS_INIT;
	jf_http_opts h = JF_HTTP_OPTS_INIT;
	const char *host;
	int error;

	host = f->cfg.tftp_server.host;
	snprintf(f->serverip, sizeof(f->serverip), "%s", host ? host : "");
	if (f->cfg.shared_server)
		return 0;
	if (!f->tftp) {
		t.root = f->cfg.tftp_dir;
		t.bind = bind_addr(&f->cfg.tftp_server);
		t.port = f->cfg.tftp_server.port;
		t.log = f->log;
		if ((error = jf_tftp_server_start(&f->tftp, &t, err)) < 0)
			return jf_err_wrap(err, "TFTP server");
	}
	if (!f->http) {
		h.root = f->cfg.http_dir;
		h.port = f->cfg.http_server.port;
		h.host = f->cfg.http_server.host;
		h.bind = bind_addr(&f->cfg.http_server);
		h.log = f->log;
		if ((error = jf_http_server_start(&f->http, &h, err)) < 0)
			return jf_err_wrap(err, "HTTP server");
	}
	return 0;
}

int jf_flasher__setup(jf_flasher *f, jf_err *err)
{
	const jf_manifest_variant *v;
	int error;

	jf_flasher__event(f, JF_EV_STEP_START, "bundle", 0, NULL);
	if (!f->have_manifest) {
		if ((error = load_bundle(f, err)) < 0 || (error = choose_variant(f, err)) < 0)
			return jf_flasher__step_end(f, "bundle", error, err);
	}
	v = f->manifest.has_dtb ? jf_manifest_variant_get(&f->manifest, f->variant) : NULL;
	f->kernel.address = f->manifest.kernel.address_s;
	f->initram.address = f->manifest.has_initram ? f->manifest.initram.address_s : NULL;
	f->dtb.address = f->manifest.has_dtb ? f->manifest.dtb.address_s : NULL;
	if ((error = jf_mkdirs(f->cfg.tftp_dir, err)) < 0 ||
	    (error = jf_mkdirs(f->cfg.http_dir, err)) < 0 ||
	    (f->cfg.shared_server && (error = use_shared_server(f, err)) < 0) ||
	    (error = stage(f, &f->kernel, f->manifest.kernel.file, err)) < 0 ||
	    (error = stage(f, &f->initram,
	                   f->manifest.has_initram ? f->manifest.initram.file : NULL, err)) < 0 ||
	    (error = stage(f, &f->dtb, v ? v->file : NULL, err)) < 0)
		return jf_flasher__step_end(f, "bundle", error, err);
	if ((f->initram.override && !f->initram.address) || (f->dtb.override && !f->dtb.address))
		return jf_flasher__step_end(
		    f, "bundle",
		    jf_err_set(err, JF_ECONFIG,
		               "the bundle manifest gives no load address for the %s override",
		               f->initram.override && !f->initram.address ? "initramfs" : "DTB"),
		    err);
	jf_flasher__step_end(f, "bundle", 0, err);
	return start_servers(f, err);
}

static void unstage(jf_flasher *f, jf_boot_file *bf)
{
	char path[PATH_MAX];

	if (bf->staged && f->cfg.tftp_server.remove_created &&
	    snprintf(path, sizeof(path), "%s/%s", f->cfg.tftp_dir, bf->name) < (int)sizeof(path))
		unlink(path);
	bf->staged = false;
}

void jf_flasher__teardown(jf_flasher *f)
{
	jf_tftp_server_stop(f->tftp);
	jf_http_server_stop(f->http);
	f->tftp = NULL;
	f->http = NULL;
	unstage(f, &f->kernel);
	unstage(f, &f->initram);
	unstage(f, &f->dtb);
	if (f->board_dir) {
		char path[PATH_MAX];

		/* empty by now unless someone else put files there: then they stay */
		if (snprintf(path, sizeof(path), "%s/%s", f->cfg.tftp_dir, f->board_dir) <
		    (int)sizeof(path))
			rmdir(path);
		rmdir(f->http_stage);
	}
}
