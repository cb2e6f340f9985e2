#define _GNU_SOURCE
/* The "shell" method: the board downloads the image, decompresses it and
 * writes it with dd, all busybox; the host follows dd's position for the
 * progress, then has the board read the device back and compares hashes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flasher_int.h"
#include "agent.h"
#include "write.h"

#define MIB (1024.0 * 1024.0)

static int quoted(jf_buf *b, const char *s)
{
	return jf_flasher__shell_quote(b, s);
}

int jf_flasher__write_script(jf_buf *out, const jf_write_job *job)
{
	bool hash_stream = !job->raw_sha256, hash_file = job->file_sha256 != NULL;
	/* O_DIRECT needs whole sectors; an odd or unknown size is written
	 * buffered and fsync'd instead. */
	bool direct = job->raw_size && job->raw_size % 512 == 0;
	int error = 0;

	/* (not /tmp/jf.err: it is this script's stderr, already open) */
	error |= jf_buf_puts(out, "rm -f /tmp/jf.rc /tmp/jf.dd /tmp/jf.sum /tmp/jf.csum /tmp/jf.n "
	                          "/tmp/jf.f1 /tmp/jf.f2 /tmp/jf.f3\nset -o pipefail\n");
	if (hash_stream)
		/* busybox dd does not print a byte count: count the stream too */
		error |= jf_buf_puts(out, "mkfifo /tmp/jf.f1 /tmp/jf.f3; sha256sum </tmp/jf.f1 "
		                          ">/tmp/jf.sum & wc -c </tmp/jf.f3 >/tmp/jf.n &\n");
	if (hash_file)
		error |=
		    jf_buf_puts(out, "mkfifo /tmp/jf.f2; sha256sum </tmp/jf.f2 >/tmp/jf.csum &\n");
	error |= jf_buf_puts(out, job->fetch ? job->fetch : "wget -q -O -");
	for (size_t i = 0; job->headers && job->headers[i]; i++) {
		error |= jf_buf_puts(out, " --header ");
		error |= quoted(out, job->headers[i]);
	}
	if (job->bearer) {
		jf_buf h = JF_BUF_INIT;

		error |= jf_buf_printf(&h, "Authorization: Bearer %s", job->bearer);
		error |= jf_buf_puts(out, " --header ");
		error |= quoted(out, h.ptr ? h.ptr : "");
		jf_buf_free(&h);
	}
	error |= jf_buf_puts(out, " ");
	error |= quoted(out, job->url);
	if (hash_file)
		error |= jf_buf_puts(out, " | tee /tmp/jf.f2");
	if (job->decompress)
		error |= jf_buf_printf(out, " | %s", job->decompress);
	if (hash_stream)
		error |= jf_buf_puts(out, " | tee /tmp/jf.f1 /tmp/jf.f3");
	error |= jf_buf_puts(out, " | dd of=");
	error |= quoted(out, job->device);
	error |= jf_buf_printf(out, " bs=1M iflag=fullblock %s 2>/tmp/jf.dd\n",
	                       direct ? "oflag=direct" : "conv=fsync");
	error |= jf_buf_puts(out, "echo $? >/tmp/jf.rc\n");
	return error ? JF_ENOMEM : 0;
}

int jf_flasher__write_classify(const char *text, const char **says)
{
	static const struct {
		const char *text;
		int code;
		const char *says;
	} known[] = {
	    /* The download first: a cut transfer also makes the decompressor
	     * complain, but the image is fine and another try may work. */
	    {"connection closed prematurely", JF_EPROTO, "the image download was cut off"},
	    {"short read", JF_EPROTO, "the image download was cut off"},
	    {"Connection reset", JF_EPROTO, "the image download was cut off"},
	    {"error getting response", JF_EPROTO, "the image server did not answer"},
	    {"404", JF_ENOTFOUND, "the image URL answered 404 Not Found"},
	    {"403", JF_EPERM, "the image URL answered 403 Forbidden"},
	    {"401", JF_EPERM, "the image URL needs credentials (401)"},
	    {"corrupted data", JF_EINTEGRITY, "the image is corrupt"},
	    {"unexpected end", JF_EINTEGRITY, "the image is truncated"},
	    {"truncated", JF_EINTEGRITY, "the image is truncated"},
	    {"invalid magic", JF_EINTEGRITY, "the image is not in the format its name says"},
	    {"bad magic", JF_EINTEGRITY, "the image is not in the format its name says"},
	    {"crc error", JF_EINTEGRITY, "the image is corrupt (CRC error)"},
	    {"No space left", JF_EINVAL, "the image is larger than the target device"},
	    {"can't connect", JF_EPROTO, "the board cannot reach the image server"},
	    {"Connection refused", JF_EPROTO, "the board cannot reach the image server"},
	    {"certificate", JF_EPERM,
	     "the board refused the server's TLS certificate (give "
	     "--cacert FILE, or -k to skip the check)"},
	};

	for (size_t i = 0; text && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasestr(text, known[i].text)) {
			*says = known[i].says;
			return known[i].code;
		}
	*says = "the write pipeline failed";
	return JF_EPROTO;
}

/* How many bytes reached the device. busybox dd prints only record counts:
 * with bs=1M, "N+P records out" is N whole MiB and P (0 or 1) partial
 * records, which must match a size the host knows; otherwise the board
 * counted the stream (/tmp/jf.n). */
static int count_written(jf_flasher *f, const jf_write_job *job, unsigned long long *written,
                         jf_err *err)
{
	jf_buf out = JF_BUF_INIT;
	unsigned long long full = 0, partial = 0;
	const char *p;
	int error;

	if (!job->raw_size) {
		if ((error = jf_flasher__shell_run(f, "cat /tmp/jf.n", 30, &out, err)) == 0)
			*written = strtoull(out.ptr ? out.ptr : "", NULL, 10);
		jf_buf_free(&out);
		return error;
	}
	if ((error = jf_flasher__shell_run(f, "cat /tmp/jf.dd", 30, &out, err)) < 0)
		goto done;
	p = out.ptr ? strstr(out.ptr, " records out") : NULL;
	while (p && p > out.ptr && p[-1] != '\n')
		p--;
	if (!p || sscanf(p, "%llu+%llu", &full, &partial) != 2) {
		error = jf_err_set(err, JF_EPROTO, "cannot read dd's record counts");
		goto done;
	}
	if (full != job->raw_size / (1024 * 1024) ||
	    partial != (job->raw_size % (1024 * 1024) != 0))
		error = jf_err_set(err, JF_EINTEGRITY,
		                   "dd wrote %llu+%llu MiB records, but the image has %llu bytes",
		                   full, partial, (unsigned long long)job->raw_size);
	*written = job->raw_size;
done:
	jf_buf_free(&out);
	return error;
}

/* Put @script in /tmp/jf-w.sh on the board, a few short lines at a time
 * (a long line could overflow the shell's line editor). */
int jf_flasher__write_upload(jf_flasher *f, const char *script, jf_err *err)
{
	jf_buf cmd = JF_BUF_INIT;
	const char *p = script;
	int error = jf_flasher__shell_run(f, ": >/tmp/jf-w.sh", 10, NULL, err);

	while (!error && *p) {
		size_t len = strcspn(p, "\n");
		char line[1024];

		if (len >= sizeof(line)) {
			error = jf_err_set(err, JF_EINVAL, "board script line too long");
			break;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		jf_buf_clear(&cmd);
		if ((error = jf_buf_puts(&cmd, "printf '%s\\n' ")) < 0 ||
		    (error = quoted(&cmd, line)) < 0 ||
		    (error = jf_buf_puts(&cmd, " >>/tmp/jf-w.sh")) < 0)
			break;
		error = jf_flasher__shell_run(f, cmd.ptr, 10, NULL, err);
		p += len + (p[len] == '\n');
	}
	jf_buf_free(&cmd);
	return error;
}

/* Follow dd until the pipeline ends; returns its exit status. */
static int follow(jf_flasher *f, const jf_write_job *job, int *status, jf_err *err)
{
	static const char monitor[] =
	    "rm -f /tmp/jf.rc; sh /tmp/jf-w.sh </dev/null >/dev/null 2>/tmp/jf.err & "
	    "while [ ! -s /tmp/jf.rc ]; do for q in $(pidof dd); do "
	    "sed -n 's/^pos:[^0-9]*/jf-pos=/p' /proc/$q/fdinfo/1 2>/dev/null; break; done; "
	    "sleep 1; done; echo jf-done=$(cat /tmp/jf.rc)";
	jf_pattern pats[] = {JF_RE("jf-pos=([0-9]+)\r?\n"), JF_RE("jf-done=([0-9]+)\r?\n")};
	jf_pattern prompt = JF_LIT(f->prompt);
	uint64_t t0 = jf_clock_mono_us(), last_log = t0, last_change = t0, last_t = t0;
	uint64_t pos = 0, last_pos = 0;
	double rate = 0;
	int error;

	if ((error = jf_console_sendline(f->con, monitor, err)) < 0)
		return error;
	for (;;) {
		jf_match m = JF_MATCH_INIT;
		jf_buf num = JF_BUF_INIT;
		uint64_t now;
		int idx = jf_console_expect(f->con, pats, 2, jf_deadline_in(120000), &m, err);

		if (idx >= 0)
			jf_match_group(&m, 1, &num);
		jf_match_free(&m);
		if (idx < 0) {
			jf_buf_free(&num);
			return jf_err_wrap(err, "writing the image");
		}
		now = jf_clock_mono_us();
		if (idx == 1) {
			*status = atoi(num.ptr);
			jf_buf_free(&num);
			break;
		}
		pos = strtoull(num.ptr, NULL, 10);
		jf_buf_free(&num);
		if (pos != last_pos) {
			double dt = (double)(now - last_t) / 1e6;

			if (dt > 0)
				rate = rate ? 0.7 * rate + 0.3 * (double)(pos - last_pos) / dt
				            : (double)(pos - last_pos) / dt;
			last_pos = pos;
			last_t = now;
			last_change = now;
		} else if (now - last_change > 300 * 1000000ull) {
			return jf_err_set(err, JF_ETIMEOUT,
			                  "writing the image stalled at %.2f MB for 5 minutes",
			                  (double)pos / MIB);
		}
		jf_flasher__progress(f, pos, job->raw_size, rate);
		if (now - last_log >= 5 * 1000000ull) {
			jf_info(f->log, JF_COMPONENT, "Flash progress: %.2f MB, Speed: %.2f MB/s",
			        (double)pos / MIB, rate / MIB);
			last_log = now;
		}
	}
	return jf_console_expect(f->con, &prompt, 1, jf_deadline_in(30000), NULL, err) < 0 ? JF_EIO
	                                                                                   : 0;
}

/* The 64 hex digits in @text (sha256sum output), into @hex. */
static int parse_sum(char *hex, const char *text)
{
	for (const char *p = text; p && *p; p++) {
		size_t n = strspn(p, "0123456789abcdef");

		if (n == 64) {
			memcpy(hex, p, 64);
			hex[64] = '\0';
			return 0;
		}
		p += n;
		if (!*p)
			break;
	}
	return -1;
}

static int board_sum(jf_flasher *f, const char *cmd, char *hex, unsigned timeout_s, jf_err *err)
{
	jf_buf out = JF_BUF_INIT;
	int error = jf_flasher__shell_run(f, cmd, timeout_s, &out, err);

	if (!error && parse_sum(hex, out.ptr) < 0)
		error = jf_err_set(err, JF_EPROTO, "'%s' printed no sha256", cmd);
	jf_buf_free(&out);
	return error;
}

int jf_flasher__write_verify(jf_flasher *f, const jf_write_job *job, uint64_t written, jf_err *err)
{
	char cmd[512], got[65], want[65];
	int error;

	jf_flasher__event(f, JF_EV_STEP_START, "verify", 0, NULL);
	jf_info(f->log, JF_COMPONENT, "Verifying %llu bytes on %s", (unsigned long long)written,
	        job->device);
	if (job->file_sha256 && ((error = board_sum(f, "cat /tmp/jf.csum", got, 30, err)) < 0 ||
	                         strcmp(got, job->file_sha256)))
		return jf_flasher__step_end(
		    f, "verify",
		    error ? error
		          : jf_err_set(err, JF_EINTEGRITY,
		                       "the downloaded image has sha256 %s, not the expected %s",
		                       got, job->file_sha256),
		    err);
	if (job->raw_sha256)
		snprintf(want, sizeof(want), "%s", job->raw_sha256);
	else if ((error = board_sum(f, "cat /tmp/jf.sum", want, 30, err)) < 0)
		return jf_flasher__step_end(f, "verify", error, err);
	/* Large direct reads: through the page cache in head's small reads the
	 * board hashed 2 MB/s, with dd bs=1M iflag=direct 24 MB/s (QEMU). */
	if (written % (1024 * 1024) == 0)
		snprintf(cmd, sizeof(cmd),
		         "dd if=%s bs=1M count=%llu iflag=direct 2>/dev/null | "
		         "sha256sum",
		         job->device, (unsigned long long)(written / (1024 * 1024)));
	else
		snprintf(cmd, sizeof(cmd),
		         "dd if=%s bs=1M count=%llu iflag=direct 2>/dev/null | "
		         "head -c %llu | sha256sum",
		         job->device, (unsigned long long)(written / (1024 * 1024) + 1),
		         (unsigned long long)written);
	if ((error = board_sum(f, cmd, got, 3600, err)) < 0)
		return jf_flasher__step_end(f, "verify", error, err);
	if (strcmp(got, want))
		error =
		    jf_err_set(err, JF_EINTEGRITY,
		               "verify failed: %s reads back with sha256 %s, but the image's is "
		               "%s",
		               job->device, got, want);
	return jf_flasher__step_end(f, "verify", error, err);
}

/* Refuse an image larger than the device before anything is written, from
 * the device's size in 512-byte sectors in sysfs. A size the board cannot
 * tell passes: dd's "No space left" still ends such a write. */
static int check_fits(jf_flasher *f, const jf_write_job *job, jf_err *err)
{
	const char *name = strrchr(job->device, '/');
	unsigned long long sectors;
	jf_buf path = JF_BUF_INIT, cmd = JF_BUF_INIT, out = JF_BUF_INIT;
	int error;

	if (!job->raw_size || !name || !name[1])
		return 0;
	if ((error = jf_buf_printf(&path, "/sys/class/block/%s/size", name + 1)) < 0 ||
	    (error = jf_buf_puts(&cmd, "cat ")) < 0 || (error = quoted(&cmd, path.ptr)) < 0)
		goto done;
	if (jf_flasher__shell_run(f, cmd.ptr, 10, &out, NULL) == 0 && out.ptr &&
	    sscanf(out.ptr + strspn(out.ptr, "\r\n "), "%llu", &sectors) == 1 &&
	    sectors <= UINT64_MAX / 512 && job->raw_size > sectors * 512)
		error = jf_err_set(err, JF_EINVAL,
		                   "the image is %llu bytes, but %s holds only %llu: it is larger "
		                   "than the target device; nothing was written",
		                   (unsigned long long)job->raw_size, job->device, sectors * 512);
done:
	jf_buf_free(&path);
	jf_buf_free(&cmd);
	jf_buf_free(&out);
	return error;
}

int jf_flasher__write_shell(jf_flasher *f, const jf_write_job *job, jf_err *err)
{
	jf_buf script = JF_BUF_INIT, out = JF_BUF_INIT;
	unsigned long long written = 0;
	const char *says;
	int error, status = -1;

	uint64_t t_write = jf_clock_mono_us();

	jf_flasher__event(f, JF_EV_STEP_START, "write", 0, NULL);
	jf_info(f->log, JF_COMPONENT, "Writing image to %s from %s", job->device, job->url);
	if ((error = check_fits(f, job, err)) < 0 ||
	    (error = jf_flasher__write_script(&script, job)) < 0 ||
	    (error = jf_flasher__write_upload(f, script.ptr, err)) < 0 ||
	    (error = follow(f, job, &status, err)) < 0)
		goto fail;
	if (status != 0) {
		const char *last;
		size_t len;

		jf_flasher__shell_run(f, "cat /tmp/jf.err /tmp/jf.dd 2>/dev/null", 30, &out, NULL);
		error = jf_flasher__write_classify(out.ptr, &says);
		/* what the failing tool said, not dd's record counts */
		last = jf_flasher__shell_last_line(out.ptr ? out.ptr : "", " records ", &len);
		error = jf_err_set(err, error, "writing the image failed: %s%s%.*s", says,
		                   len ? " (board: " : "", (int)len, last);
		if (len)
			strncat(err->msg, ")", sizeof(err->msg) - strlen(err->msg) - 1);
		goto fail;
	}
	if ((error = count_written(f, job, &written, err)) < 0)
		goto fail;
	jf_flasher__progress(f, written, job->raw_size ? job->raw_size : written,
	                     (double)written / ((double)(jf_clock_mono_us() - t_write) / 1e6));
	jf_info(f->log, JF_COMPONENT, "Flushing buffers");
	jf_buf_clear(&out);
	if ((error = jf_flasher__shell_run(f, "sync", 600, NULL, err)) < 0)
		goto fail;
	jf_flasher__step_end(f, "write", 0, err);
	error = jf_flasher__write_verify(f, job, written, err);
	goto done;
fail:
	jf_flasher__step_end(f, "write", error, err);
done:
	jf_buf_free(&script);
	jf_buf_free(&out);
	return error;
}
