/* The snmp power driver against a real snmpd: v2c and v3 (authPriv) SETs
 * reach the outlet OID with the configured values; a wrong community or a
 * wrong v3 key gives a clear error without the secret in it. */
#define _GNU_SOURCE
#include "helpers.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jmpflash/clock.h"
#include "jmpflash/power.h"

#define SNMPD    "/usr/sbin/snmpd"
#define BASE_OID "1.3.6.1.4.1.99999"

typedef struct agent {
	char *dir;
	int port;
	pid_t pid;
} agent;

static agent ag;

static int free_udp_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_DGRAM, 0), port;

	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, 8192);

	if (f) {
		if (fread(text, 1, 8191, f) == 0) {
			/* empty */
		}
		fclose(f);
	}
	return text;
}

/* Start snmpd with its own config and state dir; ready once it logs its
 * version line. */
static int agent_start(void **state)
{
	char conf[8192], path[4200], script[4096], env1[4200], env2[4200], endpoint[64];
	jf_deadline d = jf_deadline_in(20000);
	char *out;
	int fd;

	(void)state;
	if (access(SNMPD, X_OK) != 0) {
		fprintf(stderr, "snmpd is not installed (scripts/install-deps.sh installs it)\n");
		return -1;
	}
	ag.dir = test_tmpdir();
	ag.port = free_udp_port();
	snprintf(script, sizeof(script),
	         "#!/bin/sh\n"
	         "case \"$1\" in\n"
	         "-s) echo \"$2 $3 $4\" >> %s/sets.log; echo \"$4\" > %s/value ;;\n"
	         "-g) echo \"$2\"; echo integer; cat %s/value 2>/dev/null || echo 0 ;;\n"
	         "esac\n"
	         "exit 0\n",
	         ag.dir, ag.dir, ag.dir);
	test_write(ag.dir, "pass.sh", script, strlen(script));
	snprintf(path, sizeof(path), "%s/pass.sh", ag.dir);
	chmod(path, 0755);
	snprintf(conf, sizeof(conf),
	         "rwcommunity private 127.0.0.1\n"
	         "createUser jfuser SHA \"authpass123\" AES \"privpass123\"\n"
	         "rwuser jfuser priv\n"
	         "pass ." BASE_OID " %s\n",
	         path);
	test_write(ag.dir, "snmpd.conf", conf, strlen(conf));
	snprintf(env1, sizeof(env1), "SNMP_PERSISTENT_DIR=%s", ag.dir);
	snprintf(env2, sizeof(env2), "SNMPCONFPATH=%s", ag.dir);
	snprintf(endpoint, sizeof(endpoint), "udp:127.0.0.1:%d", ag.port);
	ag.pid = fork();
	if (ag.pid == 0) {
		char cpath[4200], logpath[4200];
		char *envp[] = {env1, env2, (char *)"MIBS=", NULL};

		snprintf(cpath, sizeof(cpath), "%s/snmpd.conf", ag.dir);
		snprintf(logpath, sizeof(logpath), "%s/snmpd.out", ag.dir);
		fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		setpgid(0, 0);
		execle(SNMPD, "snmpd", "-f", "-Lo", "-C", "-c", cpath, endpoint, (char *)NULL,
		       envp);
		_exit(127);
	}
	snprintf(path, sizeof(path), "%s/snmpd.out", ag.dir);
	for (;;) {
		out = slurp(path);
		if (strstr(out, "NET-SNMP version")) {
			free(out);
			return 0;
		}
		if (jf_deadline_expired(d) || waitpid(ag.pid, NULL, WNOHANG) == ag.pid) {
			fprintf(stderr, "snmpd did not start: %s\n", out);
			free(out);
			return -1;
		}
		free(out);
		poll(NULL, 0, 20);
	}
}

static int agent_stop(void **state)
{
	(void)state;
	if (ag.pid > 0) {
		kill(ag.pid, SIGTERM);
		waitpid(ag.pid, NULL, 0);
	}
	test_tmpdir_remove(ag.dir);
	return 0;
}

/* Open the snmp driver for the test agent, with @config's extra keys. */
static int open_snmp(test_power *c, const char *config)
{
	return test_power_open(c, "power",
	                       "  power:\n"
	                       "    type: jumpstarter_driver_snmp.driver.SNMPServer\n"
	                       "    config:\n"
	                       "      host: 127.0.0.1\n"
	                       "      port: %d\n"
	                       "      oid: " BASE_OID "\n"
	                       "      plug: 3\n"
	                       "      timeout: 1\n"
	                       "%s",
	                       ag.port, config);
}

static char *sets(void)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/sets.log", ag.dir);
	return slurp(path);
}

static void test_snmp_v2c_sets_outlet(void **state)
{
	test_power *c = *state;
	jf_power_state st;
	char *log;

	assert_int_equal(open_snmp(c, "      version: 2c\n"
	                              "      community: private\n"
	                              "      on_value: 1\n"
	                              "      off_value: 2\n"),
	                 0);
	jf_power_set_off_time(c->p, 0);
	assert_int_equal(jf_power_on(c->p, &c->err), 0);
	assert_int_equal(jf_power_state_get(c->p, &st, &c->err), 0);
	assert_int_equal(st, JF_POWER_ON);
	assert_int_equal(jf_power_cycle(c->p, &c->err), 0);
	log = sets();
	assert_string_equal(log, "." BASE_OID ".3 integer 1\n"
	                         "." BASE_OID ".3 integer 2\n"
	                         "." BASE_OID ".3 integer 1\n");
	free(log);
	assert_null(strstr(c->t.text, "private"));
}

static void test_snmp_v3_authpriv_sets_outlet(void **state)
{
	test_power *c = *state;
	char *log;

	assert_int_equal(open_snmp(c, "      user: jfuser\n"
	                              "      auth_protocol: SHA\n"
	                              "      auth_key: authpass123\n"
	                              "      priv_protocol: AES\n"
	                              "      priv_key: privpass123\n"),
	                 0);
	assert_int_equal(jf_power_off(c->p, &c->err), 0);
	log = sets();
	assert_non_null(strstr(log, "." BASE_OID ".3 integer 0\n"));
	free(log);
}

static void test_snmp_wrong_community_is_a_clear_error(void **state)
{
	test_power *c = *state;

	assert_int_equal(open_snmp(c, "      version: 2c\n"
	                              "      community: not-the-one\n"),
	                 0);
	assert_int_equal(jf_power_on(c->p, &c->err), JF_EUNREACHABLE);
	jf_log_redact_err(&c->t.log, &c->err);
	assert_non_null(strstr(c->err.msg, "got no answer"));
	assert_non_null(strstr(c->err.msg, "check host, port and community"));
	assert_null(strstr(c->err.msg, "not-the-one"));
}

static void test_snmp_wrong_v3_key_is_a_clear_error(void **state)
{
	test_power *c = *state;

	assert_int_equal(open_snmp(c, "      user: jfuser\n"
	                              "      auth_protocol: SHA\n"
	                              "      auth_key: wrongpass99\n"
	                              "      priv_protocol: AES\n"
	                              "      priv_key: privpass123\n"),
	                 0);
	assert_true(jf_power_on(c->p, &c->err) < 0);
	assert_non_null(strstr(c->err.msg, "127.0.0.1"));
	assert_non_null(strstr(c->err.msg, "Authentication failure"));
	assert_null(strstr(c->err.msg, "wrongpass99"));
}

static void test_snmp_preset_values(void **state)
{
	test_power *c = *state;
	char *log;

	/* The APC preset's off value (immediateOff = 2) applies; the oid given
	 * in the file wins over the preset's. */
	assert_int_equal(open_snmp(c, "      version: 2c\n"
	                              "      community: private\n"
	                              "      preset: apc\n"),
	                 0);
	assert_int_equal(jf_power_off(c->p, &c->err), 0);
	log = sets();
	assert_non_null(strstr(log, "." BASE_OID ".3 integer 2\n"));
	free(log);
}

#define SNMP_CASE(fn) cmocka_unit_test_setup_teardown(fn, test_power_setup, test_power_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SNMP_CASE(test_snmp_v2c_sets_outlet),
	    SNMP_CASE(test_snmp_v3_authpriv_sets_outlet),
	    SNMP_CASE(test_snmp_wrong_community_is_a_clear_error),
	    SNMP_CASE(test_snmp_wrong_v3_key_is_a_clear_error),
	    SNMP_CASE(test_snmp_preset_values),
	};

	return cmocka_run_group_tests(tests, agent_start, agent_stop);
}
