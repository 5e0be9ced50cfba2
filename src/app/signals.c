#include "app/signals.h"

#include <errno.h>
#include <pthread.h>

int signals_block(sigset_t *set)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};
	int rc;

	if (sigaction(SIGPIPE, &ign, NULL) < 0)
		return -errno;
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR2);
	rc = pthread_sigmask(SIG_BLOCK, set, NULL);
	return -rc;
}
