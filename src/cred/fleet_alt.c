/* The fleet's alt part (cred/fleet_int.h): not built yet, every hook does nothing. */
#include "cred/fleet_int.h"

int fleet_alt_init(struct fleet_worker *fw)
{
	fw->alt = NULL;
	return 0;
}

void fleet_alt_free(struct fleet_worker *fw)
{
	(void)fw;
}

void fleet_alt_tick(struct fleet_worker *fw)
{
	(void)fw;
}

void fleet_alt_up(struct fleet_worker *fw)
{
	(void)fw;
}

void fleet_alt_down(struct fleet_worker *fw)
{
	(void)fw;
}
