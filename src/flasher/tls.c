/* TLS for https URLs the board downloads itself. The board's downloader
 * must check the server's certificate as the user asked (--cacert or the
 * config's cacert, -k, or the board's own CA store). The agent does, with
 * OpenSSL; of the shell method's tools curl and GNU wget can; busybox wget
 * cannot check certificates at all. A CA file is served to the board over
 * the exporter's HTTP server (as upstream does). When the board has no tool
 * that can, the host downloads the URL and serves it (as
 * --force-exporter-http), and a log line says why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flasher_int.h"
#include "source.h"

#define BOARD_CA "/tmp/jf-ca.pem"

typedef enum { DL_BUSYBOX, DL_GNU_WGET, DL_CURL } board_dl;

/* Which downloader the board's shell has that can do TLS properly. */
static int probe(jf_flasher *f, board_dl *out, jf_err *err)
{
	jf_buf b = JF_BUF_INIT;
	int error;

	error = jf_flasher__shell_run(
	    f,
	    "if command -v curl >/dev/null 2>&1; then echo jf-dl=curl; "
	    "elif wget --help 2>&1 | grep -q ca-certificate; then echo jf-dl=gnu; "
	    "else echo jf-dl=busybox; fi",
	    30, &b, err);
	*out = !error && b.ptr && strstr(b.ptr, "jf-dl=curl")  ? DL_CURL
	       : !error && b.ptr && strstr(b.ptr, "jf-dl=gnu") ? DL_GNU_WGET
	                                                       : DL_BUSYBOX;
	jf_buf_free(&b);
	return error;
}

/* Serve @cacert over HTTP and have the board fetch it to BOARD_CA. */
static int ca_to_board(jf_flasher *f, jf_flash_source *s, const char *cacert, jf_err *err)
{
	jf_buf cmd = JF_BUF_INIT;
	char *url = NULL;
	int error;

	if ((!s->ca_served &&
	     (error = jf_image_stage(&s->ca_served, cacert, f->cfg.http_dir, err)) < 0) ||
	    (error = jf_flasher__served_url(f, s->ca_served, &url, err)) < 0)
		return jf_err_wrap(err, "serving the CA file '%s' to the board", cacert);
	jf_info(f->log, JF_COMPONENT, "Serving the CA file %s to the board: %s", cacert, url);
	if (jf_buf_puts(&cmd, "wget -q -O " BOARD_CA " ") < 0 ||
	    jf_flasher__shell_quote(&cmd, url) < 0)
		error = jf_err_set(err, JF_ENOMEM, "out of memory");
	else
		error = jf_flasher__shell_run(f, cmd.ptr, 60, NULL, err);
	jf_buf_free(&cmd);
	free(url);
	return error < 0 ? jf_err_wrap(err, "the board fetching the CA file") : 0;
}

/* The agent checks the certificate itself: it only needs the CA file. */
static int agent_tls(jf_flasher *f, jf_flash_source *s, const char *cacert, jf_err *err)
{
	int error;

	s->agent_tls = true;
	if (s->opts->insecure_tls) {
		jf_info(f->log, JF_COMPONENT,
		        "The agent downloads %s without checking its "
		        "certificate (-k)",
		        s->given);
		return 0;
	}
	if (cacert) {
		if ((error = ca_to_board(f, s, cacert, err)) < 0)
			return error;
		s->board_ca = BOARD_CA;
	}
	jf_info(f->log, JF_COMPONENT, "The agent downloads %s, checking its certificate against %s",
	        s->given, cacert ? cacert : "the board's CA store");
	return 0;
}

int jf_flasher__source_board_tls(jf_flasher *f, jf_flash_source *s, bool agent, jf_err *err)
{
	const jf_flash_opts *o = s->opts;
	const char *cacert = o->cacert ? o->cacert : f->cfg.cacert;
	const char *why = NULL;
	board_dl dl;
	int error;

	free(s->fetch); /* from an earlier attempt */
	s->fetch = NULL;
	s->board_ca = NULL;
	s->agent_tls = false;
	if (agent)
		return agent_tls(f, s, cacert, err);
	if ((error = probe(f, &dl, err)) < 0)
		return error;
	if (o->insecure_tls) {
		/* busybox wget never checks: as asked */
		if (dl == DL_CURL)
			s->fetch = strdup("curl -fSsL -k");
		else if (dl == DL_GNU_WGET)
			s->fetch = strdup("wget -q -O - --no-check-certificate");
		else
			return 0;
	} else if (dl == DL_BUSYBOX) {
		why = cacert ? "the board has only busybox wget, which cannot check certificates "
		               "against --cacert"
		             : "the board has only busybox wget, which does not check TLS "
		               "certificates";
	} else if (cacert) {
		if ((error = ca_to_board(f, s, cacert, err)) < 0)
			return error;
		s->board_ca = BOARD_CA;
		s->fetch = strdup(dl == DL_CURL ? "curl -fSsL --cacert " BOARD_CA
		                                : "wget -q -O - --ca-certificate=" BOARD_CA);
	} else {
		s->fetch = strdup(dl == DL_CURL ? "curl -fSsL" : "wget -q -O -");
	}
	if (why) {
		jf_info(f->log, JF_COMPONENT, "The exporter downloads %s for the board: %s",
		        s->given, why);
		return jf_flasher__source_via_host(f, s, err);
	}
	if (!s->fetch)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	jf_info(f->log, JF_COMPONENT, "The board downloads %s with %s", s->given, s->fetch);
	return 0;
}
