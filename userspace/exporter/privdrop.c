// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * privdrop.c - dropping root privileges.
 */
#include "privdrop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static bool number(const char *s, unsigned long *out)
{
	char *end;

	if (!*s)
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out < 0xffffffffUL;
}

static bool resolve(const char *spec, uid_t *uid, gid_t *gid, char *name,
		    size_t nn, bool *have_name)
{
	char user[128], *colon;
	unsigned long n;
	struct passwd *pw;

	snprintf(user, sizeof(user), "%s", spec);
	colon = strchr(user, ':');
	if (colon)
		*colon++ = '\0';
	*have_name = false;
	if (number(user, &n)) {
		*uid = (uid_t)n;
		pw = getpwuid(*uid);
	} else {
		pw = getpwnam(user);
		if (!pw) {
			log_err("--user: no user \"%s\"", user);
			return false;
		}
		*uid = pw->pw_uid;
	}
	if (pw) {
		*gid = pw->pw_gid;
		snprintf(name, nn, "%s", pw->pw_name);
		*have_name = true;
	} else if (!colon) {
		log_err("--user %s: unknown uid, give a group too (UID:GID)",
			spec);
		return false;
	}
	if (colon) {
		if (number(colon, &n)) {
			*gid = (gid_t)n;
		} else {
			struct group *gr = getgrnam(colon);

			if (!gr) {
				log_err("--user: no group \"%s\"", colon);
				return false;
			}
			*gid = gr->gr_gid;
		}
	}
	return true;
}

bool privdrop_check(const char *spec)
{
	uid_t uid;
	gid_t gid;
	char name[128];
	bool have_name;

	return resolve(spec, &uid, &gid, name, sizeof(name), &have_name);
}

bool privdrop(const char *spec)
{
	uid_t uid;
	gid_t gid;
	char name[128];
	bool have_name;

	if (!resolve(spec, &uid, &gid, name, sizeof(name), &have_name))
		return false;
	if (geteuid() != 0) {
		if (geteuid() == uid)
			return true;
		log_err("--user %s: not running as root, cannot switch", spec);
		return false;
	}
	if ((have_name ? initgroups(name, gid) : setgroups(0, NULL)) < 0 ||
	    setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
		log_err("--user %s: %m", spec);
		return false;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		log_err("--user %s: could regain root; stopping", spec);
		return false;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	log_info("running as uid %u gid %u", (unsigned int)uid,
		 (unsigned int)gid);
	return true;
}

bool privdrop_target(const char *spec, uid_t *uid, gid_t *gid)
{
	char name[128];
	bool have_name;

	return spec && *spec && geteuid() == 0 &&
	       resolve(spec, uid, gid, name, sizeof(name), &have_name);
}

bool privdrop_give_dir(const char *spec, int dirfd, const char *path,
		       bool files)
{
	char name[128];
	bool have_name;
	uid_t uid;
	gid_t gid;
	DIR *d;
	struct dirent *de;
	int fd;

	if (!spec || !*spec || geteuid() != 0)
		return true;
	if (!resolve(spec, &uid, &gid, name, sizeof(name), &have_name))
		return false;
	if (fchown(dirfd, uid, gid) < 0) {
		log_err("%s: cannot give it to --user %s: %m", path, spec);
		return false;
	}
	if (!files)
		return true;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		log_err("%s: %m", path);
		return false;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) &&
		    fchownat(dirfd, de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) <
			    0)
			log_warn("%s/%s: cannot give it to --user %s: %m", path,
				 de->d_name, spec);
	}
	closedir(d);
	return true;
}
