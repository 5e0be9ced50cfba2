/* The control loop of the main thread (app/app.h): signals arrive through a signalfd on
 * its own event base, so that the admin socket and the drain live on the same loop and
 * nothing on it needs a lock. */
#include "app/app.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "app/app_tls.h"
#include "app/cfg.h"
#include "app/drain.h"
#include "app/notify.h"
#include "base/log.h"

static void app_ctl_signal(struct app *a, int sig)
{
	char why[256];

	switch (sig) {
	case SIGTERM:
		/* drain-timeout: the first SIGTERM drains (app/drain.h), a second one stops. */
		if (a->cfg->drain_timeout > 0 && !a->drain &&
		    app_drain_start(a, a->cfg->drain_timeout, "signal=TERM") == 0)
			return;
		/* fall through */
	case SIGINT:
		log_info("app", "stopping signal=%s", sig == SIGTERM ? "TERM" : "INT");
		app_ctl_stop(a, 0);
		return;
	case SIGHUP:
		log_info("app", "reload signal=HUP");
		app_reload(a, why, sizeof(why));
		return;
	case SIGUSR2: /* coturn's: the certificates, new files or not */
		app_tls_reload(a->tls, a->srv);
		return;
	default:
		return;
	}
}

static void app_ctl_sigfd(evutil_socket_t fd, short what, void *arg)
{
	struct signalfd_siginfo si;
	struct app *a = arg;

	(void)what;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		app_ctl_signal(a, (int)si.ssi_signo);
}

int app_ctl_init(struct app *a, const sigset_t *sigs)
{
	a->sig_fd = signalfd(-1, sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (a->sig_fd < 0)
		return -errno;
	a->base = event_base_new();
	if (!a->base)
		return -ENOMEM;
	a->sig_ev = event_new(a->base, a->sig_fd, EV_READ | EV_PERSIST, app_ctl_sigfd, a);
	if (!a->sig_ev || event_add(a->sig_ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

void app_ctl_run(struct app *a)
{
	notify_send("READY=1\nSTATUS=running");
	event_base_dispatch(a->base);
}

void app_ctl_stop(struct app *a, int code)
{
	a->exit_code = code;
	notify_send("STOPPING=1\nSTATUS=stopping");
	event_base_loopbreak(a->base);
}

void app_ctl_fini(struct app *a)
{
	if (a->sig_ev)
		event_free(a->sig_ev);
	if (a->base)
		event_base_free(a->base);
	if (a->sig_fd >= 0)
		close(a->sig_fd);
	a->sig_ev = NULL;
	a->base = NULL;
	a->sig_fd = -1;
}
