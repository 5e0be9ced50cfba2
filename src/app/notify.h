/* systemd's service notification protocol (sd_notify(3)) without libsystemd: each state
 * change is one datagram to the AF_UNIX socket $NOTIFY_SOCKET names (a path, or an
 * abstract name written "@name"); without the variable nothing is sent. ternd sends
 * READY=1 once the workers run and the admin socket is open (main.c), RELOADING=1 then
 * READY=1 around a reload (reload.c), STOPPING=1 when it stops or starts draining (ctl.c,
 * drain.c), each with a STATUS= line. Main thread. */
#ifndef TERN_APP_NOTIFY_H
#define TERN_APP_NOTIFY_H

/* Sends the state fmt formats ("READY=1\nSTATUS=running"). 0 (also when $NOTIFY_SOCKET
 * is unset), or -errno (the caller goes on: systemd's timeout reports a lost READY=1). */
int notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* RELOADING=1 with MONOTONIC_USEC (systemd 253's Type=notify-reload wants both) and
 * STATUS=reloading. 0 or -errno. */
int notify_reloading(void);

#endif
