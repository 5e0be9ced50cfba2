/* ternd's TLS certificates (app/app_tls.h). */
#include "app/app_tls.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cfg.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "net/server.h"
#include "net/tls_ctx.h"

struct app_tls {
	const struct cfg *cfg; /* borrowed: the files are re-read from its paths */
	struct tls_tickets *tickets;
	struct tls_ctxset *set; /* the one in force */
};

/* Builds a set from the files cfg names. 0, or -errno with err set. */
static int app_tls_build(const struct cfg *cfg, struct tls_tickets *tickets,
			 struct tls_ctxset **out, char *err)
{
	size_t n = cfg->tls_certs.n;
	struct tls_cert_spec *certs = xcalloc(n ? n : 1, sizeof(*certs));
	char(*parts)[3][CFG_TLS_PART_MAX] = xcalloc(n ? n : 1, sizeof(*parts));
	const char *why;
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		/* Checked at load (cfg_check_tls_cert): cannot fail here. */
		rc = cfg_tls_cert_parse(cfg->tls_certs.v[i], parts[i][0], parts[i][1], parts[i][2],
					&why);
		certs[i] = (struct tls_cert_spec){parts[i][0], parts[i][1],
						  parts[i][2][0] ? parts[i][2] : NULL};
	}
	if (!rc) {
		struct tls_ctx_opts o = {
			.cert = cfg->cert,
			.pkey = cfg->pkey,
			.pkey_pwd = cfg->pkey_pwd,
			.certs = certs,
			.ncerts = n,
			.cipher_list = cfg->cipher_list,
			.ec_curve = cfg->ec_curve_name,
			.dh_file = cfg->dh_file,
			.no_tlsv1_2 = cfg->no_tlsv1_2,
			.dtls = cfg->dtls && !cfg->no_dtls,
		};
		rc = tls_ctxset_new(&o, tickets, out, err);
	} else {
		snprintf(err, TLS_CTX_ERR_MAX, "tls-certs: %s", why);
	}
	free(parts);
	free(certs);
	return rc;
}

int app_tls_new(const struct cfg *cfg, struct net_opts *opts, struct app_tls **out)
{
	bool tcp = !cfg->no_tls, dtls = cfg->dtls && !cfg->no_dtls;
	char err[TLS_CTX_ERR_MAX];
	struct app_tls *t;
	int rc;

	*out = NULL;
	if (!cfg->cert) {
		if (cfg->tls_certs.n || dtls) {
			log_err("tls", "%s needs cert (the default certificate)",
				cfg->tls_certs.n ? "tls-certs" : "dtls");
			return -EINVAL;
		}
		return 0;
	}
	if (!tcp && !dtls)
		return 0;
	t = xcalloc(1, sizeof(*t));
	t->cfg = cfg;
	rc = tls_tickets_new(0, &t->tickets);
	if (!rc && (rc = app_tls_build(cfg, t->tickets, &t->set, err)) < 0)
		log_err("tls", "cannot set up TLS err=\"%s\"", err);
	if (rc < 0) {
		app_tls_free(t);
		return rc;
	}
	opts->tls = t->set;
	opts->tls_tcp = tcp;
	opts->dtls = dtls;
	*out = t;
	return 0;
}

int app_tls_check(const struct cfg *cfg, char *err, size_t cap)
{
	char why[TLS_CTX_ERR_MAX];
	struct tls_tickets *tickets;
	struct tls_ctxset *set;
	int rc;

	err[0] = '\0';
	if (!cfg->cert) {
		if (cfg->tls_certs.n || (cfg->dtls && !cfg->no_dtls))
			snprintf(err, cap, "%s needs cert (the default certificate)",
				 cfg->tls_certs.n ? "tls-certs" : "dtls");
		return err[0] ? -EINVAL : 0;
	}
	rc = tls_tickets_new(0, &tickets);
	if (rc < 0) {
		snprintf(err, cap, "TLS: %s", strerror(-rc));
		return rc;
	}
	rc = app_tls_build(cfg, tickets, &set, why);
	if (rc < 0)
		snprintf(err, cap, "%s", why);
	else
		tls_ctxset_unref(set);
	tls_tickets_free(tickets);
	return rc;
}

int app_tls_reload(struct app_tls *t, struct net_server *srv)
{
	char err[TLS_CTX_ERR_MAX];
	struct tls_ctxset *set;
	int rc;

	if (!t)
		return 0;
	rc = app_tls_build(t->cfg, t->tickets, &set, err);
	if (rc < 0) {
		log_err("tls", "tls certificate reload failed, old certificates kept err=\"%s\"",
			err);
		return rc;
	}
	rc = net_server_tls_swap(srv, set);
	tls_ctxset_unref(t->set);
	t->set = set;
	if (!rc)
		log_info("tls", "tls certificates reloaded");
	return rc;
}

void app_tls_set_cfg(struct app_tls *t, const struct cfg *cfg)
{
	if (t)
		t->cfg = cfg;
}

void app_tls_free(struct app_tls *t)
{
	if (!t)
		return;
	if (t->set)
		tls_ctxset_unref(t->set);
	tls_tickets_free(t->tickets);
	free(t);
}
