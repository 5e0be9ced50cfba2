/* ternd --check-config: what a start would find wrong, found without starting. */
#ifndef TERN_APP_CHECK_H
#define TERN_APP_CHECK_H

#include <stdio.h>

struct cfg;

/* Checks what can be checked of a loaded cfg (borrowed) without binding a socket,
 * connecting to Redis or starting a worker: the TLS certificates, keys and DH file load;
 * proc-user and proc-group exist; the log file, pid file and admin socket can be
 * created. Prints each problem as one line "ternd: ..." on out; returns how many. */
unsigned app_check_config(const struct cfg *cfg, FILE *out);

#endif
