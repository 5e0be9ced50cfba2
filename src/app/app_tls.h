/* ternd's TLS certificates: the context set (net/tls_ctx.h) built from the configuration
 * at start, and rebuilt from the same files on SIGHUP / SIGUSR2 and swapped into the
 * running server, the old set kept when the new one fails to load. Main thread. */
#ifndef TERN_APP_APP_TLS_H
#define TERN_APP_APP_TLS_H

#include <stddef.h>

struct cfg;
struct net_opts;
struct net_server;
struct app_tls;

/* Builds the certificates when cfg turns TLS or DTLS on (cert set), and sets opts->tls,
 * tls_tcp, dtls (*out NULL and opts untouched when TLS is off). 0, or -errno with a log
 * line naming the file and the reason. */
int app_tls_new(const struct cfg *cfg, struct net_opts *opts, struct app_tls **out);
/* ternd --check-config: loads every certificate, key and DH file cfg names as a start
 * would (nothing kept). 0, or -errno with err (cap bytes) naming the file and the reason. */
int app_tls_check(const struct cfg *cfg, char *err, size_t cap);
/* Re-reads the certificate files and swaps the new set into srv; on failure logs why and
 * leaves the running set in place. NULL t: nothing to do. 0 or -errno. */
int app_tls_reload(struct app_tls *t, struct net_server *srv);
/* A reload: the certificate files are read from cfg's paths from now on (borrowed until
 * the next call or app_tls_free). NULL t: nothing to do. */
void app_tls_set_cfg(struct app_tls *t, const struct cfg *cfg);
/* Takes t (NULL is fine); after the server is freed. */
void app_tls_free(struct app_tls *t);

#endif
