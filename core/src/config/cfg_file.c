/* cfg_file.c - kvp_settings_load and kvp_settings_check_file: read
 * pam_kvp.conf once (a bounded regular file that only root or its reader
 * can change), pre-scan it (cfg_scan.c), parse it with libconfig and
 * apply it (cfg_tree.c) to a copy that replaces the settings only when
 * the whole file is good. A missing file (ENOENT) leaves the settings;
 * any other failure to read it is KVP_ERR_IO naming the file. */
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/settings.h"

/* Far more than any real pam_kvp.conf; bounds what a login reads. */
#define CONFIG_FILE_MAX (1024 * 1024)

/* Why the open file `st` is not read, or 0. */
static int refuse(const char *path, const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return err_fail_errno(EISDIR, path, "read");
	if (!S_ISREG(st->st_mode))
		return err_fail(KVP_ERR_IO, path, 0, 0, "not a regular file");
	/* It steers a root process's writes (pool_dir, hash_key_file):
	 * refuse one that others could have changed, as sshd's StrictModes
	 * refuses such an authorized_keys. */
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) ||
	    (st->st_uid != 0 && st->st_uid != geteuid()))
		return err_fail(KVP_ERR_CONFIG, path, 0, 0,
				"insecure file: owned by uid %ld, mode %04o "
				"(it must belong to root or to the reading "
				"user, and not be writable by group or others)",
				(long)st->st_uid,
				(unsigned int)(st->st_mode & 07777));
	if (st->st_size > CONFIG_FILE_MAX)
		return err_fail(KVP_ERR_CONFIG, path, CONFIG_FILE_MAX,
				(size_t)st->st_size, "larger than %d bytes",
				CONFIG_FILE_MAX);
	return 0;
}

/* Room for more than `done` bytes in *buf, up to CONFIG_FILE_MAX + 1. */
static int grow(const char *path, char **buf, size_t *cap, size_t done,
		size_t first)
{
	size_t want = *cap ? *cap * 2 : first;
	char *grown;

	if (done > CONFIG_FILE_MAX)
		return err_fail(KVP_ERR_CONFIG, path, CONFIG_FILE_MAX, done,
				"larger than %d bytes", CONFIG_FILE_MAX);
	want = want > CONFIG_FILE_MAX + 2 ? CONFIG_FILE_MAX + 2 : want;
	grown = realloc(*buf, want);
	if (!grown)
		return err_fail_nomem(path);
	*buf = grown;
	*cap = want;
	return 0;
}

/* The whole file, NUL-terminated, into *text (*len bytes); *text stays
 * NULL when the file does not exist. */
static int read_config(const char *path, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	size_t cap = 0, done = 0;
	struct stat st;
	char *buf = NULL;
	int r;

	*text = NULL;
	if (fd < 0)
		return errno == ENOENT ? 0
				       : err_fail_errno(errno, path, "open");
	r = fstat(fd, &st) != 0 ? err_fail_errno(errno, path, "fstat")
				: refuse(path, &st);
	/* To EOF, not to st_size: the file may grow meanwhile. */
	while (r == 0) {
		ssize_t n;

		if (done + 1 >= cap &&
		    (r = grow(path, &buf, &cap, done, (size_t)st.st_size + 2)))
			break;
		n = read(fd, buf + done, cap - 1 - done);
		if (n == 0)
			break;
		if (n < 0 && errno != EINTR)
			r = err_fail_errno(errno, path, "read");
		done += n > 0 ? (size_t)n : 0;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[done] = '\0';
	*text = buf;
	*len = done;
	return 0;
}

/* Apply the file's text over `s`. */
static int parse(const char *path, const char *text, size_t len,
		 const char *service, kvp_settings *s)
{
	struct cfg_scan scan;
	struct cfg_src src = {.file = path};
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
	cfg_scan_free(&scan);
	return r;
}

/* The file over `s` if it exists (*found says whether it did). */
static int load(kvp_settings *s, const char *path, const char *service,
		bool *found)
{
	struct kvp_settings work = *s;
	char *text;
	size_t len;
	int r = read_config(path, &text, &len);

	*found = r == 0 && text;
	if (!*found)
		return r;
	r = parse(path, text, len, service, &work);
	free(text);
	if (r == 0)
		*s = work;
	else
		*found = false;
	return r;
}

int kvp_settings_load(kvp_settings *s, const char *path, const char *service,
		      bool *found)
{
	bool ignored;

	if (found)
		*found = false;
	if (!s)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"kvp_settings_load: settings are NULL");
	return load(s, path ? path : KVP_CONFIG_DEFAULT_PATH, service,
		    found ? found : &ignored);
}

int kvp_settings_check_file(const char *path)
{
	kvp_settings *s;
	bool found;
	int r = kvp_settings_new(&s);

	path = path ? path : KVP_CONFIG_DEFAULT_PATH;
	if (r == 0)
		r = load(s, path, NULL, &found);
	kvp_settings_free(s);
	if (r == 0 && !found)
		return err_fail_errno(ENOENT, path, "open");
	return r;
}
