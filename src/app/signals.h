/* Process signals for ternd: SIGTERM, SIGINT and SIGHUP are blocked in every thread and
 * taken synchronously by the main thread; SIGPIPE is ignored. */
#ifndef TERN_APP_SIGNALS_H
#define TERN_APP_SIGNALS_H

#include <signal.h>

/* Ignores SIGPIPE and blocks SIGTERM/SIGINT/SIGHUP in the calling thread; threads
 * created afterwards inherit the mask. Call from main before starting workers.
 * Fills *set with the blocked signals. 0 or -errno. */
int signals_block(sigset_t *set);
/* Waits in the main thread for one of the signals in set (borrowed); returns its number,
 * or -errno. */
int signals_wait(const sigset_t *set);

#endif
