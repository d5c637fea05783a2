/*
 * Delivery into a maildir, for development and tests: with no SMTP
 * server configured, every message lands as one file in var/mail/new/
 * where a person or a test can read it.
 *
 * The maildir protocol makes delivery atomic without locks: the message
 * is written under a unique name in tmp/, flushed to disk, then renamed
 * into new/, so a reader never sees half a message. The directory is
 * flushed after the rename, so once we report success (and the outbox
 * row is marked sent) the file survives a crash.
 */
#include "mail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <sodium.h>

/* Deliveries by this process, for unique names (the Q part). */
static atomic_uint delivery_counter;

/* mkdir -p with mode 0700 for whatever it creates. */
static int
make_dirs(const char *path, struct err *e)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, path);
	int rc = 0;
	for (size_t i = 1; i <= b.len && rc == 0; i++) {
		if (b.data[i] != '/' && b.data[i] != '\0')
			continue;
		char saved = b.data[i];
		b.data[i] = '\0';
		struct stat st;
		if (mkdir(b.data, 0700) < 0 && errno != EEXIST)
			rc = err_internal(e, "maildir: cannot create %s: %s", b.data,
			    strerror(errno));
		else if (stat(b.data, &st) < 0 || !S_ISDIR(st.st_mode))
			rc = err_internal(e, "maildir: %s is not a directory", b.data);
		b.data[i] = saved;
	}
	buf_free(&b);
	return rc;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
mail_maildir_deliver(const char *maildir, const char *msg, size_t len, struct err *e)
{
	if (maildir == NULL || *maildir == '\0')
		return err_internal(e, "maildir: no directory configured");
	struct buf tmp_dir = BUF_INIT, new_dir = BUF_INIT, cur_dir = BUF_INIT;
	struct buf tmp_path = BUF_INIT, new_path = BUF_INIT;
	int fd = -1, rc = -1;
	bool created = false;

	buf_printf(&tmp_dir, "%s/tmp", maildir);
	buf_printf(&new_dir, "%s/new", maildir);
	buf_printf(&cur_dir, "%s/cur", maildir);
	if (make_dirs(tmp_dir.data, e) < 0 || make_dirs(new_dir.data, e) < 0 ||
	    make_dirs(cur_dir.data, e) < 0)
		goto out;

	/* time.MusecPpidQcounterRrandom.host: unique across processes and
	 * within one, and unguessable (after Dovecot's naming). */
	struct timeval tv;
	gettimeofday(&tv, NULL);
	unsigned char rnd[8];
	char rnd_hex[2 * sizeof(rnd) + 1];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(rnd_hex, sizeof(rnd_hex), rnd, sizeof(rnd));
	unsigned q = atomic_fetch_add(&delivery_counter, 1) + 1;
	char name[128];
	snprintf(name, sizeof(name), "%lld.M%06ldP%ldQ%uR%s.imago",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(), q, rnd_hex);
	buf_printf(&tmp_path, "%s/%s", tmp_dir.data, name);
	buf_printf(&new_path, "%s/%s", new_dir.data, name);

	fd = open(tmp_path.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_internal(e, "maildir: cannot create %s: %s", tmp_path.data,
		    strerror(errno));
		goto out;
	}
	created = true;
	if (write_all(fd, msg, len) < 0 || fsync(fd) < 0) {
		err_internal(e, "maildir: cannot write %s: %s", tmp_path.data,
		    strerror(errno));
		goto out;
	}
	int close_rc = close(fd);
	fd = -1;
	if (close_rc < 0) {
		err_internal(e, "maildir: cannot write %s: %s", tmp_path.data,
		    strerror(errno));
		goto out;
	}
	if (rename(tmp_path.data, new_path.data) < 0) {
		err_internal(e, "maildir: cannot move the message into %s: %s",
		    new_dir.data, strerror(errno));
		goto out;
	}
	created = false;
	if (fsync_dir(new_dir.data) < 0) {
		/* The file is in new/ already; a reader may see it even though
		 * we report failure, so it may be delivered twice (at least once). */
		err_internal(e, "maildir: cannot flush %s: %s", new_dir.data,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (created)
		unlink(tmp_path.data);
	buf_free(&tmp_dir);
	buf_free(&new_dir);
	buf_free(&cur_dir);
	buf_free(&tmp_path);
	buf_free(&new_path);
	return rc;
}
