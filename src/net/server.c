/* The server's lifecycle: listening addresses, workers, sockets, threads. */
#include "net/server.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xmalloc.h"
#include "net/alt.h"
#include "net/dtls.h"
#include "net/fastpath.h"
#include "net/limits.h"
#include "net/sock.h"
#include "net/tls_ctx.h"
#include "net/worker.h"
#include "turn/server.h"

#define NET_DEFAULT_TCP_CONNS 4096

/* One listening address; with port 0 the kernel's choice, per protocol. */
struct net_listen {
	struct addr udp;
	struct addr tcp;
	struct addr tls;     /* TLS over TCP, on tls_port */
	struct addr dtls;    /* DTLS over UDP, on tls_port */
	struct addr alt;     /* RFC 5780: the same address on alt_port (has_alt) */
	struct addr tls_alt; /* ... and on alt_tls_port */
	bool has_alt;
	bool enumerated; /* from getifaddrs, not from the configuration */
};

struct net_server {
	struct net_opts opts;
	struct net_listen listen[NET_MAX_LISTEN];
	size_t nlisten;
	unsigned nworkers;
	struct net_worker **workers;
	struct net_limits *limits;	 /* shared by the workers */
	struct net_dtls_keys *dtls_keys; /* DTLS cookie secrets (opts.dtls) */
	struct net_fastpath *fast;	 /* the XDP fast path, or NULL (user space only) */
};

static void net_log_bind(const struct addr *a, const char *proto, int err)
{
	char s[ADDR_STR_MAX];

	log_err("net", "bind failed addr=%s proto=%s err=%s", addr_to_str(a, s, sizeof(s)), proto,
		strerror(-err));
}

/* Fills s->listen from the options or from the interfaces. */
static int net_server_addrs(struct net_server *s)
{
	struct addr a[NET_MAX_LISTEN];
	size_t n = s->opts.nlisten;
	bool enumerated = n == 0;
	int err;

	if (enumerated) {
		err = net_sock_local_addrs(s->opts.port, a, NET_MAX_LISTEN, &n);
		if (err) {
			log_err("net", "getifaddrs failed err=%s", strerror(-err));
			return err;
		}
	} else {
		memcpy(a, s->opts.listen, n * sizeof(a[0]));
	}
	for (size_t i = 0; i < n; i++) {
		addr_set_port(&a[i], s->opts.port);
		s->listen[i].udp = a[i];
		s->listen[i].tcp = a[i];
		s->listen[i].tls = a[i];
		addr_set_port(&s->listen[i].tls, s->opts.tls_port);
		s->listen[i].dtls = s->listen[i].tls;
		s->listen[i].enumerated = enumerated;
	}
	s->nlisten = n;
	if (n == 0) {
		log_err("net", "no address to listen on");
		return -EADDRNOTAVAIL;
	}
	return 0;
}

/* Checks one address for both protocols; 0 or -errno (not yet logged). */
static int net_server_probe_one(const struct net_server *s, const struct net_listen *l,
				const char **proto)
{
	int err = 0;

	*proto = "udp";
	if (!s->opts.no_udp)
		err = net_sock_probe(&l->udp, false);
	if (!err && !s->opts.no_tcp) {
		*proto = "tcp";
		err = net_sock_probe(&l->tcp, true);
	}
	if (!err && s->opts.tls_tcp && s->opts.tls_port) {
		*proto = "tls";
		err = net_sock_probe(&l->tls, true);
	}
	if (!err && s->opts.dtls && s->opts.tls_port) {
		*proto = "dtls";
		err = net_sock_probe(&l->dtls, false);
	}
	return err;
}

/* Fails early if another process holds a port; skips an enumerated address that can't
 * be bound (e.g. an IPv6 address still in duplicate address detection). */
static int net_server_probe(struct net_server *s)
{
	char a[ADDR_STR_MAX];
	const char *proto;
	size_t k = 0;

	if (s->opts.port == 0)
		return 0;
	for (size_t i = 0; i < s->nlisten; i++) {
		struct net_listen *l = &s->listen[i];
		int err = net_server_probe_one(s, l, &proto);

		if (err && l->enumerated && err == -EADDRNOTAVAIL) {
			log_warn("net", "skipping address addr=%s proto=%s err=%s",
				 addr_to_str(&l->udp, a, sizeof(a)), proto, strerror(-err));
			continue;
		}
		if (err) {
			net_log_bind(&l->udp, proto, err);
			return err;
		}
		s->listen[k++] = *l;
	}
	s->nlisten = k;
	if (k == 0) {
		log_err("net", "no address to listen on");
		return -EADDRNOTAVAIL;
	}
	return 0;
}

/* RFC 5780 §6: every configured listening address with an alternate of its family also
 * listens on alt_port. Enumerated addresses never pair: an interface list is no promise that
 * two addresses reach the same clients. */
static void net_server_alts(struct net_server *s)
{
	struct addr a[NET_MAX_LISTEN];
	char buf[ADDR_STR_MAX];
	size_t paired = 0;

	if (!s->opts.alt_port || s->opts.alt_port == s->opts.port)
		s->opts.alt_port = 0;
	/* SO_REUSEPORT would let the alternate share the TLS/DTLS port and split its traffic. */
	if (s->opts.alt_port && s->opts.alt_port == s->opts.tls_port &&
	    (s->opts.tls_tcp || s->opts.dtls)) {
		log_warn("net", "rfc5780 off: alt-listening-port is the tls-listening-port port=%u",
			 s->opts.alt_port);
		s->opts.alt_port = 0;
	}
	if (!s->opts.alt_port || !s->opts.tls_tcp || !s->opts.tls_port ||
	    s->opts.alt_tls_port == s->opts.tls_port || s->opts.alt_tls_port == s->opts.alt_port ||
	    s->opts.alt_tls_port == s->opts.port)
		s->opts.alt_tls_port = 0;
	for (size_t i = 0; i < s->nlisten; i++)
		a[i] = s->listen[i].udp;
	for (size_t i = 0; i < s->nlisten && s->opts.alt_port; i++) {
		struct net_listen *l = &s->listen[i];

		if (l->enumerated || net_alt_pair(a, s->nlisten, i) < 0)
			continue;
		l->has_alt = true;
		l->alt = l->udp;
		addr_set_port(&l->alt, s->opts.alt_port);
		l->tls_alt = l->udp;
		addr_set_port(&l->tls_alt, s->opts.alt_tls_port);
		log_info("net", "rfc5780 alternate addr=%s",
			 addr_to_str(&l->alt, buf, sizeof(buf)));
		if (s->opts.alt_tls_port)
			log_info("net", "rfc5780 alternate addr=%s proto=tls",
				 addr_to_str(&l->tls_alt, buf, sizeof(buf)));
		paired++;
	}
	if (s->opts.alt_port && !paired && s->opts.nlisten)
		log_info("net", "rfc5780 no alternate address (needs two listening-ip of one "
				"family): CHANGE-REQUEST answered 420");
}

/* Like net_server_probe for the alternate ports: another process holding one fails the
 * start (a plain bind sees through its SO_REUSEPORT group, which would share the port). */
static int net_server_probe_alts(const struct net_server *s)
{
	for (size_t i = 0; i < s->nlisten; i++) {
		const struct net_listen *l = &s->listen[i];
		const char *proto = "udp";
		int err = 0;

		if (!l->has_alt)
			continue;
		if (!s->opts.no_udp)
			err = net_sock_probe(&l->alt, false);
		if (!err && !s->opts.no_tcp && (proto = "tcp"))
			err = net_sock_probe(&l->alt, true);
		if (!err && s->opts.alt_tls_port && (proto = "tls"))
			err = net_sock_probe(&l->tls_alt, true);
		if (err) {
			net_log_bind(!strcmp(proto, "tls") ? &l->tls_alt : &l->alt, proto, err);
			return err;
		}
	}
	return 0;
}

/* Settles the relay addresses (relay-ip or the defaults) and logs them. */
static int net_server_relays(struct net_server *s)
{
	char a[ADDR_STR_MAX];
	int err = net_opts_relay_addrs(&s->opts);

	if (err) {
		log_err("net", "getifaddrs failed err=%s", strerror(-err));
		return err;
	}
	if (s->opts.nrelay == 0) {
		log_err("net", "no relay address");
		return -EADDRNOTAVAIL;
	}
	for (size_t i = 0; i < s->opts.nrelay; i++)
		log_info("net", "relay addr=%s ports=%u-%u",
			 addr_ip_to_str(&s->opts.relay[i], a, sizeof(a)), s->opts.min_port,
			 s->opts.max_port);
	return 0;
}

enum net_sock_kind { NET_SOCK_UDP, NET_SOCK_TCP, NET_SOCK_TLS, NET_SOCK_DTLS };

/* Binds one socket of worker w to *a; with port 0, the first bind fixes *a's port. */
static int net_server_bind(struct net_server *s, struct net_worker *w, struct addr *a,
			   enum net_sock_kind kind)
{
	static const char *const names[] = {"udp", "tcp", "tls", "dtls"};
	bool udp = kind == NET_SOCK_UDP || kind == NET_SOCK_DTLS;
	int fd, err;

	err = udp ? net_sock_udp(a, &fd) : net_sock_tcp(a, &fd);
	if (err) {
		net_log_bind(a, names[kind], err);
		return err;
	}
	if (addr_port(a) == 0 && (err = net_sock_local(fd, a)) < 0) {
		close(fd);
		return err;
	}
	if (kind == NET_SOCK_UDP)
		return net_worker_add_udp(w, fd, a);
	if (kind == NET_SOCK_DTLS)
		return net_worker_add_dtls(w, fd, a, s->dtls_keys);
	return net_worker_add_tcp(w, fd, a, kind == NET_SOCK_TLS);
}

/* The RFC 5780 alternate port of one listening address (net_server_alts). */
static int net_server_bind_alt(struct net_server *s, struct net_worker *w, struct net_listen *l)
{
	struct addr tcp = l->alt;
	int err = 0;

	if (!l->has_alt)
		return 0;
	if (!s->opts.no_udp)
		err = net_server_bind(s, w, &l->alt, NET_SOCK_UDP);
	if (!err && !s->opts.no_tcp)
		err = net_server_bind(s, w, &tcp, NET_SOCK_TCP);
	if (!err && s->opts.alt_tls_port)
		err = net_server_bind(s, w, &l->tls_alt, NET_SOCK_TLS);
	return err;
}

/* Gives w's sockets their RFC 5780 tables (net/alt.h). */
static void net_server_link(struct net_server *s, struct net_worker *w)
{
	struct net_alt_ports ps = {s->opts.port, s->opts.alt_port, s->opts.tls_port,
				   s->opts.alt_tls_port};
	struct addr a[NET_MAX_LISTEN];
	size_t n = 0;

	/* Only the addresses that pair (has_alt) take part in the pairing. */
	for (size_t i = 0; i < s->nlisten; i++)
		if (s->listen[i].has_alt)
			a[n++] = s->listen[i].udp;
	net_alt_link(w, a, n, &ps);
}

static int net_server_workers(struct net_server *s)
{
	int err;

	s->workers = xcalloc(s->nworkers, sizeof(*s->workers));
	/* Per source: TCP and TLS connections, and DTLS sessions (as many again at most). */
	err = net_limits_new(s->opts.max_tcp_conns * s->nworkers * (s->opts.dtls ? 2 : 1),
			     s->opts.max_tcp_per_ip, &s->limits);
	if (err)
		return err;
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct net_worker *w;

		err = net_worker_new(i, &s->opts, s->limits, &w);
		if (err)
			return err;
		s->workers[i] = w;
		w->all = s->workers;
		w->nall = s->nworkers;
		for (size_t j = 0; j < s->nlisten; j++) {
			struct net_listen *l = &s->listen[j];

			if (!s->opts.no_udp && (err = net_server_bind(s, w, &l->udp, NET_SOCK_UDP)))
				return err;
			if (!s->opts.no_tcp && (err = net_server_bind(s, w, &l->tcp, NET_SOCK_TCP)))
				return err;
			if (s->opts.tls_tcp && (err = net_server_bind(s, w, &l->tls, NET_SOCK_TLS)))
				return err;
			if (s->opts.dtls && (err = net_server_bind(s, w, &l->dtls, NET_SOCK_DTLS)))
				return err;
			if ((err = net_server_bind_alt(s, w, l)))
				return err;
		}
		net_server_link(s, w);
	}
	return 0;
}

/* The cookie secrets the workers' DTLS sockets share, and the set's cookie callbacks. */
static int net_server_dtls(struct net_server *s)
{
	int err = net_dtls_prepare(s->opts.tls);

	if (!err)
		err = net_dtls_keys_new(&s->dtls_keys);
	if (err)
		log_err("net", "dtls setup failed err=%s", strerror(-err));
	return err;
}

int net_server_new(const struct net_opts *opts, struct net_server **out)
{
	struct net_server *s = xcalloc(1, sizeof(*s));
	long ncpu;
	int err;

	s->opts = *opts;
	if (!s->opts.tls)
		s->opts.tls_tcp = s->opts.dtls = false;
	if (s->opts.tls)
		tls_ctxset_ref(s->opts.tls);
	if (!s->opts.handshake_s)
		s->opts.handshake_s = NET_DEFAULT_HANDSHAKE_S;
	if (!s->opts.max_tcp_conns)
		s->opts.max_tcp_conns = NET_DEFAULT_TCP_CONNS;
	if (!s->opts.tcp_idle_s)
		s->opts.tcp_idle_s = NET_DEFAULT_TCP_IDLE_S;
	if (!s->opts.min_port && !s->opts.max_port) {
		s->opts.min_port = NET_DEFAULT_MIN_PORT;
		s->opts.max_port = NET_DEFAULT_MAX_PORT;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	s->nworkers = opts->threads ? opts->threads : (unsigned)(ncpu > 0 ? ncpu : 1);
	err = -EINVAL;
	if (s->opts.no_udp && s->opts.no_tcp) {
		log_err("net", "neither udp nor tcp enabled");
		goto fail;
	}
	if (s->opts.min_port > s->opts.max_port || s->opts.min_port == 0) {
		log_err("net", "bad relay port range min=%u max=%u", s->opts.min_port,
			s->opts.max_port);
		goto fail;
	}
	err = net_server_addrs(s);
	if (!err)
		err = net_server_probe(s);
	if (!err) {
		net_server_alts(s);
		err = net_server_probe_alts(s);
	}
	if (!err && s->opts.dtls)
		err = net_server_dtls(s);
	if (!err && !s->opts.turn->stun_only)
		err = net_server_relays(s);
	if (!err)
		err = net_server_workers(s);
	if (!err && !s->opts.turn->stun_only)
		err = net_fastpath_new(&s->opts, &s->fast);
	for (unsigned i = 0; !err && i < s->nworkers; i++)
		s->workers[i]->fast = s->fast;
	if (err)
		goto fail;
	*out = s;
	return 0;
fail:
	net_server_free(s);
	return err;
}

static void net_server_log_listeners(const struct net_server *s)
{
	char a[ADDR_STR_MAX];

	for (size_t i = 0; i < s->nlisten; i++) {
		if (!s->opts.no_udp)
			log_info("net", "listening addr=%s proto=udp workers=%u",
				 addr_to_str(&s->listen[i].udp, a, sizeof(a)), s->nworkers);
		if (!s->opts.no_tcp)
			log_info("net", "listening addr=%s proto=tcp%s workers=%u",
				 addr_to_str(&s->listen[i].tcp, a, sizeof(a)),
				 s->opts.tls_tcp ? "+tls" : "", s->nworkers);
		if (s->opts.tls_tcp)
			log_info("net", "listening addr=%s proto=tls workers=%u",
				 addr_to_str(&s->listen[i].tls, a, sizeof(a)), s->nworkers);
		if (s->opts.dtls)
			log_info("net", "listening addr=%s proto=dtls workers=%u",
				 addr_to_str(&s->listen[i].dtls, a, sizeof(a)), s->nworkers);
	}
}

int net_server_start(struct net_server *s)
{
	sigset_t all, old;
	int err = 0;

	net_limits_start(s->limits);
	/* Workers never take signals: the main thread handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 0; i < s->nworkers && !err; i++)
		err = net_worker_start(s->workers[i]);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		log_err("net", "thread start failed err=%s", strerror(-err));
		net_server_stop(s);
		return err;
	}
	net_server_log_listeners(s);
	return 0;
}

void net_server_stop(struct net_server *s)
{
	for (unsigned i = 0; i < s->nworkers; i++)
		if (s->workers[i])
			net_worker_stop(s->workers[i]);
	for (unsigned i = 0; i < s->nworkers; i++)
		if (s->workers[i])
			net_worker_join(s->workers[i]);
}

void net_server_free(struct net_server *s)
{
	if (!s)
		return;
	for (unsigned i = 0; s->workers && i < s->nworkers; i++)
		if (s->workers[i])
			net_worker_drain(s->workers[i]);
	for (unsigned i = 0; s->workers && i < s->nworkers; i++)
		net_worker_free(s->workers[i]);
	free(s->workers);
	net_fastpath_free(s->fast);
	net_dtls_keys_free(s->dtls_keys);
	net_limits_free(s->limits);
	if (s->opts.tls)
		tls_ctxset_unref(s->opts.tls);
	free(s);
}

size_t net_server_nlisten(const struct net_server *s)
{
	return s->nlisten;
}

int net_server_local_addr(const struct net_server *s, size_t i, bool tcp, struct addr *out)
{
	if (i >= s->nlisten || (tcp ? s->opts.no_tcp : s->opts.no_udp))
		return -ENOENT;
	*out = tcp ? s->listen[i].tcp : s->listen[i].udp;
	return 0;
}

int net_server_tls_addr(const struct net_server *s, size_t i, struct addr *out)
{
	if (i >= s->nlisten || !s->opts.tls_tcp)
		return -ENOENT;
	*out = s->listen[i].tls;
	return 0;
}

int net_server_dtls_addr(const struct net_server *s, size_t i, struct addr *out)
{
	if (i >= s->nlisten || !s->opts.dtls)
		return -ENOENT;
	*out = s->listen[i].dtls;
	return 0;
}

/* Worker thread: installs the set (a reference taken for this call), dropping the old one. */
static void net_server_tls_set(struct net_worker *w, void *arg)
{
	struct tls_ctxset *old = w->tls;

	w->tls = arg;
	if (old)
		tls_ctxset_unref(old);
}

int net_server_tls_swap(struct net_server *s, struct tls_ctxset *set)
{
	int rc = 0;

	if (!s->opts.tls)
		return -EINVAL;
	/* The cookie callbacks go on the new set before any worker sees it. */
	if (s->opts.dtls && net_dtls_prepare(set) < 0) {
		log_err("net", "tls swap failed err=\"the new set has no DTLS context\"");
		return -EINVAL;
	}
	for (unsigned i = 0; i < s->nworkers; i++) {
		int err = -EAGAIN;

		/* The queue drains within a loop iteration; a reload can wait that long. */
		for (int tries = 0; tries < 100 && err == -EAGAIN; tries++) {
			err = net_worker_call(s->workers[i], net_server_tls_set,
					      tls_ctxset_ref(set));
			if (err) {
				tls_ctxset_unref(set);
				usleep(10000);
			}
		}
		if (err) {
			log_err("net", "tls swap failed worker=%u err=%s", i, strerror(-err));
			rc = err;
		}
	}
	tls_ctxset_unref(s->opts.tls);
	s->opts.tls = tls_ctxset_ref(set);
	return rc;
}

/* One net_server_each call: how many workers have still to run fn. */
struct net_each {
	pthread_mutex_t lock;
	pthread_cond_t done;
	unsigned pending;
	net_each_cb fn;
	void *arg;
};

static void net_each_run(struct net_worker *w, void *arg)
{
	struct net_each *e = arg;

	e->fn(w, e->arg);
	pthread_mutex_lock(&e->lock);
	if (--e->pending == 0)
		pthread_cond_signal(&e->done);
	pthread_mutex_unlock(&e->lock);
}

int net_server_each(struct net_server *s, net_each_cb fn, void *arg)
{
	struct net_each e = {.pending = 1, .fn = fn, .arg = arg};
	int rc = 0;

	pthread_mutex_init(&e.lock, NULL);
	pthread_cond_init(&e.done, NULL);
	for (unsigned i = 0; i < s->nworkers; i++) {
		int err = -EAGAIN;

		pthread_mutex_lock(&e.lock);
		e.pending++;
		pthread_mutex_unlock(&e.lock);
		/* The queue drains within a loop iteration. */
		for (int tries = 0; tries < 100 && err == -EAGAIN; tries++) {
			err = net_worker_call(s->workers[i], net_each_run, &e);
			if (err)
				usleep(10000);
		}
		if (err) {
			log_err("net", "control call failed worker=%u err=%s", i, strerror(-err));
			pthread_mutex_lock(&e.lock);
			e.pending--;
			pthread_mutex_unlock(&e.lock);
			rc = err;
		}
	}
	pthread_mutex_lock(&e.lock);
	e.pending--;
	while (e.pending)
		pthread_cond_wait(&e.done, &e.lock);
	pthread_mutex_unlock(&e.lock);
	pthread_cond_destroy(&e.done);
	pthread_mutex_destroy(&e.lock);
	return rc;
}

unsigned net_server_nworkers(const struct net_server *s)
{
	return s->nworkers;
}

struct net_fastpath *net_server_fastpath(const struct net_server *s)
{
	return s->fast;
}
