/* The fleet's quota part (cred/fleet_int.h): not built yet, every hook does nothing. */
#include "cred/fleet_int.h"

int fleet_quota_init(struct fleet_worker *fw)
{
	fw->quota = NULL;
	return 0;
}

void fleet_quota_free(struct fleet_worker *fw)
{
	(void)fw;
}

void fleet_quota_tick(struct fleet_worker *fw)
{
	(void)fw;
}

void fleet_quota_up(struct fleet_worker *fw)
{
	(void)fw;
}

void fleet_quota_down(struct fleet_worker *fw)
{
	(void)fw;
}

void fleet_quota_cleanup(struct fleet *f, struct redisContext *c)
{
	(void)f;
	(void)c;
}
