/* proc-user / proc-group (app/privdrop.h). */
#include "app/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PRIVDROP_BUF 16384

static int privdrop_user(const char *name, struct privdrop *out, char *why, size_t cap)
{
	char buf[PRIVDROP_BUF];
	struct passwd pw, *res = NULL;
	int rc = getpwnam_r(name, &pw, buf, sizeof(buf), &res);

	if (rc || !res) {
		snprintf(why, cap, "proc-user \"%s\": %s", name,
			 rc ? strerror(rc) : "no such user");
		return rc ? -rc : -ENOENT;
	}
	if (strlen(name) >= sizeof(out->user)) {
		snprintf(why, cap, "proc-user \"%s\": name too long", name);
		return -ENAMETOOLONG;
	}
	snprintf(out->user, sizeof(out->user), "%s", name);
	out->has_user = true;
	out->uid = pw.pw_uid;
	out->gid = pw.pw_gid;
	return 0;
}

static int privdrop_group(const char *name, struct privdrop *out, char *why, size_t cap)
{
	char buf[PRIVDROP_BUF];
	struct group gr, *res = NULL;
	int rc = getgrnam_r(name, &gr, buf, sizeof(buf), &res);

	if (rc || !res) {
		snprintf(why, cap, "proc-group \"%s\": %s", name,
			 rc ? strerror(rc) : "no such group");
		return rc ? -rc : -ENOENT;
	}
	out->gid = gr.gr_gid;
	return 0;
}

int privdrop_lookup(const char *user, const char *group, struct privdrop *out, char *why,
		    size_t cap)
{
	struct privdrop p = {.uid = getuid(), .gid = getgid()};
	int rc = 0;

	p.on = user || group;
	if (user)
		rc = privdrop_user(user, &p, why, cap);
	if (rc == 0 && group)
		rc = privdrop_group(group, &p, why, cap);
	if (rc == 0)
		*out = p;
	return rc;
}

int privdrop_chown(const struct privdrop *p, const char *path)
{
	if (!p->on || !path)
		return 0;
	return chown(path, p->has_user ? p->uid : (uid_t)-1, p->gid) < 0 ? -errno : 0;
}

int privdrop_apply(const struct privdrop *p, char *why, size_t cap)
{
	const char *step = "setgroups";
	int rc = 0;

	if (!p->on)
		return 0;
	/* Not root and already that user and group: nothing to change (and no right to). */
	if (geteuid() != 0 && (!p->has_user || p->uid == geteuid()) && p->gid == getegid())
		return 0;
	if (p->has_user)
		rc = initgroups(p->user, p->gid);
	else if (getuid() == 0)
		rc = setgroups(0, NULL);
	if (rc == 0 && (step = "setgid", setgid(p->gid)) < 0)
		rc = -1;
	if (rc == 0 && p->has_user && (step = "setuid", setuid(p->uid)) < 0)
		rc = -1;
	if (rc < 0) {
		rc = -errno;
		snprintf(why, cap, "%s failed: %s", step, strerror(errno));
		return rc;
	}
	if (p->has_user && p->uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
		snprintf(why, cap, "root could be regained after setuid");
		return -EPERM;
	}
	return 0;
}
