/* config_load.c - kvp_config_load and kvp_config_check: read
 * pam_kvp.conf once (bounded, regular files only), pre-scan it
 * (config_scan.c), parse it with libconfig and apply it (config_tree.c).
 *
 * Includes: pam_kvp reads exactly the one file it is given. "@include" is
 * an error found by the scan, and libconfig's include directory is set to
 * /dev/null, under which no path opens, so no include can ever make the
 * module (run as root in every login) read another file.
 *
 * A missing file (ENOENT) means the defaults; any other failure to read
 * it is KVP_ERR_IO naming the file. On any error *out holds the defaults:
 * a file is applied entirely or not at all. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_internal.h"

/* Far more than any real pam_kvp.conf; bounds what a login reads. */
#define CONFIG_FILE_MAX (1024 * 1024)

/* Room for `done` bytes and more of a file being read into *buf (plus a
 * NUL): grow the buffer when full, up to CONFIG_FILE_MAX bytes of text. */
static int make_room(const char *path, char **buf, size_t *cap, size_t done)
{
	size_t want;
	char *grown;

	if (done + 1 < *cap)
		return 0;
	if (done > CONFIG_FILE_MAX)
		return err_fail(KVP_ERR_CONFIG, path, CONFIG_FILE_MAX, done,
				"larger than %d bytes", CONFIG_FILE_MAX);
	want = *cap < 4096 ? 4096 : *cap * 2;
	if (want > CONFIG_FILE_MAX + 2)
		want = CONFIG_FILE_MAX + 2;
	grown = realloc(*buf, want);
	if (!grown)
		return err_fail_nomem(path);
	*buf = grown;
	*cap = want;
	return 0;
}

/* The whole file as a NUL-terminated string in *text (*len bytes);
 * *text stays NULL when the file does not exist. */
static int read_config(const char *path, char **text, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t cap = 0, done = 0;
	int fd, r = 0;

	*text = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0
				       : err_fail_errno(errno, path, "open");
	if (fstat(fd, &st) != 0)
		r = err_fail_errno(errno, path, "fstat");
	else if (S_ISDIR(st.st_mode))
		r = err_fail_errno(EISDIR, path, "read");
	else if (!S_ISREG(st.st_mode))
		r = err_fail(KVP_ERR_IO, path, 0, 0, "not a regular file");
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) ||
		 (st.st_uid != 0 && st.st_uid != geteuid()))
		/* It steers a root process's writes (pool_dir, hash_key_file):
		 * refuse one that others could have changed, as sshd's
		 * StrictModes refuses such an authorized_keys. */
		r = err_fail(KVP_ERR_CONFIG, path, 0, 0,
			     "insecure file: owned by uid %ld, mode %04o "
			     "(it must belong to root or to the reading user, "
			     "and not be writable by group or others)",
			     (long)st.st_uid,
			     (unsigned int)(st.st_mode & 07777));
	else if (st.st_size > CONFIG_FILE_MAX)
		r = err_fail(KVP_ERR_CONFIG, path, CONFIG_FILE_MAX,
			     (size_t)st.st_size, "larger than %d bytes",
			     CONFIG_FILE_MAX);
	else
		cap = (size_t)st.st_size + 2; /* one more byte shows growth */
	if (r == 0 && !(buf = malloc(cap)))
		r = err_fail_nomem(path);
	/* Read to EOF, not to st_size: the file may change meanwhile. */
	while (r == 0 && (r = make_room(path, &buf, &cap, done)) == 0) {
		ssize_t n = read(fd, buf + done, cap - 1 - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = err_fail_errno(errno, path, "read");
		else if (n == 0)
			break;
		else
			done += (size_t)n;
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

static int parse_config(const char *path, const char *text, size_t len,
			const char *service, kvp_settings *s)
{
	struct cfg_scan scan;
	config_t cfg;
	int r = cfg_scan(path, text, len, &scan);

	if (r < 0)
		return r;
	config_init(&cfg);
	config_set_include_dir(&cfg, "/dev/null");
	if (config_read_string(&cfg, text)) {
		r = cfg_apply_root(path, config_root_setting(&cfg), &scan,
				   service, s);
	} else {
		struct cfg_src src = {
		    .file = path,
		    .line = (size_t)config_error_line(&cfg),
		};
		const char *what = config_error_text(&cfg);

		r = cfg_fail(&src, 0, 0, "%s", what ? what : "syntax error");
	}
	config_destroy(&cfg);
	cfg_scan_free(&scan);
	return r;
}

/* Defaults, then the file if it exists (*missing says whether it did). */
static int load(const char *path, const char *service, kvp_settings *out,
		bool *missing)
{
	kvp_settings s;
	char *text;
	size_t len;
	int r;

	if (!path)
		path = KVP_CONFIG_DEFAULT_PATH;
	kvp_settings_defaults(out);
	r = read_config(path, &text, &len);
	*missing = r == 0 && !text;
	if (r < 0 || *missing)
		return r;
	s = *out;
	r = parse_config(path, text, len, service, &s);
	free(text);
	if (r == 0)
		*out = s;
	return r;
}

int kvp_config_load(const char *path, const char *service, kvp_settings *out,
		    bool *found)
{
	bool missing = true;
	int r;

	if (found)
		*found = false;
	if (!out)
		return err_fail(KVP_ERR_INVALID_ARG, NULL, 0, 0,
				"kvp_config_load: out is NULL");
	r = load(path, service, out, &missing);
	if (found)
		*found = r == 0 && !missing;
	return r;
}

int kvp_config_check(const char *path)
{
	kvp_settings s;
	bool missing;
	int r = load(path, NULL, &s, &missing);

	if (r == 0 && missing)
		return err_fail_errno(
		    ENOENT, path ? path : KVP_CONFIG_DEFAULT_PATH, "open");
	return r;
}
