/* The admin socket's listener and connections (app/admin.h): bounded (a few clients at a
 * time, one request line of at most APP_ADMIN_LINE_MAX bytes, read and write timeouts),
 * on the control loop of the main thread, so every command runs there, one at a time. */
#define _GNU_SOURCE /* accept4, struct ucred */
#include "app/admin.h"

#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "app/app.h"
#include "base/log.h"
#include "base/xmalloc.h"

#define APP_ADMIN_MAX_CLIENTS 8
#define APP_ADMIN_TIMEOUT_S   10
#define APP_ADMIN_BACKLOG     64

struct app_admin_conn;

struct app_admin {
	struct app *a;
	char *path;
	int fd;
	struct event *ev;
	dev_t dev; /* the socket file made, removed at close only if still ours */
	ino_t ino;
	struct app_admin_conn *conns;
	unsigned nconns;
};

struct app_admin_conn {
	struct app_admin_conn *next, **pprev;
	struct app_admin *ad;
	struct bufferevent *bev;
};

static void app_admin_conn_free(struct app_admin_conn *c)
{
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	c->ad->nconns--;
	bufferevent_free(c->bev);
	free(c);
}

/* The status line, the body dot-stuffed, the end marker. */
static void app_admin_reply(struct evbuffer *out, int rc, const char *why, struct evbuffer *body)
{
	char *line;
	size_t n;

	size_t len = evbuffer_get_length(body);
	struct evbuffer_ptr end;
	char last = '\n';

	if (len && evbuffer_ptr_set(body, &end, len - 1, EVBUFFER_PTR_SET) == 0 &&
	    evbuffer_copyout_from(body, &end, &last, 1) == 1 && last != '\n')
		evbuffer_add(body, "\n", 1);
	if (rc == 0)
		evbuffer_add(out, "ok\n", 3);
	else
		evbuffer_add_printf(out, "error %s\n", why);
	while ((line = evbuffer_readln(body, &n, EVBUFFER_EOL_LF)) != NULL) {
		if (line[0] == '.')
			evbuffer_add(out, ".", 1);
		evbuffer_add(out, line, n);
		evbuffer_add(out, "\n", 1);
		free(line);
	}
	evbuffer_add(out, ".\n", 2);
}

static void app_admin_event(struct bufferevent *bev, short what, void *arg);

/* After the answer: discards what the client still sends until it closes (or the
 * timeout), so that closing with unread input never resets the answer away. */
static void app_admin_discard(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void)arg;
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void app_admin_written(struct bufferevent *bev, void *arg)
{
	struct app_admin_conn *c = arg;

	if (shutdown(bufferevent_getfd(bev), SHUT_WR) < 0) {
		app_admin_conn_free(c);
		return;
	}
	bufferevent_setcb(bev, app_admin_discard, NULL, app_admin_event, c);
	bufferevent_enable(bev, EV_READ);
}

/* Answers with rc/why/body and closes once it is written. */
static void app_admin_finish(struct app_admin_conn *c, int rc, const char *why,
			     struct evbuffer *body)
{
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, app_admin_written, app_admin_event, c);
	app_admin_reply(bufferevent_get_output(c->bev), rc, why, body);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void app_admin_read(struct bufferevent *bev, void *arg)
{
	struct app_admin_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer *body = evbuffer_new();
	char why[512] = "";
	size_t n;
	char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
	int rc;

	if (body == NULL) {
		free(line);
		app_admin_conn_free(c);
		return;
	}
	if (line == NULL && evbuffer_get_length(in) <= APP_ADMIN_LINE_MAX) {
		evbuffer_free(body);
		return; /* not a whole line yet */
	}
	if (line == NULL || n > APP_ADMIN_LINE_MAX || strlen(line) != n) {
		rc = -1;
		snprintf(why, sizeof(why), "request line too long or not text");
	} else {
		rc = app_admin_run(c->ad->a, line, body, why, sizeof(why));
	}
	free(line);
	app_admin_finish(c, rc, why, body);
	evbuffer_free(body);
}

static void app_admin_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what; /* EOF, error or timeout: the client is gone */
	app_admin_conn_free(arg);
}

/* A refusal written straight to the new socket (it is empty: the write cannot block). */
static void app_admin_refuse(int fd, const char *why)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "error %s\n.\n", why);

	if (send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("admin", "refusal not sent err=\"%s\"", strerror(errno));
	/* The request already sent is read away: closing with unread input would reset the
	 * refusal away before the client reads it. */
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 16 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0; i++)
		;
	close(fd);
}

/* SO_PEERCRED: only ternd's own uid and root may steer it. */
static bool app_admin_peer_ok(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	return cr.uid == 0 || cr.uid == geteuid();
}

static void app_admin_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct app_admin *ad = arg;
	struct app_admin_conn *c;
	struct timeval tv = {APP_ADMIN_TIMEOUT_S, 0};
	int fd;

	(void)what;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (!app_admin_peer_ok(fd)) {
			log_warn("admin", "connection refused reason=\"not the owner or root\"");
			app_admin_refuse(fd, "permission denied");
			continue;
		}
		if (ad->nconns >= APP_ADMIN_MAX_CLIENTS) {
			app_admin_refuse(fd, "busy");
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->ad = ad;
		c->bev = bufferevent_socket_new(ad->a->base, fd, BEV_OPT_CLOSE_ON_FREE);
		if (c->bev == NULL) {
			close(fd);
			free(c);
			continue;
		}
		c->next = ad->conns;
		if (c->next)
			c->next->pprev = &c->next;
		c->pprev = &ad->conns;
		ad->conns = c;
		ad->nconns++;
		bufferevent_setcb(c->bev, app_admin_read, NULL, app_admin_event, c);
		bufferevent_setwatermark(c->bev, EV_READ, 0, APP_ADMIN_LINE_MAX + 2);
		bufferevent_set_timeouts(c->bev, &tv, &tv);
		bufferevent_enable(c->bev, EV_READ);
	}
}

/* The socket's directory, made 0700 when missing (one level, like /run/ternd). */
static int app_admin_dir(const char *path)
{
	char *copy = xstrdup(path);
	const char *dir = dirname(copy);
	int rc = 0;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		rc = -errno;
	free(copy);
	return rc;
}

/* Whether another process answers on the socket at path. */
static bool app_admin_live(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 || errno == EAGAIN;
	close(fd);
	return live;
}

/* Binds and listens at sun: 0 or -errno (with *what naming the step). */
static int app_admin_bind(struct app_admin *ad, const struct sockaddr_un *sun, const char **what)
{
	struct stat st;

	*what = "socket";
	ad->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ad->fd < 0)
		return -errno;
	if (lstat(sun->sun_path, &st) == 0) {
		*what = "existing file";
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (app_admin_live(sun))
			return -EADDRINUSE;
		unlink(sun->sun_path); /* stale: its ternd is gone */
	}
	*what = "bind";
	if (bind(ad->fd, (const struct sockaddr *)sun, sizeof(*sun)) < 0)
		return -errno;
	*what = "chmod";
	if (chmod(sun->sun_path, 0600) < 0 || stat(sun->sun_path, &st) < 0)
		return -errno;
	ad->dev = st.st_dev;
	ad->ino = st.st_ino;
	*what = "listen";
	return listen(ad->fd, APP_ADMIN_BACKLOG) < 0 ? -errno : 0;
}

void app_admin_open(struct app *a, const char *path, struct app_admin **out)
{
	struct app_admin *ad;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	const char *what = "path";
	int rc;

	*out = NULL;
	if (path == NULL || *path == '\0')
		return;
	ad = xcalloc(1, sizeof(*ad));
	ad->a = a;
	ad->fd = -1;
	rc = strlen(path) < sizeof(sun.sun_path) ? 0 : -ENAMETOOLONG;
	if (rc == 0) {
		memcpy(sun.sun_path, path, strlen(path) + 1);
		what = "directory";
		rc = app_admin_dir(path);
	}
	if (rc == 0)
		rc = app_admin_bind(ad, &sun, &what);
	if (rc == 0) {
		ad->path = xstrdup(path);
		ad->ev = event_new(a->base, ad->fd, EV_READ | EV_PERSIST, app_admin_accept, ad);
		rc = ad->ev && event_add(ad->ev, NULL) == 0 ? 0 : -ENOMEM;
		what = "event";
	}
	if (rc < 0) {
		log_warn("admin", "no admin socket path=%s step=\"%s\" err=\"%s\"%s", path, what,
			 strerror(-rc), rc == -EADDRINUSE ? " (another ternd answers there)" : "");
		app_admin_close(ad);
		return;
	}
	log_info("admin", "admin socket path=%s", path);
	*out = ad;
}

void app_admin_close(struct app_admin *ad)
{
	struct stat st;

	if (ad == NULL)
		return;
	while (ad->conns)
		app_admin_conn_free(ad->conns);
	if (ad->ev)
		event_free(ad->ev);
	if (ad->fd >= 0)
		close(ad->fd);
	/* Only the file this process made: a newer ternd may own the path by now. */
	if (ad->path && lstat(ad->path, &st) == 0 && st.st_dev == ad->dev && st.st_ino == ad->ino)
		unlink(ad->path);
	free(ad->path);
	free(ad);
}
