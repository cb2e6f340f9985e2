/* Power through an SNMP PDU outlet (net-snmp): SET oid.plug to on_value or
 * off_value; GET it for the state. v1/v2c with a community, v3 with a user
 * and auth/priv protocols and passphrases (upstream SNMPServer's keys). */
#include "power_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

typedef struct snmp_power {
	void *sess; /* snmp_sess_open handle */
	oid name[MAX_OID_LEN];
	size_t name_len;
	long on_value, off_value;
	char *where;   /* "host:port" for messages */
	char *version; /* "1", "2c", "3" */
	jf_log *log;
} snmp_power;

/* Known PDUs' outlet control objects (used when oid/on/off are not given). */
static const struct {
	const char *name, *oid;
	long on, off;
} presets[] = {
    /* Raritan PDU2-MIB outletSwitchingOperation: on(1), off(0) (upstream's default) */
    {"raritan", "1.3.6.1.4.1.13742.6.4.1.2.1.2.1", 1, 0},
    /* APC PowerNet-MIB rPDUOutletControlOutletCommand: immediateOn(1), immediateOff(2) */
    {"apc", "1.3.6.1.4.1.318.1.1.12.3.3.1.1.4", 1, 2},
    /* CyberPower ePDUOutletControlOutletCommand: immediateOn(1), immediateOff(2) */
    {"cyberpower", "1.3.6.1.4.1.3808.1.1.3.3.3.1.1.4", 1, 2},
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* net-snmp keeps process-wide state; set it up once, without reading the
 * user's snmp.conf, persistent state or printing anything. */
static void init_netsnmp(void)
{
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_ERRORS, 0);
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);
	/* With every handler disabled net-snmp falls back to stderr; a handler
	 * of type NONE swallows its messages (missing MIBs and the like). */
	snmp_disable_log();
	netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_DEBUG);
	init_snmp("jmpflash");
}

static void snmp_free_impl(void *impl)
{
	snmp_power *s = impl;
	netsnmp_session *ss;
	struct usmUser *u;

	if (s->sess && (ss = snmp_sess_session(s->sess)) && ss->version == SNMP_VERSION_3 &&
	    ss->securityName) {
		/* net-snmp caches v3 users (with their keys) process-wide by engine
		 * and name; drop ours so a later session's keys are the ones used. */
		u = usm_get_user(ss->securityEngineID, ss->securityEngineIDLen, ss->securityName);
		if (u) {
			usm_remove_user(u);
			usm_free_user(u);
		}
	}
	if (s->sess)
		snmp_sess_close(s->sess);
	free(s->where);
	free(s->version);
	free(s);
}

static int parse_oid(snmp_power *s, const char *text, int64_t plug)
{
	const char *p = text[0] == '.' ? text + 1 : text;

	s->name_len = 0;
	while (*p) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || (*end && *end != '.') || s->name_len + 1 >= MAX_OID_LEN)
			return -1;
		s->name[s->name_len++] = (oid)v;
		p = *end ? end + 1 : end;
	}
	if (s->name_len < 2 || plug < 0)
		return -1;
	s->name[s->name_len++] = (oid)plug;
	return 0;
}

/* Why a request failed, in words that say what to check. */
static int request_error(snmp_power *s, int status, netsnmp_pdu *resp, const char *what,
                         jf_err *err)
{
	char *msg = NULL;
	int liberr = 0, syserr = 0, code;

	if (status == STAT_TIMEOUT)
		return jf_err_set(err, JF_EUNREACHABLE,
		                  "SNMP %s to PDU %s got no answer (SNMP v%s): check host, port "
		                  "and %s",
		                  what, s->where, s->version,
		                  !strcmp(s->version, "3") ? "user, keys and protocols"
		                                           : "community");
	if (status == STAT_SUCCESS && resp)
		return jf_err_set(err, JF_EPROTO, "PDU %s refused the SNMP %s: %s", s->where, what,
		                  snmp_errstring((int)resp->errstat));
	snmp_sess_error(s->sess, &liberr, &syserr, &msg);
	code = jf_err_set(err, JF_EPROTO, "SNMP %s to PDU %s failed: %s", what, s->where,
	                  msg ? msg : "unknown error");
	free(msg);
	return code;
}

static int snmp_set_value(snmp_power *s, long value, jf_err *err)
{
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_SET), *resp = NULL;
	int status, error = 0;

	if (!pdu)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	snmp_pdu_add_variable(pdu, s->name, s->name_len, ASN_INTEGER, &value, sizeof(value));
	status = snmp_sess_synch_response(s->sess, pdu, &resp);
	if (status != STAT_SUCCESS || !resp || resp->errstat != SNMP_ERR_NOERROR)
		error = request_error(s, status, resp, "SET", err);
	else
		jf_debug(s->log, "power", "SNMP SET %s plug -> %ld ok", s->where, value);
	if (resp)
		snmp_free_pdu(resp);
	return error;
}

static int snmp_on(void *impl, jf_err *err)
{
	snmp_power *s = impl;

	return snmp_set_value(s, s->on_value, err);
}

static int snmp_off(void *impl, jf_err *err)
{
	snmp_power *s = impl;

	return snmp_set_value(s, s->off_value, err);
}

static int snmp_state(void *impl, jf_power_state *st, jf_err *err)
{
	snmp_power *s = impl;
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *resp = NULL;
	int status, error = 0;

	*st = JF_POWER_UNKNOWN;
	if (!pdu)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	snmp_add_null_var(pdu, s->name, s->name_len);
	status = snmp_sess_synch_response(s->sess, pdu, &resp);
	if (status != STAT_SUCCESS || !resp || resp->errstat != SNMP_ERR_NOERROR)
		error = request_error(s, status, resp, "GET", err);
	else if (!resp->variables || resp->variables->type != ASN_INTEGER)
		error = jf_err_set(err, JF_EPROTO, "PDU %s has no integer outlet state at that OID",
		                   s->where);
	else if (*resp->variables->val.integer == s->on_value)
		*st = JF_POWER_ON;
	else if (*resp->variables->val.integer == s->off_value)
		*st = JF_POWER_OFF;
	if (resp)
		snmp_free_pdu(resp);
	return error;
}

static const jf_power_ops ops = {"snmp",     snmp_on, snmp_off,       NULL,
                                 snmp_state, NULL,    snmp_free_impl, NULL};

static int auth_proto(const char *name, oid **proto, size_t *len)
{
	static const struct {
		const char *name;
		oid *proto;
	} t[] = {
	    {"MD5", usmHMACMD5AuthProtocol},          {"SHA", usmHMACSHA1AuthProtocol},
	    {"SHA224", usmHMAC128SHA224AuthProtocol}, {"SHA256", usmHMAC192SHA256AuthProtocol},
	    {"SHA384", usmHMAC256SHA384AuthProtocol}, {"SHA512", usmHMAC384SHA512AuthProtocol},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcasecmp(name, t[i].name)) {
			*proto = t[i].proto;
			*len = USM_AUTH_PROTO_SHA_LEN;
			return 0;
		}
	return -1;
}

static int priv_proto(const char *name, oid **proto, size_t *len)
{
	if (!strcasecmp(name, "DES")) {
		*proto = usmDESPrivProtocol;
		*len = USM_PRIV_PROTO_DES_LEN;
	} else if (!strcasecmp(name, "AES")) {
		*proto = usmAESPrivProtocol;
		*len = USM_PRIV_PROTO_AES_LEN;
	} else if (!strcasecmp(name, "AES192")) {
		*proto = usmAES192PrivProtocol;
		*len = OID_LENGTH(usmAES192PrivProtocol);
	} else if (!strcasecmp(name, "AES256")) {
		*proto = usmAES256PrivProtocol;
		*len = OID_LENGTH(usmAES256PrivProtocol);
	} else {
		return -1;
	}
	return 0;
}

/* Fill the v3 security fields of @ss; keys are derived from passphrases. */
static int setup_v3(netsnmp_session *ss, const jf_driver *d, jf_err *err)
{
	const char *user = jf_driver_str(d, "user"), *ap = jf_driver_str(d, "auth_protocol");
	const char *pp = jf_driver_str(d, "priv_protocol"), *ak = jf_driver_str(d, "auth_key");
	const char *pk = jf_driver_str(d, "priv_key");
	bool auth = ap && strcasecmp(ap, "NONE"), priv = pp && strcasecmp(pp, "NONE");

	if (!user || !*user)
		return jf_err_set(err, JF_ECONFIG,
		                  "%s: SNMP v3 needs 'user' (or set version: 2c "
		                  "and community)",
		                  d->path);
	ss->securityName = (char *)user;
	ss->securityNameLen = strlen(user);
	ss->securityLevel = priv   ? SNMP_SEC_LEVEL_AUTHPRIV
	                    : auth ? SNMP_SEC_LEVEL_AUTHNOPRIV
	                           : SNMP_SEC_LEVEL_NOAUTH;
	if (priv && !auth)
		return jf_err_set(err, JF_ECONFIG, "%s: priv_protocol needs an auth_protocol too",
		                  d->path);
	if (auth) {
		if (!ak || strlen(ak) < 8)
			return jf_err_set(err, JF_ECONFIG,
			                  "%s: auth_key must be at least 8 characters", d->path);
		if (auth_proto(ap, &ss->securityAuthProto, &ss->securityAuthProtoLen) < 0)
			return jf_err_set(err, JF_ECONFIG, "%s: unknown auth_protocol %s", d->path,
			                  ap);
		ss->securityAuthKeyLen = USM_AUTH_KU_LEN;
		if (generate_Ku(ss->securityAuthProto, (u_int)ss->securityAuthProtoLen,
		                (const u_char *)ak, strlen(ak), ss->securityAuthKey,
		                &ss->securityAuthKeyLen) != SNMPERR_SUCCESS)
			return jf_err_set(err, JF_ECONFIG, "%s: cannot derive the SNMP auth key",
			                  d->path);
	}
	if (priv) {
		if (!pk || strlen(pk) < 8)
			return jf_err_set(err, JF_ECONFIG,
			                  "%s: priv_key must be at least 8 characters", d->path);
		if (priv_proto(pp, &ss->securityPrivProto, &ss->securityPrivProtoLen) < 0)
			return jf_err_set(err, JF_ECONFIG, "%s: unknown priv_protocol %s", d->path,
			                  pp);
		ss->securityPrivKeyLen = USM_PRIV_KU_LEN;
		if (generate_Ku(ss->securityAuthProto, (u_int)ss->securityAuthProtoLen,
		                (const u_char *)pk, strlen(pk), ss->securityPrivKey,
		                &ss->securityPrivKeyLen) != SNMPERR_SUCCESS)
			return jf_err_set(err, JF_ECONFIG, "%s: cannot derive the SNMP priv key",
			                  d->path);
	}
	return 0;
}

static int setup_values(snmp_power *s, const jf_driver *d, jf_err *err)
{
	const char *preset = jf_driver_str(d, "preset"), *oidtext = jf_driver_str(d, "oid");
	const jf_param *po = jf_driver_param(d, "oid"), *pon = jf_driver_param(d, "on_value");
	const jf_param *poff = jf_driver_param(d, "off_value");

	s->on_value = (long)jf_driver_int(d, "on_value", 1);
	s->off_value = (long)jf_driver_int(d, "off_value", 0);
	for (size_t i = 0; preset && i < sizeof(presets) / sizeof(presets[0]); i++) {
		if (strcmp(preset, presets[i].name))
			continue;
		if (!po || po->defaulted)
			oidtext = presets[i].oid;
		if (!pon || pon->defaulted)
			s->on_value = presets[i].on;
		if (!poff || poff->defaulted)
			s->off_value = presets[i].off;
	}
	if (!oidtext || parse_oid(s, oidtext, jf_driver_int(d, "plug", -1)) < 0)
		return jf_err_set(err, JF_ECONFIG,
		                  "%s: oid '%s' with plug %lld is not a numeric OID "
		                  "(like 1.3.6.1.4.1.13742.6.4.1.2.1.2.1 and plug: 3)",
		                  d->path, oidtext ? oidtext : "",
		                  (long long)jf_driver_int(d, "plug", -1));
	return 0;
}

int jf_power__snmp_open(jf_power **out, const jf_driver *d, jf_log *log, jf_err *err)
{
	snmp_power *s = calloc(1, sizeof(*s));
	const char *host = jf_driver_str(d, "host"), *version = jf_driver_str(d, "version");
	const char *community = jf_driver_str(d, "community");
	unsigned timeout_ms = jf_power__param_ms(d, "timeout", 5000);
	netsnmp_session ss;
	char peer[300];
	int error;

	*out = NULL;
	if (!s)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	s->log = log;
	pthread_once(&init_once, init_netsnmp);
	snmp_sess_init(&ss);
	snprintf(peer, sizeof(peer), "%s:%lld", host ? host : "",
	         (long long)jf_driver_int(d, "port", 161));
	if (!(s->where = strdup(peer)) || !(s->version = strdup(version ? version : "3"))) {
		error = jf_err_set(err, JF_ENOMEM, "out of memory");
		goto fail;
	}
	if ((error = setup_values(s, d, err)) < 0)
		goto fail;
	snprintf(peer, sizeof(peer), "udp:%s:%lld", host ? host : "",
	         (long long)jf_driver_int(d, "port", 161));
	ss.peername = peer;
	ss.timeout = (long)timeout_ms * 1000L / 2; /* two tries share the timeout */
	ss.retries = 1;
	if (!strcmp(s->version, "3")) {
		ss.version = SNMP_VERSION_3;
		if ((error = setup_v3(&ss, d, err)) < 0)
			goto fail;
	} else {
		ss.version = !strcmp(s->version, "1") ? SNMP_VERSION_1 : SNMP_VERSION_2c;
		if (!community) {
			error = jf_err_set(err, JF_ECONFIG,
			                   "%s: SNMP v%s needs 'community' (the PDU's write "
			                   "community)",
			                   d->path, s->version);
			goto fail;
		}
		ss.community = (u_char *)community;
		ss.community_len = strlen(community);
	}
	if (!(s->sess = snmp_sess_open(&ss))) {
		int liberr = 0, syserr = 0;
		char *msg = NULL;

		snmp_error(&ss, &liberr, &syserr, &msg);
		error = jf_err_set(err, JF_ECONFIG, "%s: cannot open an SNMP session to %s: %s",
		                   d->path, s->where, msg ? msg : "unknown error");
		free(msg);
		goto fail;
	}
	memset(ss.securityAuthKey, 0, sizeof(ss.securityAuthKey));
	memset(ss.securityPrivKey, 0, sizeof(ss.securityPrivKey));
	return jf_power_new(out, &ops, s, d->path, log, err);
fail:
	memset(ss.securityAuthKey, 0, sizeof(ss.securityAuthKey));
	memset(ss.securityPrivKey, 0, sizeof(ss.securityPrivKey));
	snmp_free_impl(s);
	return error;
}
