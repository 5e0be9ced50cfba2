/* proc-user / proc-group (coturn's names): the user and group ternd runs as once
 * everything that needs root is open. Main thread; glibc's setuid(2) and setgid(2) apply
 * to every thread of the process. */
#ifndef TERN_APP_PRIVDROP_H
#define TERN_APP_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PRIVDROP_NAME_MAX 64

struct privdrop {
	bool on; /* proc-user or proc-group given */
	bool has_user;
	uid_t uid;
	gid_t gid;
	char user[PRIVDROP_NAME_MAX];
};

/* Looks user and group up (either may be NULL: the user's group is its passwd group; a
 * group alone keeps the uid). 0, or -ENOENT / -errno with why (cap bytes) naming it. */
int privdrop_lookup(const char *user, const char *group, struct privdrop *out, char *why,
		    size_t cap);
/* Gives path (borrowed) to p's user and group so that ternd keeps using it after the
 * drop. Nothing when !p->on. 0 or -errno. */
int privdrop_chown(const struct privdrop *p, const char *path);
/* Supplementary groups (the user's, or none), then the group, then the user; fails when
 * any step fails or when root could be regained afterwards. Nothing when !p->on. 0, or
 * -errno with why set. */
int privdrop_apply(const struct privdrop *p, char *why, size_t cap);

#endif
