/*
 * tl_rtt — the relay mode's round-trip phase (see tl_relay.c): paced probes
 * through every target in turn, each timed from send to return.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tl_relay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

static void tl_send_probe(struct tl_relay *r, uint32_t idx)
{
	uint8_t pkt[4 + TL_MAX_PAYLOAD] = {0};
	uint64_t now = tl_now_ns();

	tl_put16(pkt, (uint16_t)(0x4000 + idx));
	tl_put16(pkt + 2, (uint16_t)r->size);
	tl_put32(pkt + 4, idx);
	pkt[8] = TL_KIND_RTT;
	memcpy(pkt + 12, &now, 8);
	(void)send(r->t->sess[idx].fd, pkt, (size_t)(4 + r->size), MSG_DONTWAIT);
}

static int tl_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void tl_report_rtt(struct tl_relay *r)
{
	const struct tl_acc *c = &r->acc;
	size_t n = r->nrtt;

	qsort(r->rtt_ns, n, sizeof(*r->rtt_ns), tl_cmp_u64);
	double p50 = n ? (double)r->rtt_ns[n / 2] / 1e3 : -1;
	double p90 = n ? (double)r->rtt_ns[n * 90 / 100] / 1e3 : -1;
	double p99 = n ? (double)r->rtt_ns[n * 99 / 100] / 1e3 : -1;
	double p999 = n ? (double)r->rtt_ns[n * 999 / 1000] / 1e3 : -1;
	double mx = n ? (double)r->rtt_ns[n - 1] / 1e3 : -1;
	printf("target=%s phase=rtt allocs=%d size=%d rate=%d secs=%.2f sent=%llu received=%zu "
	       "loss_pct=%.3f p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f "
	       "server_cpu=%.3f "
	       "loadgen_cpu=%.2f idle_poll=%d\n",
	       r->t->o.name, r->n, r->size, r->t->o.rtt_rate, c->secs,
	       (unsigned long long)r->rtt_sent, n,
	       r->rtt_sent > n ? 100.0 * (double)(r->rtt_sent - n) / (double)r->rtt_sent : 0, p50,
	       p90, p99, p999, mx, c->cpu_unknown ? -1 : c->server_cpu, c->self_cpu,
	       r->t->o.npoll > 0);
	fflush(stdout);
}

/* Waits at most timeout_ns on every target at once (pe holds their epoll
 * sets) and handles what arrived. Nanosecond timeouts (epoll_pwait2) pace
 * the probes one by one rather than in bursts per millisecond tick. */
static int tl_step_all(struct tl_relay **rs, int pe, uint64_t timeout_ns)
{
	static bool no_pwait2;
	struct epoll_event evs[TL_MAX_TARGETS];
	struct timespec ts = {.tv_sec = (time_t)(timeout_ns / 1000000000u),
			      .tv_nsec = (long)(timeout_ns % 1000000000u)};
	int k = -1;

	if (!no_pwait2) {
		k = epoll_pwait2(pe, evs, TL_MAX_TARGETS, &ts, NULL);
		if (k < 0 && errno == ENOSYS)
			no_pwait2 = true;
	}
	if (no_pwait2)
		k = epoll_wait(pe, evs, TL_MAX_TARGETS, (int)((timeout_ns + 999999) / 1000000));
	if (k < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < k; i++) {
		int err = tl_data_step(rs[evs[i].data.u32], 0);
		if (err < 0)
			return err;
	}
	return 0;
}

/* One round-trip turn of r: paced probes, round robin over its allocations,
 * for ms milliseconds; its samples count when record is set. */
static int tl_turn_rtt(struct tl_relay **rs, int pe, struct tl_relay *r, int ms, bool record)
{
	const struct tl_opts *o = &r->t->o;
	struct tl_snap a, b;
	uint64_t start = tl_now_ns(), t_end = start + (uint64_t)ms * 1000000u, sent = 0;
	uint64_t s0[2] = {r->sent[0], r->sent[1]}, d0[2] = {r->recv[0], r->recv[1]};

	if (record) {
		tl_snap_take(r->t, &a);
		if (!r->rtt_record) {
			r->rtt_from_ns = start;
			r->rtt_record = true;
		}
	}
	for (;;) {
		uint64_t now = tl_now_ns();
		if (now >= t_end)
			break;
		uint64_t due = (uint64_t)((double)(now - start) * o->rtt_rate / 1e9);
		for (int k = 0; sent < due && k < 256; k++, sent++) {
			tl_send_probe(r, r->next_probe);
			r->next_probe = (r->next_probe + 1) % (uint32_t)r->n;
		}
		/* Until the next probe is due (or the turn ends). */
		uint64_t next = start + (uint64_t)((double)(sent + 1) * 1e9 / o->rtt_rate);
		next = next < t_end ? next : t_end;
		now = tl_now_ns();
		int err = tl_step_all(rs, pe, next > now ? next - now : 0);
		if (err < 0)
			return err;
	}
	if (record) {
		tl_snap_take(r->t, &b);
		tl_acc_add(r, &a, &b, s0, d0);
		r->rtt_sent += sent;
	}
	return 0;
}

/* Every target o.rtt_secs in turns of o.rtt_turn_ms after one unrecorded
 * turn each; then 300 ms for the stragglers, which still count. */
int tl_phase_rtt(struct tl_relay **rs, int nr, int pe, int size)
{
	const struct tl_opts *o = &rs[0]->t->o;
	int turn = o->rtt_turn_ms, turns = (int)(o->rtt_secs * 1000 / turn + 0.999), err = 0;

	for (int j = 0; j < nr; j++) {
		struct tl_relay *r = rs[j];
		r->size = size;
		r->rtt = true;
		r->rtt_record = false;
		r->rtt_sent = 0;
		r->nrtt = 0;
		memset(&r->acc, 0, sizeof(r->acc));
		r->rtt_cap =
			(size_t)((double)o->rtt_rate * turn / 1000.0 + 1) * (size_t)turns + 1024;
		r->rtt_ns = calloc(r->rtt_cap, sizeof(*r->rtt_ns));
		if (!r->rtt_ns)
			return -ENOMEM;
	}
	if (o->npoll && (err = tl_idlepoll_start(o->poll_cpu, o->npoll)) < 0) {
		fprintf(stderr, "turnload: idle pollers: %s; measuring without\n", strerror(-err));
		err = 0;
	}
	for (int j = 0; j < nr && err == 0; j++)
		err = tl_turn_rtt(rs, pe, rs[j], turn, false);
	for (int k = 0; k < turns && err == 0; k++)
		for (int j = 0; j < nr && err == 0; j++)
			err = tl_turn_rtt(rs, pe, rs[(k + j) % nr], turn, true);
	for (uint64_t end = tl_now_ms() + 300; err == 0 && tl_now_ms() < end;)
		err = tl_step_all(rs, pe, 10000000);
	tl_idlepoll_stop();
	for (int j = 0; j < nr; j++) {
		struct tl_relay *r = rs[j];
		r->rtt_record = false;
		if (err == 0)
			tl_report_rtt(r);
		r->rtt = false;
		free(r->rtt_ns);
		r->rtt_ns = NULL;
		r->nrtt = 0;
	}
	return err;
}
