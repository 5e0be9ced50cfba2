/* sd_notify(3) without libsystemd (app/notify.h). */
#include "app/notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define NOTIFY_MSG_MAX 512

/* The address $NOTIFY_SOCKET names into *sa and *len. 0, -ENOENT when unset, -EINVAL
 * when it is neither an absolute path nor "@name", or does not fit. */
static int notify_addr(struct sockaddr_un *sa, socklen_t *len)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t n;

	if (!path || !*path)
		return -ENOENT;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n < 2 || n >= sizeof(sa->sun_path))
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n);
	if (path[0] == '@')
		sa->sun_path[0] = '\0'; /* abstract: the length, not a NUL, ends the name */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/'));
	return 0;
}

static int notify_vsend(const char *fmt, va_list ap)
{
	struct sockaddr_un sa;
	socklen_t len;
	char msg[NOTIFY_MSG_MAX];
	int fd, n, rc = notify_addr(&sa, &len);

	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -EMSGSIZE;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = sendto(fd, msg, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int notify_send(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = notify_vsend(fmt, ap);
	va_end(ap);
	return rc;
}

int notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return notify_send("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
			   (unsigned long long)ts.tv_sec * 1000000ULL +
				   (unsigned long long)ts.tv_nsec / 1000);
}
