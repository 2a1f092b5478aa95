/*
 * statedir.c - the state directory and the privilege drop: the directory
 * is opened without following a link and refused when others could write
 * to it; started as root, the daemon hands it and its regular files to
 * the service user through descriptors, then becomes that user for good.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "daemon/internal.h"

/*
 * Hands one entry of the state directory to the service user: only a
 * regular file with one link, opened without following a link, and
 * changed through its descriptor.  Anything else is left as it is: the
 * directory belongs to that user, who could have put a link to any file
 * there, and root must never chown or chmod through one.
 */
static void
daemon_state_entry_give(int dirfd, const char *name, uid_t uid, gid_t gid)
{
	struct stat	 st;
	int		 fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC)) == -1)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
	    (st.st_uid != uid || st.st_gid != gid))
		(void)!fchown(fd, uid, gid);
	close(fd);
}

/*
 * Started as root with `user` set: the listen socket is bound, so become
 * user for good.  The state directory (dirfd, opened without following a
 * link) and its regular files change hands first, through descriptors,
 * so that user can go on writing them; the state is read after this, as
 * user.  Later reloads read password files as user.
 */
int
daemon_drop_privileges(const struct sc_config *c, int dirfd, char *err,
    size_t errlen)
{
	struct passwd	*pw;
	DIR		*dir;
	struct dirent	*de;
	int		 fd2;

	if (c->run_user == NULL || geteuid() != 0)
		return 0;
	if ((pw = getpwnam(c->run_user)) == NULL) {
		snprintf(err, errlen, "user %s: no such user", c->run_user);
		return -1;
	}
	if (fchown(dirfd, pw->pw_uid, pw->pw_gid) == -1) {
		snprintf(err, errlen, "chown %s: %s", c->state_dir,
		    strerror(errno));
		return -1;
	}
	if ((fd2 = dup(dirfd)) != -1 && (dir = fdopendir(fd2)) != NULL) {
		while ((de = readdir(dir)) != NULL)
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				daemon_state_entry_give(dirfd, de->d_name,
				    pw->pw_uid, pw->pw_gid);
		closedir(dir);
	} else if (fd2 != -1)
		close(fd2);
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
		snprintf(err, errlen, "cannot become user %s: %s",
		    c->run_user, strerror(errno));
		return -1;
	}
	/* There is no way back. */
	if (setuid(0) != -1) {
		snprintf(err, errlen, "privileges could not be dropped for "
		    "good");
		return -1;
	}
	log_event(LOG_INFO, NULL, NULL, NULL, "running as user %s (uid %u)",
	    pw->pw_name, (unsigned)pw->pw_uid);
	return 0;
}

/*
 * The state directory: created (0700) if missing, opened without
 * following a link, and refused when anyone but root and the service
 * user could write to it (they could plant files the daemon reads).
 * Returns its descriptor, or -1 with err set.
 */
int
daemon_state_dir(const struct sc_config *c, char *err, size_t errlen)
{
	struct passwd	*pw;
	struct stat	 st;
	uid_t		 owner;
	int		 fd;

	if (mkdir(c->state_dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create state_dir %s: %s",
		    c->state_dir, strerror(errno));
		return -1;
	}
	if ((fd = open(c->state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(fd, &st) == -1) {
		snprintf(err, errlen, "state_dir %s: %s%s", c->state_dir,
		    strerror(errno), errno == ELOOP || errno == ENOTDIR ?
		    " (it must be a directory, not a symbolic link)" : "");
		goto fail;
	}
	owner = geteuid();
	if (owner == 0 && c->run_user != NULL && (pw = getpwnam(c->run_user))
	    != NULL)
		owner = pw->pw_uid;
	if ((st.st_uid != 0 && st.st_uid != owner) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "state_dir %s is writable by others "
		    "(owner uid %u, mode %04o): it must belong to root or the "
		    "service user and not be group- or world-writable "
		    "(chmod 0700)", c->state_dir, (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	if (geteuid() != 0 && faccessat(fd, ".", W_OK | X_OK, AT_EACCESS) ==
	    -1) {
		snprintf(err, errlen, "state_dir %s is not writable by uid %u",
		    c->state_dir, (unsigned)geteuid());
		goto fail;
	}
	return fd;
fail:
	if (fd != -1)
		close(fd);
	return -1;
}
