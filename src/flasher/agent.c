/* The "agent" method: the board downloads jmpflash-agent (agent/) from the
 * flasher's HTTP server into a tmpfs, checks its sha256 and runs it; the
 * agent downloads, decompresses, writes and verifies in one pipelined pass
 * and prints progress and result lines that agent_line.c parses.
 *
 *   uname -m → agent_arch.c's directory → agent there? ─no─▶ fall back to shell (warning)
 *   wget + sha256sum ─fails─▶ fall back to shell (warning)
 *   run: progress lines → events; result line → bytes, sha256 → compared
 *
 * --fls-binary-url runs the user's fls with upstream's command line
 * instead, then the shell method's read-back verify. */
#define _GNU_SOURCE
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "agent_line.h"
#include "flasher_int.h"
#include "jmpflash/image.h"
#include "jmpflash/sha256.h"

#define MIB       (1024.0 * 1024.0)
#define BOARD_DIR "/tmp/jfa"

/* Where the agents are: the option, else $JMPFLASH_AGENT_DIR (each alone:
 * a test can point it at an empty directory), else the build tree, then the
 * installed tree. @arch is a directory of agent/CMakeLists.txt's JF_AGENT_CROSS. */
static int find_agent(char *path, size_t cap, const char *dir, const char *arch)
{
	const char *env = getenv("JMPFLASH_AGENT_DIR");
	const char *dirs[] = {dir ? dir : env, dir || env ? NULL : JF_AGENT_BUILD_DIR,
	                      dir || env ? NULL : JF_AGENT_INSTALL_DIR};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		if (snprintf(path, cap, "%s/%s/jmpflash-agent", dirs[i], arch) < (int)cap &&
		    access(path, R_OK) == 0)
			return 0;
	}
	return -1;
}

/* The board's architecture, letters, digits and '_' only. */
static int board_arch(jf_flasher *f, char *arch, size_t cap, jf_err *err)
{
	jf_buf out = JF_BUF_INIT;
	size_t n = 0;
	int error = jf_flasher__shell_run(f, "uname -m", 30, &out, err);

	if (!error) {
		const char *p = out.ptr ? out.ptr : "";

		p += strspn(p, " \r\n");
		while (n + 1 < cap && (isalnum((unsigned char)p[n]) || p[n] == '_'))
			n++;
		memcpy(arch, p, n);
	}
	arch[n] = '\0';
	jf_buf_free(&out);
	if (!error && !n)
		error = jf_err_set(err, JF_EPROTO, "'uname -m' on the board printed nothing");
	return error;
}

/* Fetch @url to @dest on the board; 0 when its sha256 is @want (NULL: any). */
static int board_fetch(jf_flasher *f, const char *url, const char *dest, const char *want,
                       jf_err *err)
{
	jf_buf cmd = JF_BUF_INIT, out = JF_BUF_INIT;
	const char *p;
	int error;

	error = jf_flasher__shell_run(
	    f,
	    "mkdir -p " BOARD_DIR " && { grep -q ' " BOARD_DIR " ' "
	    "/proc/mounts || mount -t tmpfs -o size=64m,mode=700 jfa " BOARD_DIR
	    " 2>/dev/null || true; }",
	    30, NULL, err);
	if (!error && ((error = jf_buf_puts(&cmd, "wget -q -O ")) < 0 ||
	               (error = jf_flasher__shell_quote(&cmd, dest)) < 0 ||
	               (error = jf_buf_puts(&cmd, " ")) < 0 ||
	               (error = jf_flasher__shell_quote(&cmd, url)) < 0 ||
	               (error = jf_buf_puts(&cmd, " && chmod 700 ")) < 0 ||
	               (error = jf_flasher__shell_quote(&cmd, dest)) < 0 ||
	               (error = jf_buf_puts(&cmd, " && sha256sum ")) < 0 ||
	               (error = jf_flasher__shell_quote(&cmd, dest)) < 0))
		error = jf_err_set(err, JF_ENOMEM, "out of memory");
	if (!error)
		error = jf_flasher__shell_run(f, cmd.ptr, 120, &out, err);
	/* (a kernel message may come first on the console: look for the line) */
	p = out.ptr && want ? strstr(out.ptr, want) : NULL;
	if (!error && want && (!p || (p > out.ptr && !strchr(" \r\n", p[-1])) || p[64] != ' '))
		error = jf_err_set(err, JF_EINTEGRITY, "%s on the board does not have sha256 %s",
		                   dest, want);
	jf_buf_free(&cmd);
	jf_buf_free(&out);
	return error;
}

/* Stage the agent for a board whose `uname -m` is @machine, have the board
 * fetch and check it. */
static int deliver(jf_flasher *f, const jf_agent_job *aj, const char *machine, jf_err *err)
{
	char path[PATH_MAX], hex[JF_SHA256_HEX_LEN + 1];
	char *served = NULL, *url = NULL;
	const char *arch = jf_flasher__agent_arch(machine);
	int error;

	if (find_agent(path, sizeof(path), aj->agent_dir, arch) < 0)
		return jf_err_set(err, JF_ENOTFOUND,
		                  "there is no jmpflash-agent for %s (uname -m: %s)", arch,
		                  machine);
	if ((error = jf_sha256_file(hex, path, err)) < 0 ||
	    (error = jf_image_stage(&served, path, f->cfg.http_dir, err)) < 0 ||
	    (error = jf_flasher__served_url(f, served, &url, err)) < 0)
		goto done;
	jf_info(f->log, JF_COMPONENT,
	        "Sending jmpflash-agent for %s (uname -m: %s) to the board: %s", arch, machine,
	        path);
	error = board_fetch(f, url, BOARD_DIR "/jmpflash-agent", hex, err);
done:
	if (served)
		jf_image_unstage(served, f->cfg.http_dir, NULL);
	free(served);
	free(url);
	return error;
}

static int arg(jf_buf *b, const char *opt, const char *value)
{
	int error = 0;

	if (opt)
		error |= jf_buf_printf(b, " %s", opt);
	if (value) {
		error |= jf_buf_puts(b, " ");
		error |= jf_flasher__shell_quote(b, value);
	}
	return error;
}

/* The agent's command line (or fls's, upstream's form). */
static int command(jf_buf *b, const jf_write_job *job, const jf_agent_job *aj, bool fls)
{
	char num[32];
	int error =
	    jf_buf_puts(b, fls ? BOARD_DIR "/fls from-url -i 1.0 -n" : BOARD_DIR "/jmpflash-agent");

	for (size_t i = 0; job->headers && job->headers[i]; i++)
		error |= arg(b, "--header", job->headers[i]);
	if (job->bearer) {
		jf_buf h = JF_BUF_INIT;

		error |= jf_buf_printf(&h, "Authorization: Bearer %s", job->bearer);
		error |= arg(b, "--header", h.ptr ? h.ptr : "");
		jf_buf_free(&h);
	}
	if (fls) {
		error |= jf_buf_puts(b, " --o-direct");
	} else {
		if (job->raw_size) {
			snprintf(num, sizeof(num), "%llu", (unsigned long long)job->raw_size);
			error |= arg(b, "--size", num);
		}
		if (job->raw_sha256)
			error |= arg(b, "--sha256", job->raw_sha256);
		if (job->file_sha256)
			error |= arg(b, "--file-sha256", job->file_sha256);
		if (aj->bmap_url)
			error |=
			    arg(b, aj->bmap_optional ? "--bmap-optional" : "--bmap", aj->bmap_url);
		if (aj->cacert)
			error |= arg(b, "--cacert", aj->cacert);
		else if (aj->insecure)
			error |= arg(b, "-k", NULL);
	}
	error |= arg(b, NULL, job->url);
	error |= arg(b, NULL, job->device);
	error |= jf_buf_puts(b, "\n");
	return error ? JF_ENOMEM : 0;
}

typedef struct follow_state {
	jf_agent_line result;
	bool have_result;
	int rc;
	uint64_t last_log;
} follow_state;

static void on_line(jf_flasher *f, const jf_write_job *job, follow_state *st, const char *line,
                    size_t len)
{
	jf_agent_line l;
	uint64_t now = jf_clock_mono_us();

	switch (jf_flasher__agent_line_parse(&l, line, len)) {
	case JF_AGENT_LINE_PROGRESS:
		jf_flasher__progress(f, l.written, l.total ? l.total : job->raw_size,
		                     (double)l.rate);
		if (now - st->last_log >= 5 * 1000000ull) {
			jf_info(f->log, JF_COMPONENT, "Flash progress: %.2f MB, Speed: %.2f MB/s",
			        (double)l.written / MIB, (double)l.rate / MIB);
			st->last_log = now;
		}
		break;
	case JF_AGENT_LINE_RETRY:
		jf_warn(f->log, JF_COMPONENT, "The board's download broke (%s); resuming, try %u",
		        l.msg, l.resumes);
		break;
	case JF_AGENT_LINE_OK:
	case JF_AGENT_LINE_ERROR:
		st->result = l;
		st->have_result = true;
		break;
	case JF_AGENT_LINE_NONE:
		break;
	}
}

/* Run the uploaded script; follow the agent's lines until its exit code. */
static int follow(jf_flasher *f, const jf_write_job *job, follow_state *st, bool fls, jf_err *err)
{
	jf_pattern pats[] = {JF_RE("(jf-agent [^\r\n]*)\r?\n"), JF_RE("jf-agent-rc=([0-9]+)\r?\n"),
	                     JF_RE("([^\r\n]*)\r?\n")};
	jf_pattern prompt = JF_LIT(f->prompt);
	int error;

	if ((error = jf_console_sendline(f->con, "sh /tmp/jf-w.sh </dev/null; echo jf-agent-rc=$?",
	                                 err)) < 0)
		return error;
	for (;;) {
		jf_match m = JF_MATCH_INIT;
		jf_buf text = JF_BUF_INIT;
		/* the agent prints every second; fls may be quiet for long */
		int idx = jf_console_expect(f->con, pats, 3, jf_deadline_in(fls ? 600000 : 300000),
		                            &m, err);

		if (idx >= 0)
			jf_match_group(&m, 1, &text);
		jf_match_free(&m);
		if (idx < 0) {
			jf_buf_free(&text);
			return jf_err_wrap(err, "writing the image");
		}
		if (idx == 1) {
			st->rc = atoi(text.ptr ? text.ptr : "255");
			jf_buf_free(&text);
			break;
		}
		if (idx == 0)
			on_line(f, job, st, text.ptr ? text.ptr : "", text.len);
		else if (fls && text.len)
			jf_info(f->log, JF_COMPONENT, "fls: %.200s", text.ptr);
		jf_buf_free(&text);
	}
	return jf_console_expect(f->con, &prompt, 1, jf_deadline_in(30000), NULL, err) < 0 ? JF_EIO
	                                                                                   : 0;
}

/* The agent's exit code as a flasher error: retryable (JF_EIO) or not. */
static int exit_error(const follow_state *st, jf_err *err)
{
	static const struct {
		int rc, code;
		const char *says;
	} map[] = {
	    {1, JF_EIO, "the download failed past the agent's retries"},
	    {2, JF_EINVAL, "the agent refused its arguments"},
	    {3, JF_ENOTFOUND, "the image URL was not found or needs credentials"},
	    {4, JF_EINTEGRITY, "the image is truncated or corrupt"},
	    {5, JF_EINVAL, "the image is larger than the target"},
	    {6, JF_EINVAL, "the target refused a write"},
	    {7, JF_EINTEGRITY, "the target reads back something else"},
	    {9, JF_EPERM, "the board refused the server's TLS certificate or a redirect to http"},
	};
	const char *msg =
	    st->have_result && st->result.kind == JF_AGENT_LINE_ERROR ? st->result.msg : "";

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].rc == st->rc)
			return jf_err_set(err, map[i].code,
			                  "writing the image failed: %s (agent: %s)", map[i].says,
			                  msg);
	return jf_err_set(err, JF_EIO, "writing the image failed: the agent exited with %d%s%s",
	                  st->rc, *msg ? ": " : "", msg);
}

/* The agent said ok: check what it says against what the host knows. */
static int check_result(jf_flasher *f, const jf_write_job *job, const jf_agent_job *aj,
                        const jf_agent_line *r, jf_err *err)
{
	if (job->raw_size && !aj->bmap_url && r->bytes != job->raw_size)
		return jf_err_set(err, JF_EINTEGRITY,
		                  "the agent wrote %llu bytes, but the image "
		                  "has %llu",
		                  (unsigned long long)r->bytes, (unsigned long long)job->raw_size);
	if (job->raw_sha256 && r->sha256[0] && strcmp(r->sha256, job->raw_sha256))
		return jf_err_set(err, JF_EINTEGRITY,
		                  "the board wrote data with sha256 %s, but "
		                  "the image's is %s",
		                  r->sha256, job->raw_sha256);
	if (job->raw_sha256 && !r->sha256[0] && !aj->bmap_url)
		return jf_err_set(err, JF_EPROTO, "the agent reported no sha256");
	jf_info(f->log, JF_COMPONENT,
	        "Wrote %.2f MB (%.2f MB of zeros without sending them) in "
	        "%.1f s; sha256 %s",
	        (double)r->bytes / MIB, (double)r->zeroed / MIB, (double)r->write_ms / 1000.0,
	        r->sha256[0] ? r->sha256 : "(bmap ranges checked instead)");
	return 0;
}

/* Upload the command, run it, map the outcome. */
static int run(jf_flasher *f, const jf_write_job *job, const jf_agent_job *aj, bool fls,
               follow_state *st, jf_err *err)
{
	jf_buf script = JF_BUF_INIT;
	int error;

	if ((error = command(&script, job, aj, fls)) < 0 ||
	    (error = jf_flasher__write_upload(f, script.ptr, err)) < 0 ||
	    (error = follow(f, job, st, fls, err)) < 0)
		goto done;
	if (st->rc == 8 && !fls)
		error = JF_AGENT_FALLBACK; /* chunked encoding: the shell method can */
	else if (st->rc != 0)
		error = fls ? jf_err_set(err, JF_EIO, "fls exited with %d", st->rc)
		            : exit_error(st, err);
	else if (!fls && !st->have_result)
		error = jf_err_set(err, JF_EPROTO, "the agent printed no result line");
done:
	jf_buf_free(&script);
	return error;
}

static int run_fls(jf_flasher *f, const jf_write_job *job, const jf_agent_job *aj, jf_err *err)
{
	follow_state st = {0};
	int error;

	jf_info(f->log, JF_COMPONENT, "Fetching fls from %s", aj->fls_url);
	if ((error = board_fetch(f, aj->fls_url, BOARD_DIR "/fls", NULL, err)) < 0 ||
	    (error = run(f, job, aj, true, &st, err)) < 0 ||
	    (error = jf_flasher__shell_run(f, "sync", 600, NULL, err)) < 0)
		return jf_flasher__step_end(f, "write", error, err);
	jf_flasher__step_end(f, "write", 0, err);
	if (!job->raw_size || !job->raw_sha256) {
		jf_warn(f->log, JF_COMPONENT,
		        "fls wrote an image whose size the host does not "
		        "know: not verified");
		return 0;
	}
	return jf_flasher__write_verify(f, job, job->raw_size, err);
}

/* The agent cannot do this write (@why): the shell method will. */
static int fall_back(jf_flasher *f, const char *why, jf_err *err)
{
	jf_warn(f->log, JF_COMPONENT, "Cannot use the agent (%s); falling back to --method shell",
	        why);
	jf_flasher__step_end(f, "write", 0, err);
	return JF_AGENT_FALLBACK;
}

int jf_flasher__write_agent(jf_flasher *f, const jf_write_job *job, const jf_agent_job *aj,
                            jf_err *err)
{
	char arch[32];
	follow_state st = {0};
	uint64_t t0;
	int error;

	jf_flasher__event(f, JF_EV_STEP_START, "write", 0, NULL);
	if (aj->fls_url)
		return run_fls(f, job, aj, err);
	/* A board without uname (JF_EPROTO: the command failed) gets the shell
	 * method; a lost console or a cancel ends the attempt. */
	if ((error = board_arch(f, arch, sizeof(arch), err)) < 0 && error != JF_EPROTO)
		return jf_flasher__step_end(f, "write", error, err);
	if (error < 0 || (error = deliver(f, aj, arch, err)) < 0)
		return fall_back(f, err->msg, err);
	jf_info(f->log, JF_COMPONENT, "Writing image to %s from %s with jmpflash-agent",
	        job->device, job->url);
	t0 = jf_clock_mono_us();
	if ((error = run(f, job, aj, false, &st, err)) == JF_AGENT_FALLBACK)
		return fall_back(
		    f, st.result.kind == JF_AGENT_LINE_ERROR ? st.result.msg : "exit 8", err);
	if (!error)
		error = check_result(f, job, aj, &st.result, err);
	if (!error)
		jf_flasher__progress(f, st.result.bytes, st.result.bytes,
		                     (double)st.result.bytes /
		                         ((double)(jf_clock_mono_us() - t0) / 1e6 + 1e-9));
	jf_flasher__step_end(f, "write", error, err);
	if (error < 0)
		return error;
	/* the read-back ran while writing: report it as its own step */
	jf_flasher__event(f, JF_EV_STEP_START, "verify", 0, NULL);
	jf_info(f->log, JF_COMPONENT,
	        "Verified %.2f MB on %s by reading back while writing "
	        "(%llu ms after the last write)",
	        (double)st.result.verified / MIB, job->device,
	        (unsigned long long)st.result.verify_ms);
	return jf_flasher__step_end(f, "verify", 0, err);
}
