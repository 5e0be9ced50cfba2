/* ternctl's commands, in the order `ternctl --help` lists them (and the manual page). */
#include "cli/cli.h"

const struct cli_group *const cli_groups[] = {
	&cli_key_group,	   &cli_user_group,   &cli_secret_group, &cli_realm_group,
	&cli_peer_group,   &cli_cred_group,   &cli_status_group, &cli_sessions_group,
	&cli_kill_group,   &cli_reload_group, &cli_drain_group,	 &cli_log_level_group,
	&cli_health_group, &cli_config_group,
};

const size_t cli_ngroups = sizeof(cli_groups) / sizeof(cli_groups[0]);
