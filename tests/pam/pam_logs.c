/* pam_logs.c - the module's syslog lines, captured per test into ph.log.
 *
 * Under pam_wrapper, pam_syslog() prints "PWRAP_ERROR[...] - SYSLOG(3):
 * <message>" on stderr: stderr goes to the file for the whole test.
 *
 * Without it, libpam's pam_syslog() calls syslog(3), which sends one
 * datagram per line to /dev/log. The worker gets a private mount namespace
 * in which /dev is a directory of ours: the device nodes a worker uses,
 * bind-mounted from the real /dev, and a datagram socket named log that
 * we read. Each datagram becomes a line "SYSLOG: <datagram>".
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "pam_harness.h"
#include "pam_internal.h"
#include "test_util.h"

static int saved_stderr = -1;
static int log_fd = -1;
static int syslog_sock = -1;

static void append(const char *text, size_t len)
{
	while (len) {
		ssize_t n = write(log_fd, text, len);

		cr_assert(n > 0, "write %s: %s", ph.log, strerror(errno));
		text += n;
		len -= (size_t)n;
	}
}

/* /dev for this worker: the usual nodes and a socket "log" of ours. */
static void private_dev_log(void)
{
	static const char *const nodes[] = {"null",   "zero",	 "full",
					    "random", "urandom", "tty"};
	static const char *const links[][2] = {{"fd", "/proc/self/fd"},
					       {"stdin", "/proc/self/fd/0"},
					       {"stdout", "/proc/self/fd/1"},
					       {"stderr", "/proc/self/fd/2"}};
	char *dev = tu_path(ph.root, "dev"), *sock = tu_path(dev, "log");
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	ph_private_mounts();
	cr_assert_eq(mkdir(dev, 0755), 0);
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		char *src = tu_path("/dev", nodes[i]);
		char *dst = tu_path(dev, nodes[i]);
		int fd;

		if (access(src, F_OK) == 0) {
			fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			cr_assert(fd >= 0);
			close(fd);
			cr_assert_eq(mount(src, dst, "none", MS_BIND, NULL), 0,
				     "bind %s: %s", src, strerror(errno));
			ph_track_mount(dst);
		}
		free(src);
		free(dst);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		char *dst = tu_path(dev, links[i][0]);

		cr_assert_eq(symlink(links[i][1], dst), 0);
		free(dst);
	}
	syslog_sock =
	    socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	cr_assert(syslog_sock >= 0);
	cr_assert(strlen(sock) < sizeof(addr.sun_path));
	strcpy(addr.sun_path, sock);
	cr_assert_eq(bind(syslog_sock, (struct sockaddr *)&addr, sizeof(addr)),
		     0, "bind %s: %s", sock, strerror(errno));
	cr_assert_eq(mount(dev, "/dev", "none", MS_BIND | MS_REC, NULL), 0,
		     "bind %s on /dev: %s", dev, strerror(errno));
	ph_track_mount("/dev");
	free(sock);
	free(dev);
}

void ph_log_start(void)
{
	log_fd = open(ph.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	cr_assert(log_fd >= 0, "%s: %s", ph.log, strerror(errno));
	if (ph.wrapper) {
		fflush(stderr);
		saved_stderr = dup(2);
		cr_assert(saved_stderr >= 0);
		cr_assert_eq(dup2(log_fd, 2), 2);
	} else {
		private_dev_log();
	}
}

/* Move the datagrams waiting on our /dev/log into the file. */
static void drain(void)
{
	char buf[8192];

	while (syslog_sock >= 0) {
		ssize_t n = recv(syslog_sock, buf, sizeof(buf) - 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		append("SYSLOG: ", 8);
		append(buf, (size_t)n);
		append("\n", 1);
	}
}

void ph_log_stop(void)
{
	if (saved_stderr >= 0) {
		dup2(saved_stderr, 2);
		close(saved_stderr);
		saved_stderr = -1;
	}
	if (syslog_sock >= 0) {
		close(syslog_sock);
		syslog_sock = -1;
	}
	if (log_fd >= 0) {
		close(log_fd);
		log_fd = -1;
	}
}

char *ph_log_text(void)
{
	size_t len;
	unsigned char *text;

	drain();
	text = tu_read_file(ph.log, &len);
	if (!text)
		return strdup("");
	text[len] = '\0';
	return (char *)text;
}

/* The syslog lines: pam_wrapper's "SYSLOG(n):" or ours "SYSLOG: ". */
static bool is_syslog_line(const char *line)
{
	return strstr(line, "SYSLOG(") || strncmp(line, "SYSLOG: ", 8) == 0;
}

size_t ph_log_count(void)
{
	char *text = ph_log_text(), *save = NULL;
	size_t n = 0;

	for (char *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		n += is_syslog_line(l);
	free(text);
	return n;
}

char *ph_log_one_at(const char *file, int line)
{
	char *text = ph_log_text(), *save = NULL, *found = NULL;
	size_t n = 0;

	for (char *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!is_syslog_line(l))
			continue;
		if (n++ == 0)
			found = strdup(l);
	}
	if (n != 1) {
		char *all = ph_log_text();
		free(found);
		free(text);
		cr_assert_fail("%s:%d: expected exactly one syslog line, got "
			       "%zu:\n%s",
			       file, line, n, all);
	}
	free(text);
	return found;
}

void ph_log_expect_at(const char *file, int line, const char *first, ...)
{
	char *text = ph_log_one_at(file, line);
	va_list ap;

	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		cr_expect(strstr(text, s), "%s:%d: log line lacks '%s': %s",
			  file, line, s, text);
	va_end(ap);
	free(text);
}

void ph_log_clear(void)
{
	drain();
	cr_assert_eq(ftruncate(log_fd, 0), 0);
}
