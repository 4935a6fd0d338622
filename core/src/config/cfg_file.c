/* cfg_file.c - kvp_settings_load and kvp_settings_check_file: read
 * pam_kvp.conf once (a bounded regular file that only root or its reader
 * can change), scan it (cfg_scan.c), parse it with libconfig and apply
 * it (cfg_tree.c) to a copy that replaces the settings only when the
 * whole file is good. A missing file (ENOENT) leaves the settings; any
 * other failure to read it is KVP_ERR_IO naming the file. */
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/settings.h"
#include "util/trust.h"

/* Far more than any real pam_kvp.conf; bounds what a login reads. */
#define FILE_MAX (1024 * 1024)

static int too_large(const char *path, size_t size)
{
	return err_fail(KVP_ERR_CONFIG, path, FILE_MAX, size,
			"larger than %d bytes", FILE_MAX);
}

/* Why the open file `st` is not read, or 0. */
static int refuse(const char *path, const struct stat *st)
{
	int r;

	if (S_ISDIR(st->st_mode))
		return err_fail_errno(EISDIR, path, "read");
	if (!S_ISREG(st->st_mode))
		return err_fail(KVP_ERR_IO, path, 0, 0, "not a regular file");
	/* It steers a root process's writes (pool_dir, hash_key_file):
	 * refuse one that others could have changed, by the rule the pool's
	 * directories and files follow (sshd's StrictModes). */
	r = trust_stat(st, path, TRUST_OWNER | TRUST_NOT_SHARED,
		       KVP_ERR_CONFIG);
	if (r < 0)
		return r;
	return st->st_size > FILE_MAX ? too_large(path, (size_t)st->st_size)
				      : 0;
}

/* The whole file, NUL-terminated, into *text (*len bytes); *text stays
 * NULL when the file does not exist. */
static int read_config(const char *path, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	char *buf = NULL;
	size_t size;
	int r;

	*text = NULL;
	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? 0
				       : err_fail_errno(errno, path, "open");
	r = fstat(fd, &st) != 0 ? err_fail_errno(errno, path, "fstat")
				: refuse(path, &st);
	/* Sized by fstat, not FILE_MAX: a megabyte would be an mmap and a
	 * munmap (a TLB shootdown) on every login. */
	size = r == 0 ? (size_t)st.st_size + 1 : 0;
	if (r == 0 && !(buf = malloc(size + 1)))
		r = err_fail_nomem(path);
	/* To EOF, not to st_size: the file may change meanwhile. */
	while (r == 0 && *len <= FILE_MAX) {
		ssize_t n;

		if (*len == size) { /* it grew: room up to FILE_MAX + 1 */
			char *more = realloc(buf, FILE_MAX + 2);
			if (!more) {
				r = err_fail_nomem(path);
				break;
			}
			buf = more;
			size = FILE_MAX + 1;
		}
		n = read(fd, buf + *len, size - *len);
		if (n == 0)
			break;
		if (n < 0 && errno != EINTR)
			r = err_fail_errno(errno, path, "read");
		*len += n > 0 ? (size_t)n : 0;
	}
	close(fd);
	if (r == 0 && *len > FILE_MAX)
		r = too_large(path, *len);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[*len] = '\0';
	*text = buf;
	return 0;
}

/* Apply the file's text over `s`. */
static int parse(const char *path, const char *text, size_t len,
		 const char *service, kvp_settings *s)
{
	struct cfg_src src = {.file = path};
	struct cfg_scan scan;
	config_t cfg;
	int r = cfg_scan(path, text, len, &scan);

	if (r < 0)
		return r;
	config_init(&cfg);
	if (config_read_string(&cfg, text)) {
		r = cfg_tree_apply(path, config_root_setting(&cfg), &scan,
				   service, s);
	} else {
		src.line = (size_t)config_error_line(&cfg);
		r = cfg_fail(&src, 0, 0, "%s",
			     config_error_text(&cfg) ? config_error_text(&cfg)
						     : "syntax error");
	}
	config_destroy(&cfg);
	free(scan.bad);
	return r;
}

int kvp_settings_load(kvp_settings *s, const char *path, const char *service,
		      bool *found)
{
	struct kvp_settings work;
	char *text = NULL;
	size_t len;
	int r = s ? 0
		  : err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
			     "kvp_settings_load: settings are NULL");

	path = path ? path : KVP_CONFIG_DEFAULT_PATH;
	if (r == 0 && (r = read_config(path, &text, &len)) == 0 && text) {
		work = *s;
		r = parse(path, text, len, service, &work);
		if (r == 0)
			*s = work;
	}
	if (found)
		*found = r == 0 && text;
	free(text);
	return r;
}

int kvp_settings_check_file(const char *path)
{
	kvp_settings *s;
	bool found = false;
	int r = kvp_settings_new(&s);

	path = path ? path : KVP_CONFIG_DEFAULT_PATH;
	if (r == 0)
		r = kvp_settings_load(s, path, NULL, &found);
	kvp_settings_free(s);
	return r == 0 && !found ? err_fail_errno(ENOENT, path, "open") : r;
}
