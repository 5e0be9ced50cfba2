/* Process signals for ternd: SIGTERM, SIGINT and SIGHUP are blocked in every thread and
 * taken by the main thread (a signalfd, app/ctl.c); SIGPIPE is ignored. */
#ifndef TERN_APP_SIGNALS_H
#define TERN_APP_SIGNALS_H

#include <signal.h>

/* Ignores SIGPIPE and blocks SIGTERM/SIGINT/SIGHUP in the calling thread; threads
 * created afterwards inherit the mask. Call from main before starting workers.
 * Fills *set with the blocked signals. 0 or -errno. */
int signals_block(sigset_t *set);

#endif
