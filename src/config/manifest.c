/* Bundle manifest YAML -> jf_manifest, with the seed's defaults. */
#include "jmpflash/manifest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "jmpflash/redact.h"
#include "yaml.h"

typedef struct mloader {
	jf_ydoc doc;
	jf_manifest *m;
	jf_log *log;
	jf_err *err;
} mloader;

bool jf_bundle_path_ok(const char *path)
{
	const char *p = path;

	if (!p || !*p || *p == '/')
		return false;
	for (const char *c = p; *c; c++)
		if (iscntrl((unsigned char)*c) || *c == '\\')
			return false;
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 0 || (len == 2 && !strncmp(p, "..", 2)))
			return false;
		p += len;
		if (*p == '/')
			p++;
	}
	return path[strlen(path) - 1] != '/';
}

static int str(mloader *l, jf_ynode *parent, const char *key, const char *what, bool required,
               char **out)
{
	return jf_config__yaml_str(&l->doc, parent, key, what, required, out, l->err);
}

static int set_default(mloader *l, char **field, const char *def)
{
	if (*field || !def)
		return 0;
	if (!(*field = strdup(def)))
		return jf_err_set(l->err, JF_ENOMEM, "out of memory");
	return 0;
}

static int file_path(mloader *l, jf_ynode *parent, const char *key, const char *what, bool required,
                     char **out)
{
	int error = str(l, parent, key, what, required, out);

	if (error < 0 || !*out)
		return error;
	if (!jf_bundle_path_ok(*out))
		return jf_config__yaml_error(&l->doc, l->err,
		                             jf_config__yaml_get(&l->doc, parent, key),
		                             "%s '%s' must be a path inside the bundle: relative, "
		                             "without '..' (e.g. data/Image)",
		                             what, *out);
	return 0;
}

static int address(mloader *l, jf_ynode *parent, const char *what, jf_manifest_file *f)
{
	jf_ynode *n = jf_config__yaml_get(&l->doc, parent, "address");
	int error = str(l, parent, "address", what, true, &f->address_s);

	if (error < 0)
		return error;
	if (jf_config__yaml_parse_u64(f->address_s, &f->address) < 0)
		return jf_config__yaml_error(&l->doc, l->err, n,
		                             "%s '%s' is not an address; write it in hex, quoted: "
		                             "\"0x82000000\"",
		                             what, f->address_s);
	return 0;
}

/* kernel: / initram: {file, address} */
static int load_file(mloader *l, jf_ynode *spec, const char *key, bool required,
                     jf_manifest_file *f, bool *present)
{
	jf_ynode *n = jf_config__yaml_get(&l->doc, spec, key);
	char what[64];
	int error;

	if (!n || jf_config__yaml_is_null(n)) {
		if (required)
			return jf_config__yaml_error(
			    &l->doc, l->err, spec,
			    "spec.%s is required; add '%s: {file: data/..., "
			    "address: \"0x...\"}'",
			    key, key);
		return 0;
	}
	if ((error = jf_config__yaml_want_map(&l->doc, n, key, l->err)) < 0)
		return error;
	snprintf(what, sizeof(what), "spec.%s.file", key);
	if ((error = file_path(l, n, "file", what, true, &f->file)) < 0)
		return error;
	snprintf(what, sizeof(what), "spec.%s.address", key);
	if ((error = address(l, n, what, f)) < 0)
		return error;
	if (present)
		*present = true;
	return 0;
}

static int load_targets(mloader *l, jf_ynode *spec)
{
	jf_manifest *m = l->m;
	jf_ynode *n = jf_config__yaml_get(&l->doc, spec, "targets");
	int error;

	if (!n || jf_config__yaml_is_null(n))
		return jf_config__yaml_error(
		    &l->doc, l->err, spec,
		    "spec.targets is required; add 'targets: {NAME: /dev/DEVICE}'");
	if ((error = jf_config__yaml_want_map(&l->doc, n, "spec.targets", l->err)) < 0)
		return error;
	if (!(m->targets = calloc(n->data.mapping.pairs.top - n->data.mapping.pairs.start + 1,
	                          sizeof(*m->targets))))
		return jf_err_set(l->err, JF_ENOMEM, "out of memory");
	jf_config__yaml_foreach_pair (&l->doc, n, pair) {
		jf_ynode *k = jf_config__yaml_node(&l->doc, pair->key),
		         *v = jf_config__yaml_node(&l->doc, pair->value);
		jf_manifest_target *t = &m->targets[m->ntargets];
		const char *ks = NULL, *vs = NULL;

		if ((error = jf_config__yaml_scalar(&l->doc, k, "target name", &ks, l->err)) < 0 ||
		    (error = jf_config__yaml_scalar(&l->doc, v, "target device", &vs, l->err)) < 0)
			return error;
		if (strncmp(vs, "/dev/", 5) && strncmp(vs, "/sys/class/block#", 17))
			return jf_config__yaml_error(&l->doc, l->err, v,
			                             "target '%s' is '%s'; write a device path "
			                             "(/dev/mmcblk0) or /sys/class/block#ADDRESS",
			                             ks, vs);
		if (!strncmp(vs, "/sys/class/block#", 17) && !vs[17])
			return jf_config__yaml_error(
			    &l->doc, l->err, v, "target '%s' needs an address after the '#'", ks);
		if (!(t->name = strdup(ks)) || !(t->device = strdup(vs)))
			return jf_err_set(l->err, JF_ENOMEM, "out of memory");
		m->ntargets++;
	}
	if (!m->ntargets)
		return jf_config__yaml_error(&l->doc, l->err, n,
		                             "spec.targets is empty; name at least one");
	return 0;
}

static int load_login(mloader *l, jf_ynode *spec)
{
	jf_manifest_login *lg = &l->m->login;
	jf_ynode *n = jf_config__yaml_get(&l->doc, spec, "login");
	int error;

	if (n && !jf_config__yaml_is_null(n)) {
		if ((error = jf_config__yaml_want_map(&l->doc, n, "spec.login", l->err)) < 0 ||
		    (error = str(l, n, "type", "spec.login.type", false, &lg->type)) < 0 ||
		    (error = str(l, n, "login_prompt", "spec.login.login_prompt", false,
		                 &lg->login_prompt)) < 0 ||
		    (error = str(l, n, "username", "spec.login.username", false, &lg->username)) <
		        0 ||
		    (error = str(l, n, "password", "spec.login.password", false, &lg->password)) <
		        0 ||
		    (error = str(l, n, "prompt", "spec.login.prompt", false, &lg->prompt)) < 0)
			return error;
		if (lg->password && l->log && jf_log_secret(l->log, lg->password) < 0)
			return jf_err_set(l->err, JF_ENOMEM, "out of memory");
		/* refusing would make the board unusable: say why logs look odd */
		if (lg->password && *lg->password && strlen(lg->password) < JF_REDACT_MIN_LEN &&
		    l->log) {
			jf_ynode *pw = jf_config__yaml_get(&l->doc, n, "password");

			jf_warn(l->log, "config",
			        "%s:%d:%d: spec.login.password has %zu character%s: too short to "
			        "mask safely, every occurrence of it in logs and transcripts "
			        "shows as ***; use %d or more",
			        l->doc.name, jf_config__yaml_line(pw), jf_config__yaml_col(pw),
			        strlen(lg->password), strlen(lg->password) == 1 ? "" : "s",
			        JF_REDACT_MIN_LEN);
		}
		if (lg->password && !lg->username)
			return jf_config__yaml_error(
			    &l->doc, l->err, n,
			    "spec.login has a password but no username; add "
			    "'username:'");
	}
	if ((error = set_default(l, &lg->type, "busybox")) < 0 ||
	    (error = set_default(l, &lg->login_prompt, "login:")) < 0 ||
	    (error = set_default(l, &lg->prompt, "#")) < 0)
		return error;
	if (strcmp(lg->type, "busybox"))
		return jf_config__yaml_error(
		    &l->doc, l->err, jf_config__yaml_get(&l->doc, n, "type"),
		    "spec.login.type '%s' is not supported; use busybox", lg->type);
	return 0;
}

static int load_preflash(mloader *l, jf_ynode *spec)
{
	jf_manifest *m = l->m;
	jf_ynode *n = jf_config__yaml_get(&l->doc, spec, "preflash_commands");
	int error;

	if (!n || jf_config__yaml_is_null(n))
		return 0;
	if ((error = jf_config__yaml_want_seq(&l->doc, n, "spec.preflash_commands", l->err)) < 0)
		return error;
	if (!(m->preflash_commands = calloc(
	          n->data.sequence.items.top - n->data.sequence.items.start + 1, sizeof(char *))))
		return jf_err_set(l->err, JF_ENOMEM, "out of memory");
	jf_config__yaml_foreach_item (&l->doc, n, it) {
		const char *v = NULL;

		if ((error = jf_config__yaml_scalar(&l->doc, jf_config__yaml_node(&l->doc, *it),
		                                    "spec.preflash_commands item", &v, l->err)) < 0)
			return error;
		if (!(m->preflash_commands[m->npreflash++] = strdup(v)))
			return jf_err_set(l->err, JF_ENOMEM, "out of memory");
	}
	return 0;
}

static int load_variant(mloader *l, jf_ynode *k, jf_ynode *v, jf_manifest_variant *var)
{
	const char *name = NULL;
	char what[160];
	int error;

	if ((error = jf_config__yaml_scalar(&l->doc, k, "variant name", &name, l->err)) < 0)
		return error;
	if (!(var->name = strdup(name)))
		return jf_err_set(l->err, JF_ENOMEM, "out of memory");
	if (v && v->type == YAML_SCALAR_NODE && !jf_config__yaml_is_null(v)) {
		/* shorthand: "name: data/x.dtb" */
		if (!(var->file = strdup((char *)v->data.scalar.value)))
			return jf_err_set(l->err, JF_ENOMEM, "out of memory");
		if (!jf_bundle_path_ok(var->file))
			return jf_config__yaml_error(
			    &l->doc, l->err, v,
			    "spec.dtb.variants.%s '%s' must be a path inside the "
			    "bundle: relative, without '..'",
			    name, var->file);
		return 0;
	}
	if (jf_config__yaml_is_null(v))
		return 0;
	if ((error = jf_config__yaml_want_map(&l->doc, v, "spec.dtb.variants entry", l->err)) < 0)
		return error;
	snprintf(what, sizeof(what), "spec.dtb.variants.%s.file", name);
	if ((error = file_path(l, v, "file", what, false, &var->file)) < 0)
		return error;
	snprintf(what, sizeof(what), "spec.dtb.variants.%s.bootcmd", name);
	return str(l, v, "bootcmd", what, false, &var->bootcmd);
}

static int load_dtb(mloader *l, jf_ynode *spec)
{
	jf_manifest *m = l->m;
	jf_ynode *n = jf_config__yaml_get(&l->doc, spec, "dtb"), *vars;
	bool any_file = false;
	int error;

	if (!n || jf_config__yaml_is_null(n))
		return 0;
	m->has_dtb = true;
	if ((error = jf_config__yaml_want_map(&l->doc, n, "spec.dtb", l->err)) < 0 ||
	    (error = str(l, n, "default", "spec.dtb.default", true, &m->dtb_default)) < 0)
		return error;
	vars = jf_config__yaml_get(&l->doc, n, "variants");
	if (!vars || jf_config__yaml_is_null(vars))
		return jf_config__yaml_error(
		    &l->doc, l->err, n,
		    "spec.dtb.variants is required; add 'variants: {%s: {file: "
		    "data/dtbs/%s.dtb}}'",
		    m->dtb_default, m->dtb_default);
	if ((error = jf_config__yaml_want_map(&l->doc, vars, "spec.dtb.variants", l->err)) < 0)
		return error;
	if (!(m->variants =
	          calloc(vars->data.mapping.pairs.top - vars->data.mapping.pairs.start + 1,
	                 sizeof(*m->variants))))
		return jf_err_set(l->err, JF_ENOMEM, "out of memory");
	jf_config__yaml_foreach_pair (&l->doc, vars, pair) {
		jf_manifest_variant *var = &m->variants[m->nvariants++];

		if ((error = load_variant(l, jf_config__yaml_node(&l->doc, pair->key),
		                          jf_config__yaml_node(&l->doc, pair->value), var)) < 0)
			return error;
		any_file |= var->file != NULL;
	}
	if (!jf_manifest_variant_get(m, m->dtb_default)) {
		jf_ynode *d = jf_config__yaml_get(&l->doc, n, "default");

		return jf_config__yaml_error(
		    &l->doc, l->err, d,
		    "spec.dtb.default '%s' is not one of spec.dtb.variants; "
		    "name an existing variant or add it",
		    m->dtb_default);
	}
	if (jf_config__yaml_get(&l->doc, n, "address") || any_file)
		return address(l, n, "spec.dtb.address", &m->dtb);
	return 0;
}

static int load_spec(mloader *l, jf_ynode *spec)
{
	jf_manifest *m = l->m;
	int error;

	if ((error = str(l, spec, "manufacturer", "spec.manufacturer", false, &m->manufacturer)) <
	        0 ||
	    (error = str(l, spec, "link", "spec.link", false, &m->link)) < 0 ||
	    (error = str(l, spec, "bootcmd", "spec.bootcmd", true, &m->bootcmd)) < 0 ||
	    (error = str(l, spec, "shelltype", "spec.shelltype", false, &m->shelltype)) < 0 ||
	    (error = set_default(l, &m->shelltype, "busybox")) < 0)
		return error;
	if (strcmp(m->shelltype, "busybox"))
		return jf_config__yaml_error(
		    &l->doc, l->err, jf_config__yaml_get(&l->doc, spec, "shelltype"),
		    "spec.shelltype '%s' is not supported; use busybox", m->shelltype);
	if ((error = load_targets(l, spec)) < 0 ||
	    (error = str(l, spec, "default_target", "spec.default_target", true,
	                 &m->default_target)) < 0)
		return error;
	if (!jf_manifest_target_device(m, m->default_target))
		return jf_config__yaml_error(
		    &l->doc, l->err, jf_config__yaml_get(&l->doc, spec, "default_target"),
		    "spec.default_target '%s' is not one of spec.targets; name "
		    "an existing target",
		    m->default_target);
	if ((error = load_login(l, spec)) < 0 || (error = load_preflash(l, spec)) < 0 ||
	    (error = load_file(l, spec, "kernel", true, &m->kernel, NULL)) < 0 ||
	    (error = load_file(l, spec, "initram", false, &m->initram, &m->has_initram)) < 0)
		return error;
	return load_dtb(l, spec);
}

static int parse(mloader *l)
{
	jf_manifest *m = l->m;
	jf_ynode *root = jf_config__yaml_root(&l->doc), *meta, *spec;
	int error;

	if ((error = jf_config__yaml_check_header(&l->doc, "FlashBundleManifest",
	                                          "a bundle manifest", l->err)) < 0 ||
	    (error = str(l, root, "apiVersion", "apiVersion", false, &m->api_version)) < 0 ||
	    (error = str(l, root, "kind", "kind", false, &m->kind)) < 0)
		return error;
	if ((error = set_default(l, &m->api_version, "jumpstarter.dev/v1alpha1")) < 0 ||
	    (error = set_default(l, &m->kind, "FlashBundleManifest")) < 0)
		return error;
	if ((meta = jf_config__yaml_get(&l->doc, root, "metadata")) &&
	    !jf_config__yaml_is_null(meta) &&
	    ((error = jf_config__yaml_want_map(&l->doc, meta, "metadata", l->err)) < 0 ||
	     (error = str(l, meta, "name", "metadata.name", false, &m->name)) < 0))
		return error;
	spec = jf_config__yaml_get(&l->doc, root, "spec");
	if (!spec || jf_config__yaml_is_null(spec))
		return jf_config__yaml_error(
		    &l->doc, l->err, root,
		    "there is no 'spec:' section; a bundle manifest describes "
		    "the board under spec:");
	if ((error = jf_config__yaml_want_map(&l->doc, spec, "spec", l->err)) < 0)
		return error;
	return load_spec(l, spec);
}

static int finish(jf_manifest *m, mloader *l, int error)
{
	if (error == 0)
		error = parse(l);
	jf_config__yaml_dispose(&l->doc);
	if (error < 0) {
		jf_manifest_dispose(m);
		if (l->log)
			jf_log_redact_err(l->log, l->err);
	}
	return error;
}

int jf_manifest_load(jf_manifest *m, const char *path, jf_log *log, jf_err *err)
{
	mloader l = {.m = m, .log = log, .err = err};

	memset(m, 0, sizeof(*m));
	if (!(m->path = strdup(path)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	return finish(m, &l, jf_config__yaml_load_file(&l.doc, path, err));
}

int jf_manifest_load_string(jf_manifest *m, const char *name, const char *text, jf_log *log,
                            jf_err *err)
{
	mloader l = {.m = m, .log = log, .err = err};

	memset(m, 0, sizeof(*m));
	if (!(m->path = strdup(name)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	return finish(m, &l, jf_config__yaml_load_string(&l.doc, name, text, strlen(text), err));
}

static void free_file(jf_manifest_file *f)
{
	free(f->file);
	free(f->address_s);
}

void jf_manifest_dispose(jf_manifest *m)
{
	for (size_t i = 0; i < m->ntargets; i++) {
		free(m->targets[i].name);
		free(m->targets[i].device);
	}
	for (size_t i = 0; i < m->nvariants; i++) {
		free(m->variants[i].name);
		free(m->variants[i].file);
		free(m->variants[i].bootcmd);
	}
	for (size_t i = 0; i < m->npreflash; i++)
		free(m->preflash_commands[i]);
	if (m->login.password)
		memset(m->login.password, 0, strlen(m->login.password));
	free(m->login.type);
	free(m->login.login_prompt);
	free(m->login.username);
	free(m->login.password);
	free(m->login.prompt);
	free(m->targets);
	free(m->variants);
	free(m->preflash_commands);
	free_file(&m->kernel);
	free_file(&m->initram);
	free_file(&m->dtb);
	free(m->path);
	free(m->api_version);
	free(m->kind);
	free(m->name);
	free(m->manufacturer);
	free(m->link);
	free(m->bootcmd);
	free(m->shelltype);
	free(m->default_target);
	free(m->dtb_default);
	memset(m, 0, sizeof(*m));
}

const jf_manifest_variant *jf_manifest_variant_get(const jf_manifest *m, const char *name)
{
	if (!name || !*name)
		name = m->dtb_default;
	for (size_t i = 0; name && i < m->nvariants; i++)
		if (!strcmp(m->variants[i].name, name))
			return &m->variants[i];
	return NULL;
}

const char *jf_manifest_bootcmd(const jf_manifest *m, const char *variant)
{
	const jf_manifest_variant *v;

	if (!m->has_dtb)
		return m->bootcmd;
	if (!(v = jf_manifest_variant_get(m, variant)))
		return NULL;
	return v->bootcmd ? v->bootcmd : m->bootcmd;
}

const char *jf_manifest_target_device(const jf_manifest *m, const char *name)
{
	for (size_t i = 0; name && i < m->ntargets; i++)
		if (!strcmp(m->targets[i].name, name))
			return m->targets[i].device;
	return NULL;
}
