/* The registry client: credentials, the auth handshake around every
 * request, URLs and error messages. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bundle_int.h"

int jf_bundle_client_new(jf_bundle_client **out, const jf_bundle_opts *opts, jf_err *err)
{
	jf_bundle_client *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	c->opts = *opts;
	c->log = opts->log;
	if (!c->opts.timeout_s)
		c->opts.timeout_s = 30;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(c->curl = curl_easy_init())) {
		free(c);
		return jf_err_set(err, JF_ENOMEM, "cannot initialise libcurl");
	}
	*out = c;
	return 0;
}

void jf_bundle_client_free(jf_bundle_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c->auth_host);
	free(c->http_host);
	if (c->auth_value)
		memset(c->auth_value, 0, strlen(c->auth_value));
	free(c->auth_value);
	jf_auth_cred_dispose(&c->cred);
	free(c);
}

int jf_bundle__secret(jf_log *log, const char *secret)
{
	return log ? jf_log_secret(log, secret) : 0;
}

void jf_bundle__progress(jf_bundle_client *c, const char *what, uint64_t done, uint64_t total)
{
	if (c->opts.progress)
		c->opts.progress(c->opts.progress_user, what, done, total);
}

/* May @ref's registry be spoken to over plain http? (loopback, or listed
 * as insecure: https is tried first, as docker does). */
static bool may_be_plain(const jf_bundle_client *c, const jf_bundle_ref *ref)
{
	if (ref->loopback)
		return true;
	for (const char *const *p = c->opts.insecure_registries; p && *p; p++)
		if (!strcasecmp(*p, ref->registry))
			return true;
	return false;
}

static bool plain_http(const jf_bundle_client *c, const jf_bundle_ref *ref)
{
	if (c->opts.plain_http)
		return true;
	return c->http_host && !strcmp(c->http_host, ref->registry);
}

int jf_bundle__url(char *buf, size_t size, jf_bundle_client *c, const jf_bundle_ref *ref,
                   const char *kind, const char *what)
{
	int n = snprintf(buf, size, "%s://%s/v2/%s/%s%s%s", plain_http(c, ref) ? "http" : "https",
	                 ref->registry, ref->repository, kind, what ? "/" : "", what ? what : "");

	return n < 0 || (size_t)n >= size ? JF_EINVAL : 0;
}

/* After a TLS handshake failure with a registry that may be plain: use
 * http from now on and rewrite @req's URL ("https://x" -> "http://x"). */
static int fall_back_to_http(jf_bundle_client *c, const jf_bundle_ref *ref, jf_http_req *req,
                             char **owned, jf_err *err)
{
	size_t n = strlen(req->url);
	char *url;

	if (!may_be_plain(c, ref) || c->opts.plain_http || strncmp(req->url, "https://", 8) ||
	    (c->http_host && !strcmp(c->http_host, ref->registry)))
		return -1;
	free(c->http_host);
	c->http_host = strdup(ref->registry);
	if (!c->http_host || !(url = malloc(n)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	snprintf(url, n, "http://%s", req->url + 8);
	jf_debug(c->log, "bundle", "%s does not speak TLS: using plain http", ref->registry);
	free(*owned);
	*owned = url;
	req->url = url;
	jf_err_clear(err);
	return 0;
}

int jf_bundle__http_fail(jf_err *err, const jf_bundle_ref *ref, const char *what,
                         const jf_http_resp *resp)
{
	json_t *root = NULL, *e0;
	const char *msg = NULL, *code = NULL;
	int jcode = resp->status == 404                          ? JF_ENOTFOUND
	            : resp->status == 401 || resp->status == 403 ? JF_EPERM
	                                                         : JF_EPROTO;

	if (resp->errbody.len)
		root = json_loadb(resp->errbody.ptr, resp->errbody.len, 0, NULL);
	e0 = json_array_get(json_object_get(root, "errors"), 0);
	code = json_string_value(json_object_get(e0, "code"));
	msg = json_string_value(json_object_get(e0, "message"));
	jf_err_set(err, jcode, "%s from %s/%s: HTTP %ld%s%s%s%s", what, ref->registry,
	           ref->repository, resp->status, code ? " " : "", code ? code : "",
	           msg ? ": " : "", msg ? msg : "");
	json_decref(root);
	return jcode;
}

static int read_text(char **out, const char *path)
{
	FILE *f = fopen(path, "re");
	jf_buf b = JF_BUF_INIT;
	char chunk[4096];
	size_t n;

	*out = NULL;
	if (!f)
		return errno == ENOENT ? JF_ENOTFOUND : JF_EIO;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (b.len > (1u << 20) || jf_buf_put(&b, chunk, n) < 0) {
			fclose(f);
			jf_buf_free(&b);
			return JF_EIO;
		}
	fclose(f);
	if (!b.ptr && jf_buf_puts(&b, "") < 0)
		return JF_ENOMEM;
	*out = jf_buf_detach(&b);
	return 0;
}

/* Candidate auth files in upstream's order: $REGISTRY_AUTH_FILE, then
 * containers' ($XDG_RUNTIME_DIR, ~/.config), then docker's ($DOCKER_CONFIG,
 * ~/.docker). An explicit --authfile is the only one. */
static int auth_files(char paths[5][512], const jf_bundle_opts *o)
{
	const char *env, *home = getenv("HOME");
	int n = 0;

	if (o->auth_file) {
		snprintf(paths[n++], 512, "%s", o->auth_file);
		return n;
	}
	if ((env = getenv("REGISTRY_AUTH_FILE")) && *env)
		snprintf(paths[n++], 512, "%s", env);
	if ((env = getenv("XDG_RUNTIME_DIR")) && *env &&
	    snprintf(paths[n], 512, "%s/containers/auth.json", env) < 512)
		n++;
	if (home && *home && snprintf(paths[n], 512, "%s/.config/containers/auth.json", home) < 512)
		n++;
	if ((env = getenv("DOCKER_CONFIG")) && *env &&
	    snprintf(paths[n], 512, "%s/config.json", env) < 512)
		n++;
	if (home && *home && snprintf(paths[n], 512, "%s/.docker/config.json", home) < 512)
		n++;
	return n;
}

static int set_cred(jf_auth_cred *cr, const char *user, const char *pass, const char *source)
{
	cr->username = strdup(user);
	cr->password = strdup(pass);
	cr->source = strdup(source);
	return cr->username && cr->password && cr->source ? 0 : JF_ENOMEM;
}

/* Credentials for @ref: flags, environment, auth files. c->cred.username
 * stays NULL when there are none (anonymous). */
static int load_cred(jf_bundle_client *c, const jf_bundle_ref *ref, jf_err *err)
{
	const char *eu = getenv("JMPFLASH_REGISTRY_USER"),
	           *ep = getenv("JMPFLASH_REGISTRY_PASSWORD");
	const char *ou = getenv("OCI_USERNAME"), *op = getenv("OCI_PASSWORD");
	char paths[5][512];
	int n, error = 0;

	if (c->cred_loaded)
		return 0;
	c->cred_loaded = true;
	if (c->opts.username && c->opts.password)
		error = set_cred(&c->cred, c->opts.username, c->opts.password, "--username");
	else if (ou && *ou && op)
		error = set_cred(&c->cred, ou, op, "$OCI_USERNAME"); /* upstream's names */
	else if (eu && ep)
		error = set_cred(&c->cred, eu, ep, "$JMPFLASH_REGISTRY_USER");
	if (error < 0)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	if (c->cred.username) {
		if (jf_bundle__secret(c->log, c->cred.password) < 0)
			return jf_err_set(err, JF_ENOMEM, "out of memory");
		return 0;
	}
	n = auth_files(paths, &c->opts);
	for (int i = 0; i < n; i++) {
		char *text;

		if (read_text(&text, paths[i]) < 0)
			continue;
		error = jf_auth_file_lookup(&c->cred, text, paths[i], ref->registry,
		                            ref->repository, c->log, err);
		free(text);
		if (error == 0) {
			jf_debug(c->log, "bundle", "credentials for %s from %s", ref->registry,
			         paths[i]);
			return 0;
		}
		if (error != JF_ENOTFOUND)
			return error;
	}
	jf_err_clear(err);
	return 0;
}

static int set_auth(jf_bundle_client *c, const jf_bundle_ref *ref, const char *scheme,
                    const char *value, jf_err *err)
{
	jf_buf b = JF_BUF_INIT;

	if (jf_buf_printf(&b, "%s %s", scheme, value) < 0 || jf_bundle__secret(c->log, value) < 0)
		goto nomem;
	free(c->auth_host);
	if (c->auth_value)
		memset(c->auth_value, 0, strlen(c->auth_value));
	free(c->auth_value);
	c->auth_value = jf_buf_detach(&b);
	if (!(c->auth_host = strdup(ref->registry)))
		goto nomem;
	return 0;
nomem:
	jf_buf_free(&b);
	return jf_err_set(err, JF_ENOMEM, "out of memory");
}

static int basic_value(char **out, const jf_auth_cred *cr, jf_log *log)
{
	jf_buf plain = JF_BUF_INIT;
	int error = 0;

	*out = NULL;
	if (jf_buf_printf(&plain, "%s:%s", cr->username, cr->password) < 0 ||
	    !(*out = jf_bundle__b64(plain.ptr, plain.len)) || jf_bundle__secret(log, *out) < 0)
		error = JF_ENOMEM;
	if (plain.ptr)
		memset(plain.ptr, 0, plain.len);
	jf_buf_free(&plain);
	return error;
}

/* realm?service=...&scope=... for a token request. */
static int token_url(jf_buf *url, jf_bundle_client *c, const jf_bundle_ref *ref,
                     const jf_auth_challenge *ch, const char *actions)
{
	jf_buf scope = JF_BUF_INIT;
	char *esc;
	int error;

	if ((error = jf_buf_puts(url, ch->realm)) < 0)
		return error;
	if (ch->service && (esc = curl_easy_escape(c->curl, ch->service, 0))) {
		error = jf_buf_printf(url, "%sservice=%s", strchr(ch->realm, '?') ? "&" : "?", esc);
		curl_free(esc);
	}
	if (error < 0)
		return error;
	if (ch->scope)
		error = jf_buf_puts(&scope, ch->scope);
	else
		error = jf_buf_printf(&scope, "repository:%s:%s", ref->repository, actions);
	if (!error && (esc = curl_easy_escape(c->curl, scope.ptr, 0))) {
		error = jf_buf_printf(url, "%sscope=%s", strchr(url->ptr, '?') ? "&" : "?", esc);
		curl_free(esc);
	}
	jf_buf_free(&scope);
	return error;
}

/* GET @ch's realm for a token; Basic credentials when we have some. */
static int fetch_token(jf_bundle_client *c, const jf_bundle_ref *ref, const jf_auth_challenge *ch,
                       const char *actions, jf_err *err)
{
	jf_http_req req = JF_HTTP_REQ_INIT;
	jf_http_resp resp = {0};
	jf_buf url = JF_BUF_INIT, body = JF_BUF_INIT;
	char *basic = NULL;
	json_t *root = NULL;
	const char *token;
	int error;

	error = token_url(&url, c, ref, ch, actions);
	if (error < 0 || (c->cred.username && basic_value(&basic, &c->cred, c->log) < 0)) {
		error = jf_err_set(err, JF_ENOMEM, "out of memory");
		goto done;
	}
	req.method = "GET";
	req.url = url.ptr;
	req.out = &body;
	req.out_max = 1u << 20;
	if (basic) {
		jf_buf a = JF_BUF_INIT;

		if ((error = jf_buf_printf(&a, "Basic %s", basic)) == 0)
			error = jf_bundle__send(c, &req, url.ptr, a.ptr, &resp, err);
		jf_buf_free(&a);
	} else {
		error = jf_bundle__send(c, &req, url.ptr, NULL, &resp, err);
	}
	if (error < 0) {
		jf_err_wrap(err, "cannot get a token for %s", ref->registry);
		goto done;
	}
	if (resp.status == 401 || resp.status == 403) {
		if (c->cred.username)
			error = jf_err_set(err, JF_EPERM,
			                   "the token server of %s refused the "
			                   "credentials from %s (HTTP %ld); check the "
			                   "user name and password",
			                   ref->registry, c->cred.source, resp.status);
		else
			error = jf_err_set(err, JF_EPERM,
			                   "the token server of %s refused anonymous "
			                   "access (HTTP %ld); give credentials "
			                   "(--username, docker login)",
			                   ref->registry, resp.status);
		goto done;
	}
	root = resp.status >= 200 && resp.status < 300 ? json_loadb(body.ptr, body.len, 0, NULL)
	                                               : NULL;
	token = json_string_value(json_object_get(root, "token"));
	if (!token)
		token = json_string_value(json_object_get(root, "access_token"));
	if (!token || !*token) {
		error = jf_err_set(err, JF_EPROTO,
		                   "the token server of %s answered HTTP %ld "
		                   "without a token",
		                   ref->registry, resp.status);
		goto done;
	}
	error = set_auth(c, ref, "Bearer", token, err);
done:
	json_decref(root);
	if (basic)
		memset(basic, 0, strlen(basic));
	free(basic);
	jf_buf_free(&url);
	jf_buf_free(&body);
	jf_bundle__resp_dispose(&resp);
	return error;
}

static int on_401(jf_bundle_client *c, const jf_bundle_ref *ref, const char *actions,
                  const jf_http_resp *resp, int attempt, jf_err *err)
{
	jf_auth_challenge ch;
	int error;

	if (!resp->www_auth)
		return jf_err_set(err, JF_EPERM,
		                  "%s answered 401 without a WWW-Authenticate "
		                  "challenge",
		                  ref->registry);
	if ((error = jf_auth_challenge_parse(&ch, resp->www_auth, err)) < 0)
		return error;
	if ((error = load_cred(c, ref, err)) < 0)
		goto done;
	if (!strcasecmp(ch.scheme, "Bearer")) {
		if (attempt > 0 && !c->cred.username) {
			error = jf_err_set(err, JF_EPERM,
			                   "%s/%s needs credentials: pass --username "
			                   "and --password, set "
			                   "JMPFLASH_REGISTRY_USER/_PASSWORD or log in "
			                   "with docker/podman",
			                   ref->registry, ref->repository);
			goto done;
		}
		error = fetch_token(c, ref, &ch, actions, err);
	} else if (!strcasecmp(ch.scheme, "Basic")) {
		char *b = NULL;

		if (!c->cred.username)
			error = jf_err_set(err, JF_EPERM,
			                   "%s needs a user name and password (Basic "
			                   "auth): pass --username and --password, set "
			                   "JMPFLASH_REGISTRY_USER/_PASSWORD or log in "
			                   "with docker/podman",
			                   ref->registry);
		else if (attempt > 0)
			error = jf_err_set(err, JF_EPERM,
			                   "%s refused the user name and password "
			                   "from %s; check them",
			                   ref->registry, c->cred.source);
		else if ((error = basic_value(&b, &c->cred, c->log)) == 0)
			error = set_auth(c, ref, "Basic", b, err);
		else
			jf_err_set(err, JF_ENOMEM, "out of memory");
		if (b)
			memset(b, 0, strlen(b));
		free(b);
	} else {
		error = jf_err_set(err, JF_EPROTO,
		                   "%s asks for auth scheme '%s', which jmpflash "
		                   "does not speak (Bearer, Basic)",
		                   ref->registry, ch.scheme);
	}
done:
	jf_auth_challenge_dispose(&ch);
	return error;
}

int jf_bundle__request(jf_bundle_client *c, const jf_bundle_ref *ref, const char *actions,
                       jf_http_req *req, jf_http_resp *resp, jf_err *err)
{
	const char *given = req->url;
	char *owned = NULL;
	int error = 0;

	for (int attempt = 0; attempt < 3; attempt++) {
		bool mine = c->auth_host && !strcmp(c->auth_host, ref->registry);

		error = jf_bundle__send(c, req, req->url, mine ? c->auth_value : NULL, resp, err);
		if (error < 0 && c->last_curl == CURLE_SSL_CONNECT_ERROR &&
		    fall_back_to_http(c, ref, req, &owned, err) == 0) {
			attempt--;
			continue;
		}
		if (error < 0) {
			jf_err_wrap(err, "%s %s/%s", req->method, ref->registry, ref->repository);
			goto done;
		}
		if (resp->status != 401)
			goto done;
		if (attempt == 2)
			break;
		if ((error = on_401(c, ref, actions, resp, attempt, err)) < 0)
			goto done;
	}
	error = jf_err_set(err, JF_EPERM, "%s keeps refusing access to %s (HTTP 401)%s%s",
	                   ref->registry, ref->repository,
	                   c->cred.username ? " with the credentials from " : "; give credentials",
	                   c->cred.username ? c->cred.source : "");
done:
	req->url = given;
	free(owned);
	return error;
}
