/* Drain, for rolling upgrades: new allocations are refused (300 Try Alternate with
 * ALTERNATE-SERVER when alternate-server is set, else 508; turn/session.c) while the
 * existing ones, their refreshes, permissions, channels, Binding and relaying carry on;
 * ternd exits 0 once at most drain-min-allocations remain, or at the timeout. Started by
 * SIGTERM with drain-timeout > 0 (app/ctl.c) or by the admin socket's drain. Main thread:
 * a timer on the control loop counts the allocations through net_server_each. */
#ifndef TERN_APP_DRAIN_H
#define TERN_APP_DRAIN_H

#include <stdint.h>

struct app;

/* Starts draining a with a timeout of timeout_s seconds (0: none; the allocations' own
 * lifetimes still end them). by names who asked, for the log line. 0, or -EALREADY (a
 * drain runs already: unchanged), -ENOMEM. */
int app_drain_start(struct app *a, long long timeout_s, const char *by);
/* The allocations of every worker now into *n: 0, or -errno when a worker did not answer
 * (*n unchanged). Main thread, while the workers run. */
int app_alloc_count(struct app *a, uint64_t *n);
/* Frees the drain's timer (NULL drain fine). */
void app_drain_free(struct app *a);

#endif
