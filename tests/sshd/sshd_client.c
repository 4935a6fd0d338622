/* sshd_client.c - the real OpenSSH client against the test's sshd: with
 * the user's key, or through sshpass with a password. The client runs as
 * root here and needs no wrapper: it only reads the key it is given. Its
 * configuration is -F /dev/null plus options, its environment PATH and
 * LC_ALL only (no agent, no known_hosts written). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshd_harness.h"
#include "sshd_proc.h"

#define SSH_PATH	  "/usr/bin/ssh"
#define SSHPASS_PATH	  "/usr/bin/sshpass"
#define CLIENT_TIMEOUT_MS 30000
#define MAX_ARGV	  48

struct sh_bg {
	struct sp_child c;
};

static const char *const key_env[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};

/* The options every login shares, into argv from *n on. */
static void common_options(const char **argv, size_t *n, const char *port)
{
	static const char *const opts[] = {
	    "-F", "/dev/null",
	    "-o", "LogLevel=ERROR",
	    "-o", "StrictHostKeyChecking=no",
	    "-o", "UserKnownHostsFile=/dev/null",
	    "-o", "GlobalKnownHostsFile=/dev/null",
	    "-o", "IdentityAgent=none",
	    "-o", "ConnectTimeout=10",
	    "-p"};

	for (size_t i = 0; i < sizeof(opts) / sizeof(*opts); i++)
		argv[(*n)++] = opts[i];
	argv[(*n)++] = port;
}

static void key_argv(const char **argv, char *port, const char *command)
{
	size_t n = 0;

	argv[n++] = SSH_PATH;
	common_options(argv, &n, port);
	argv[n++] = "-o";
	argv[n++] = "BatchMode=yes";
	argv[n++] = "-o";
	argv[n++] = "IdentitiesOnly=yes";
	argv[n++] = "-o";
	argv[n++] = "PreferredAuthentications=publickey";
	argv[n++] = "-i";
	argv[n++] = sh.key;
	argv[n++] = SH_USER "@127.0.0.1";
	argv[n++] = command;
	argv[n] = NULL;
}

void sh_run_free(struct sh_run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

void sh_ssh_key(const char *command, struct sh_run *r)
{
	const char *argv[MAX_ARGV];
	char port[16];

	snprintf(port, sizeof(port), "%d", sh.port);
	key_argv(argv, port, command);
	memset(r, 0, sizeof(*r));
	r->status = sp_run(argv, key_env, CLIENT_TIMEOUT_MS, &r->out, &r->err);
}

void sh_ssh_password(const char *password, const char *command,
		     struct sh_run *r)
{
	const char *argv[MAX_ARGV];
	const char *env[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL, NULL};
	char port[16], *pass = NULL;
	size_t n = 0;

	/* sshpass -e: the password from SSHPASS, not from the command line */
	cr_assert(asprintf(&pass, "SSHPASS=%s", password) > 0);
	env[2] = pass;
	snprintf(port, sizeof(port), "%d", sh.port);
	argv[n++] = SSHPASS_PATH;
	argv[n++] = "-e";
	argv[n++] = SSH_PATH;
	common_options(argv, &n, port);
	argv[n++] = "-o";
	argv[n++] = "PubkeyAuthentication=no";
	argv[n++] = "-o";
	argv[n++] = "PreferredAuthentications=password";
	argv[n++] = "-o";
	argv[n++] = "NumberOfPasswordPrompts=1";
	argv[n++] = SH_USER "@127.0.0.1";
	argv[n++] = command;
	argv[n] = NULL;
	memset(r, 0, sizeof(*r));
	r->status = sp_run(argv, env, CLIENT_TIMEOUT_MS, &r->out, &r->err);
	free(pass);
}

struct sh_bg *sh_ssh_key_start(const char *command)
{
	struct sh_bg *bg = calloc(1, sizeof(*bg));
	const char *argv[MAX_ARGV];
	char port[16];

	cr_assert_not_null(bg);
	snprintf(port, sizeof(port), "%d", sh.port);
	key_argv(argv, port, command);
	sp_start(&bg->c, argv, key_env, -1);
	return bg;
}

void sh_ssh_finish(struct sh_bg *bg, struct sh_run *r)
{
	memset(r, 0, sizeof(*r));
	r->status = sp_wait(&bg->c, CLIENT_TIMEOUT_MS);
	r->out = sp_out(&bg->c);
	r->err = sp_err(&bg->c);
	sp_stop(&bg->c, 0);
	free(bg);
	cr_assert_geq(r->status, 0, "ssh did not finish within %d ms: %s",
		      CLIENT_TIMEOUT_MS, r->err);
}
