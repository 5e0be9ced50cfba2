/* The fleet's reg part (cred/fleet_int.h): not built yet, every hook does nothing. */
#include "cred/fleet_int.h"

int fleet_reg_init(struct fleet_worker *fw)
{
	fw->reg = NULL;
	return 0;
}

void fleet_reg_free(struct fleet_worker *fw)
{
	(void)fw;
}

void fleet_reg_tick(struct fleet_worker *fw)
{
	(void)fw;
}

void fleet_reg_up(struct fleet_worker *fw)
{
	(void)fw;
}

void fleet_reg_down(struct fleet_worker *fw)
{
	(void)fw;
}

void fleet_reg_cleanup(struct fleet *f, struct redisContext *c)
{
	(void)f;
	(void)c;
}
