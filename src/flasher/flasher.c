/* The flasher's public face: build it from an exporter, flash with retries,
 * or stop at a shell. The order of steps lives here and in boot.c; every
 * other module is a tool they call. */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flasher_int.h"
#include "source.h"
#include "target.h"
#include "agent.h"
#include "write.h"

bool jf_flash_retryable(int code)
{
	return code == JF_ETIMEOUT || code == JF_EIO || code == JF_EPROTO;
}

static const jf_driver *find_flasher(const jf_exporter *e, const char *name, jf_err *err)
{
	const jf_driver *d;

	if (!name) {
		if (!(d = jf_exporter_first_flasher(e)))
			return jf_err_set(err, JF_ECONFIG, "%s has no flasher export", e->path),
			       NULL;
		return d;
	}
	if (!(d = jf_exporter_find(e, name)))
		return jf_err_set(err, JF_ECONFIG, "%s has no export '%s'", e->path, name), NULL;
	if (d->kind != JF_DRIVER_FLASHER)
		return jf_err_set(err, JF_ECONFIG, "export '%s' is a %s, not a flasher", name,
		                  jf_driver_kind_name(d->kind)),
		       NULL;
	return d;
}

int jf_flasher_new(jf_flasher **out, const jf_exporter *exporter, const jf_flasher_opts *opts,
                   jf_log *log, jf_err *err)
{
	jf_flasher *f;
	int error;

	*out = NULL;
	if (!(f = calloc(1, sizeof(*f))))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	f->exporter = exporter;
	f->opts = opts ? *opts : (jf_flasher_opts)JF_FLASHER_OPTS_INIT;
	f->log = log;
	if (!(f->driver = find_flasher(exporter, f->opts.export_name, err))) {
		error = err->code;
		goto fail;
	}
	if ((error = jf_flasher_config_get(&f->cfg, f->driver, err)) < 0 ||
	    (error = jf_power_open(&f->power, f->cfg.power, log, err)) < 0 ||
	    (error = jf_console_opts_from_driver(&f->con_opts, f->cfg.serial, err)) < 0)
		goto fail;
	/* --uboot-timeout / --boot-timeout, else the config's (range-checked
	 * when it was loaded) */
	if (!f->opts.uboot_timeout_s)
		f->opts.uboot_timeout_s = f->cfg.uboot_timeout_s;
	if (!f->opts.boot_timeout_s)
		f->opts.boot_timeout_s = f->cfg.boot_timeout_s;
	if (f->opts.uboot_timeout_s > 86400 || f->opts.boot_timeout_s > 86400) {
		error = jf_err_set(err, JF_EINVAL,
		                   "the U-Boot and boot timeouts are seconds from 1 to 86400");
		goto fail;
	}
	/* QEMU's console socket appears only once it runs: power first, and wait
	 * for the endpoint. A real serial line is opened before the power cycle
	 * so that nothing the board prints is lost. */
	f->power_first = f->cfg.power->kind == JF_DRIVER_POWER_QEMU;
	f->con_opts.open_wait_ms = f->power_first ? 30000 : 0;
	f->con_opts.strip_ansi = true; /* busybox's line editor asks for the cursor */
	f->con_opts.transcript = f->opts.transcript;
	if (f->opts.console_debug)
		jf_flasher__console_debug(f);
	*out = f;
	return 0;
fail:
	jf_flasher_free(f);
	return error;
}

static void free_boot_file(jf_boot_file *bf)
{
	free(bf->override);
	free(bf->name);
	memset(bf, 0, sizeof(*bf));
}

void jf_flasher_free(jf_flasher *f)
{
	if (!f)
		return;
	jf_flasher__close_console(f);
	if (f->power)
		jf_power_release(f->power, NULL);
	jf_flasher__teardown(f);
	jf_power_close(f->power);
	if (f->have_manifest)
		jf_manifest_dispose(&f->manifest);
	if (f->have_bundle)
		jf_bundle_info_dispose(&f->bundle_info);
	jf_bundle_client_free(f->bundle);
	free_boot_file(&f->kernel);
	free_boot_file(&f->initram);
	free_boot_file(&f->dtb);
	free(f->board_dir);
	free(f->http_stage);
	free(f);
}

static int use_file(jf_boot_file *bf, const char *path, jf_err *err)
{
	char *copy = strdup(path);

	if (!copy)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	free(bf->override);
	bf->override = copy;
	return 0;
}

int jf_use_kernel(jf_flasher *f, const char *path, jf_err *err)
{
	return use_file(&f->kernel, path, err);
}

int jf_use_initram(jf_flasher *f, const char *path, jf_err *err)
{
	return use_file(&f->initram, path, err);
}

int jf_use_dtb(jf_flasher *f, const char *path, jf_err *err)
{
	return use_file(&f->dtb, path, err);
}

/* Wait @secs unless canceled first. */
static int backoff(jf_flasher *f, unsigned secs, jf_err *err)
{
	struct pollfd p = {f->opts.cancel_fd, POLLIN, 0};
	jf_deadline d = jf_deadline_in_s(secs);

	while (!jf_deadline_expired(d)) {
		int n = poll(&p, f->opts.cancel_fd >= 0 ? 1 : 0, jf_deadline_poll_ms(d));

		if (n > 0)
			return jf_err_set(err, JF_ECANCELED, "canceled");
	}
	return 0;
}

/* What the board writes onto @device for @s. */
static void job_for(jf_write_job *job, const jf_flash_opts *o, const jf_flash_source *s,
                    const char *device)
{
	*job = (jf_write_job){.url = s->url, .decompress = s->decompress, .device = device};
	if (s->direct) {
		job->fetch = s->fetch;
		job->headers = o->headers;
		job->bearer = o->bearer;
		job->file_sha256 = s->file_sha256[0] ? s->file_sha256 : NULL;
	} else {
		job->raw_size = s->info.raw_size;
		job->raw_sha256 = s->info.raw_sha256;
	}
}

/* Write one part with the method asked for; the agent falls back to the
 * shell method when the board cannot run it. */
static int write_one(jf_flasher *f, const jf_flash_opts *o, jf_flash_source *s, const char *device,
                     jf_err *err)
{
	jf_agent_job aj = {s->bmap_url,  s->bmap_optional, o->fls_binary_url,
	                   o->agent_dir, s->board_ca,      o->insecure_tls};
	jf_write_job job;
	int error;

	job_for(&job, o, s, device);
	if (o->method != JF_METHOD_AGENT)
		return jf_flasher__write_shell(f, &job, err);
	if ((error = jf_flasher__write_agent(f, &job, &aj, err)) != JF_AGENT_FALLBACK)
		return error;
	if ((error = jf_flasher__source_for_shell(f, s, err)) < 0)
		return error;
	job_for(&job, o, s, device); /* the source may have changed (the host fetches it) */
	return jf_flasher__write_shell(f, &job, err);
}

/* One boot and the writes of every part, for one attempt. */
static int attempt(jf_flasher *f, const jf_flash_opts *o, jf_flash_source *src,
                   const jf_target *targets, size_t n, jf_err *err)
{
	char dev[16][256];
	int error;

	if ((error = jf_flasher__boot_shell(f, err)) < 0)
		return error;
	/* upstream's order: the targets are resolved, then preflash_commands run */
	for (size_t i = 0; i < n; i++)
		if ((error = jf_flasher__target_resolve(f, &targets[i], dev[i], sizeof(dev[i]),
		                                        err)) < 0)
			return error;
	jf_flasher__event(f, JF_EV_STEP_START, "target", 0, NULL);
	for (size_t i = 0; i < f->manifest.npreflash; i++) {
		jf_info(f->log, JF_COMPONENT, "Running preflash command: %s",
		        f->manifest.preflash_commands[i]);
		if ((error = jf_flasher__shell_run(f, f->manifest.preflash_commands[i], 300, NULL,
		                                   err)) < 0)
			return jf_flasher__step_end(f, "target", error, err);
	}
	jf_flasher__step_end(f, "target", 0, err);
	for (size_t i = 0; i < n; i++)
		if ((error = jf_flasher__source_ready(f, &src[i], err)) < 0 ||
		    (error = write_one(f, o, &src[i], dev[i], err)) < 0)
			return error;
	return 0;
}

/* Check everything that can be checked before the board is touched. */
static int plan(jf_flasher *f, const jf_flash_opts *o, jf_target *targets, const char **images,
                size_t *n, jf_err *err)
{
	int error;

	if (o->bmap && o->method != JF_METHOD_AGENT)
		return jf_err_set(err, JF_EINVAL,
		                  "--bmap needs --method agent (the shell method "
		                  "writes the whole image)");
	if (o->nparts && (o->image || o->partition))
		return jf_err_set(
		    err, JF_EINVAL,
		    "give either an image (with --partition) or -t PART:FILE, not both");
	if (!o->nparts && !o->image)
		return jf_err_set(err, JF_EINVAL, "no image to flash");
	if (o->nparts > 16)
		return jf_err_set(err, JF_EINVAL, "at most 16 -t PART:FILE");
	*n = o->nparts ? o->nparts : 1;
	for (size_t i = 0; i < *n; i++) {
		const char *part = o->nparts ? o->parts[i].partition : o->partition;

		images[i] = o->nparts ? o->parts[i].image : o->image;
		if ((error = jf_flasher__target_pick(&targets[i], &f->manifest,
		                                     f->cfg.default_target, o->target, part, err)) <
		    0)
			return error;
	}
	/* the board is told the headers on its console: mask them there too */
	for (size_t i = 0; o->headers && o->headers[i]; i++)
		if ((error = jf_image_header_check(o->headers[i], err)) < 0 ||
		    (error = jf_image_header_secret(f->log, o->headers[i])) < 0)
			return error == JF_ENOMEM ? jf_err_set(err, error, "out of memory") : error;
	if (o->bearer && jf_log_secret(f->log, o->bearer) < 0)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	return 0;
}

/* As upstream after a good flash: `reboot`, so the board boots what was
 * written; then either 2 s for it to take effect before the power goes off,
 * or (--no-power-off) leave it running, also after this program exits. */
static void reboot(jf_flasher *f, bool keep_on)
{
	jf_pattern restarting = JF_LIT("Restarting system"); /* Linux: "reboot: ..." */
	jf_err ignored = JF_ERR_INIT;

	jf_info(f->log, JF_COMPONENT, "Rebooting the board");
	if (jf_console_sendline(f->con, "reboot", &ignored) < 0)
		jf_warn(f->log, JF_COMPONENT, "cannot send reboot: %s", ignored.msg);
	if (!keep_on) {
		backoff(f, 2, &ignored);
		return;
	}
	/* Before this program lets go of the console, the board must have read
	 * the command: its kernel says so. Else (the command lost, the board
	 * stuck) a power cycle boots what was written all the same. */
	if (jf_console_expect(f->con, &restarting, 1, jf_deadline_in_s(15), NULL, &ignored) < 0) {
		jf_warn(f->log, JF_COMPONENT,
		        "the board did not restart within 15 s of 'reboot'; power cycling it");
		if (jf_power_cycle(f->power, &ignored) < 0)
			jf_warn(f->log, JF_COMPONENT, "cannot power cycle the board: %s",
			        ignored.msg);
	}
	if (jf_power_keep(f->power, &ignored) < 0)
		jf_warn(f->log, JF_COMPONENT, "the board stops when jmpflash exits: %s",
		        ignored.msg);
	else
		jf_info(f->log, JF_COMPONENT, "Leaving the board powered on (--no-power-off)");
}

int jf_flash(jf_flasher *f, const jf_flash_opts *o, jf_err *err)
{
	jf_target targets[16];
	const char *images[16];
	jf_flash_source src[16];
	size_t n = 0, prepared = 0;
	int retries = o->retries < 0 ? JF_FLASH_RETRIES_DEFAULT : o->retries, error;
	char took[32];

	f->t0_us = jf_clock_mono_us();
	f->attempt = 1;
	memset(src, 0, sizeof(src));
	if ((error = jf_flasher__setup(f, err)) < 0 ||
	    (error = plan(f, o, targets, images, &n, err)) < 0)
		goto done;
	for (; prepared < n; prepared++)
		if ((error = jf_flasher__source_prepare(f, &src[prepared], o, images[prepared],
		                                        err)) < 0)
			goto done;
	for (;; f->attempt++) {
		error = attempt(f, o, src, targets, n, err);
		if (!error || jf_flasher__canceled(f) || !jf_flash_retryable(error) ||
		    (int)f->attempt > retries)
			break;
		jf_warn(f->log, JF_COMPONENT,
		        "Attempt %u failed: %s; power cycling and retrying in "
		        "%u s",
		        f->attempt, err->msg, 1u << (f->attempt < 5 ? f->attempt : 5));
		jf_flasher__event(f, JF_EV_RETRY, "flash", error, err->msg);
		if ((error = backoff(f, 1u << (f->attempt < 5 ? f->attempt : 5), err)) < 0)
			break;
	}
	if (jf_flasher__canceled(f))
		error = jf_err_set(err, JF_ECANCELED, "canceled; the board is being powered off");
	if (!error) {
		jf_format_duration(took, sizeof(took), (jf_clock_mono_us() - f->t0_us) / 1000000u);
		jf_info(f->log, JF_COMPONENT, "Flashing completed in %s", took);
		reboot(f, o->no_power_off);
	}
done:
	if (error < 0 || !o->no_power_off) {
		jf_flasher__event(f, JF_EV_STEP_START, "power-off", 0, NULL);
		jf_flasher__close_console(f);
		if (jf_power_powered_by_us(f->power)) {
			jf_info(f->log, JF_COMPONENT, "Powering off target");
			jf_power_release(f->power, NULL);
		}
		jf_flasher__event(f, JF_EV_STEP_END, "power-off", 0, NULL);
	}
	for (size_t i = 0; i < prepared + (prepared < n && error < 0); i++)
		jf_flasher__source_dispose(f, &src[i]);
	jf_flasher__teardown(f);
	jf_flasher__event(f, JF_EV_RESULT, "flash", error, error < 0 ? err->msg : NULL);
	return error;
}

static int shell(jf_flasher *f, bool busybox, const jf_interact_opts *io, jf_err *err)
{
	int error;

	f->t0_us = jf_clock_mono_us();
	f->attempt = 1;
	if ((error = jf_flasher__setup(f, err)) < 0)
		goto done;
	error = busybox ? jf_flasher__boot_shell(f, err) : jf_flasher__boot_uboot(f, err);
	if (error < 0)
		goto done;
	/* The prompt the flasher waited for was consumed: show the user one. */
	jf_console_clear(f->con);
	if (busybox)
		jf_console_sendline(f->con, "stty echo; PS1='# '", NULL);
	else if (write(io->out_fd, f->cfg.uboot_prompt, strlen(f->cfg.uboot_prompt)) < 0)
		jf_debug(f->log, JF_COMPONENT, "cannot show the prompt");
	error = jf_console_interact(f->con, io, err);
done:
	jf_flasher__close_console(f);
	jf_power_release(f->power, NULL);
	jf_flasher__teardown(f);
	return error;
}

int jf_bootloader_shell(jf_flasher *f, const jf_interact_opts *io, jf_err *err)
{
	return shell(f, false, io, err);
}

int jf_busybox_shell(jf_flasher *f, const jf_interact_opts *io, jf_err *err)
{
	return shell(f, true, io, err);
}
