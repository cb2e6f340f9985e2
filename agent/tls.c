/* TLS for https URLs, on OpenSSL (libssl, linked statically into the board
 * agent). The server's certificate is checked as the user asked the host:
 * against the CA file given with --cacert (the host serves it to the board),
 * not at all with -k, else against the board's own CA store. The name or IP
 * address in the URL must match the certificate. A session lives as long
 * as its connection (keep-alive included); a retry makes a new one. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "agent.h"

/* CA bundles of common distributions, tried after OpenSSL's own paths
 * (a static OpenSSL looks only where Debian keeps them). */
static const char *const ca_bundles[] = {
    "/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu, Alpine, Yocto */
    "/etc/pki/tls/certs/ca-bundle.crt",   /* Fedora, RHEL */
    "/etc/ssl/ca-bundle.pem",             /* openSUSE */
    "/etc/ssl/cert.pem",                  /* Alpine, Arch */
};

/* OpenSSL's first queued reason, or @dflt. */
static const char *reason(const char *dflt)
{
	unsigned long e = ERR_get_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : dflt;
}

static int context(SSL_CTX **out, const jf_agent_args *a, jf_err *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	*out = NULL;
	if (!ctx)
		return jf_err_set(err, JF_ENOMEM, "TLS: %s", reason("cannot make a context"));
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
	/* a close without close_notify ends the body; Content-Length and the
	 * image's own checks catch a truncation */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_verify(ctx, a->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
	if (a->insecure) {
		*out = ctx;
		return 0;
	}
	if (a->cacert) {
		if (SSL_CTX_load_verify_locations(ctx, a->cacert, NULL) != 1) {
			SSL_CTX_free(ctx);
			return jf_err_set(err, JF_EINVAL, "cannot load the CA file %s: %s",
			                  a->cacert, reason("not PEM certificates"));
		}
	} else {
		SSL_CTX_set_default_verify_paths(ctx);
		for (size_t i = 0; i < sizeof(ca_bundles) / sizeof(ca_bundles[0]); i++)
			if (access(ca_bundles[i], R_OK) == 0)
				SSL_CTX_load_verify_locations(ctx, ca_bundles[i], NULL);
		ERR_clear_error(); /* paths that are absent are not an error */
	}
	*out = ctx;
	return 0;
}

/* Ask for @host's certificate: SNI for a name, and the name or IP address
 * the certificate must carry. */
static int expect_host(SSL *ssl, const char *host, bool check)
{
	unsigned char ip[16];
	bool is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;

	if (!is_ip && SSL_set_tlsext_host_name(ssl, host) != 1)
		return -1;
	if (!check)
		return 0;
	if (is_ip)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 ? 0 : -1;
	return SSL_set1_host(ssl, host) == 1 ? 0 : -1;
}

int jf_agent_tls_connect(jf_agent_conn *c, const jf_agent_args *a, const char *host, jf_err *err)
{
	long verify;
	int error, rc;

	ERR_clear_error();
	c->tls_refused = false;
	if ((error = context(&c->tls, a, err)) < 0)
		return error;
	if (!(c->ssl = SSL_new(c->tls)) || SSL_set_fd(c->ssl, c->fd) != 1 ||
	    expect_host(c->ssl, host, !a->insecure) < 0)
		return jf_err_set(err, JF_ENOMEM, "TLS: %s", reason("cannot set up a session"));
	if ((rc = SSL_connect(c->ssl)) == 1)
		return 0;
	verify = SSL_get_verify_result(c->ssl);
	if (verify != X509_V_OK) {
		c->tls_refused = true;
		return jf_err_set(err, JF_EPERM,
		                  "refused the TLS certificate of %s (%s); give its CA with "
		                  "--cacert, or -k to skip the check",
		                  host, X509_verify_cert_error_string(verify));
	}
	if (SSL_get_error(c->ssl, rc) == SSL_ERROR_SSL)
		return jf_err_set(err, JF_EPROTO, "the TLS handshake with %s failed: %s", host,
		                  reason("protocol error"));
	return jf_err_sys(err, JF_EIO, errno ? errno : ECONNRESET,
	                  "the TLS handshake with %s broke", host);
}

/* SSL_read/SSL_write's outcome as recv/send's: bytes, 0 at the end, or -1
 * with errno (EAGAIN when the socket's timeout passed). */
static long outcome(SSL *ssl, int rc)
{
	switch (SSL_get_error(ssl, rc)) {
	case SSL_ERROR_NONE:
		return rc;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_SYSCALL:
		if (!errno)
			errno = ECONNRESET;
		return -1;
	default:
		errno = EPROTO;
		return -1;
	}
}

long jf_agent_tls_recv(jf_agent_conn *c, void *p, size_t len)
{
	ERR_clear_error();
	errno = 0;
	return outcome(c->ssl, SSL_read(c->ssl, p, len > INT32_MAX ? INT32_MAX : (int)len));
}

long jf_agent_tls_send(jf_agent_conn *c, const void *p, size_t len)
{
	ERR_clear_error();
	errno = 0;
	return outcome(c->ssl, SSL_write(c->ssl, p, len > INT32_MAX ? INT32_MAX : (int)len));
}

void jf_agent_tls_close(jf_agent_conn *c)
{
	SSL_free(c->ssl); /* no close_notify: the socket closes right after */
	SSL_CTX_free(c->tls);
	c->ssl = NULL;
	c->tls = NULL;
}
