/* Cross-worker quota counts, the bandwidth budget and reservation tokens (turn/shared.h). */
#include "turn/shared.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"

#define TURN_SHARED_BUCKETS 1024

struct turn_user_count {
	struct turn_user_count *next;
	uint32_t n;
	uint8_t ident[TURN_SHARED_IDENT_LEN];
};

struct turn_token {
	struct turn_token *next;
	uint8_t token[TURN_SHARED_TOKEN_LEN];
	void *handle;
	int family;
	uint64_t expire_ms;
	bool has_ident; /* the maker's unit: ident's, else the total's only */
	uint8_t ident[TURN_SHARED_IDENT_LEN];
};

struct turn_shared {
	pthread_mutex_t lock;
	uint32_t total;
	struct turn_user_count *users[TURN_SHARED_BUCKETS];
	struct turn_token *tokens;
	atomic_bool draining;
	_Atomic uint64_t bps_granted; /* bytes/s granted to live allocations */
};

int turn_shared_new(struct turn_shared **out)
{
	struct turn_shared *sh = calloc(1, sizeof(*sh));

	if (sh == NULL)
		return -ENOMEM;
	if (pthread_mutex_init(&sh->lock, NULL) != 0) {
		free(sh);
		return -ENOMEM;
	}
	*out = sh;
	return 0;
}

void turn_shared_free(struct turn_shared *sh)
{
	size_t i;

	if (sh == NULL)
		return;
	for (i = 0; i < TURN_SHARED_BUCKETS; i++) {
		while (sh->users[i]) {
			struct turn_user_count *u = sh->users[i];

			sh->users[i] = u->next;
			free(u);
		}
	}
	while (sh->tokens) {
		struct turn_token *t = sh->tokens;

		sh->tokens = t->next;
		free(t);
	}
	pthread_mutex_destroy(&sh->lock);
	free(sh);
}

/* The ident is a SHA-256 digest already: its first bytes are a good hash. */
static struct turn_user_count **turn_shared_user_slot(struct turn_shared *sh, const uint8_t *ident)
{
	struct turn_user_count **p = &sh->users[bytes_get32(ident) % TURN_SHARED_BUCKETS];

	while (*p && memcmp((*p)->ident, ident, TURN_SHARED_IDENT_LEN) != 0)
		p = &(*p)->next;
	return p;
}

static int turn_shared_acquire_locked(struct turn_shared *sh, const uint8_t *ident, uint32_t n,
				      uint32_t user_quota, uint32_t total_quota)
{
	struct turn_user_count **p, *u;

	if (total_quota && (sh->total >= total_quota || total_quota - sh->total < n))
		return -EDQUOT;
	if (ident == NULL) {
		sh->total += n;
		return 0;
	}
	p = turn_shared_user_slot(sh, ident);
	u = *p;
	if (user_quota && (n > user_quota || (u && u->n > user_quota - n)))
		return -EDQUOT;
	if (u == NULL) {
		u = calloc(1, sizeof(*u));
		if (u == NULL)
			return -ENOMEM;
		memcpy(u->ident, ident, TURN_SHARED_IDENT_LEN);
		*p = u;
	}
	u->n += n;
	sh->total += n;
	return 0;
}

int turn_shared_acquire(struct turn_shared *sh, const uint8_t *ident, uint32_t n,
			uint32_t user_quota, uint32_t total_quota)
{
	int rc;

	pthread_mutex_lock(&sh->lock);
	rc = turn_shared_acquire_locked(sh, ident, n, user_quota, total_quota);
	pthread_mutex_unlock(&sh->lock);
	return rc;
}

static void turn_shared_release_locked(struct turn_shared *sh, const uint8_t *ident)
{
	struct turn_user_count **p, *u;

	if (sh->total > 0)
		sh->total--;
	if (ident == NULL)
		return;
	p = turn_shared_user_slot(sh, ident);
	u = *p;
	if (u && --u->n == 0) {
		*p = u->next;
		free(u);
	}
}

void turn_shared_release(struct turn_shared *sh, const uint8_t *ident)
{
	pthread_mutex_lock(&sh->lock);
	turn_shared_release_locked(sh, ident);
	pthread_mutex_unlock(&sh->lock);
}

uint32_t turn_shared_user_count(struct turn_shared *sh, const uint8_t *ident)
{
	struct turn_user_count *u;
	uint32_t n;

	pthread_mutex_lock(&sh->lock);
	u = *turn_shared_user_slot(sh, ident);
	n = u ? u->n : 0;
	pthread_mutex_unlock(&sh->lock);
	return n;
}

uint32_t turn_shared_total(struct turn_shared *sh)
{
	uint32_t n;

	pthread_mutex_lock(&sh->lock);
	n = sh->total;
	pthread_mutex_unlock(&sh->lock);
	return n;
}

int turn_shared_token_put(struct turn_shared *sh, const uint8_t token[TURN_SHARED_TOKEN_LEN],
			  void *handle, int family, uint64_t expire_ms, const uint8_t *ident)
{
	struct turn_token *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -ENOMEM;
	memcpy(t->token, token, TURN_SHARED_TOKEN_LEN);
	t->handle = handle;
	t->family = family;
	t->expire_ms = expire_ms;
	t->has_ident = ident != NULL;
	if (ident)
		memcpy(t->ident, ident, TURN_SHARED_IDENT_LEN);
	pthread_mutex_lock(&sh->lock);
	t->next = sh->tokens;
	sh->tokens = t;
	pthread_mutex_unlock(&sh->lock);
	return 0;
}

int turn_shared_token_take(struct turn_shared *sh, const uint8_t token[TURN_SHARED_TOKEN_LEN],
			   uint64_t now_ms, void **handle, int *family)
{
	struct turn_token **p, *t = NULL;

	pthread_mutex_lock(&sh->lock);
	for (p = &sh->tokens; *p; p = &(*p)->next) {
		if (memcmp((*p)->token, token, TURN_SHARED_TOKEN_LEN) != 0)
			continue;
		if (now_ms == 0 || now_ms < (*p)->expire_ms) {
			t = *p;
			*p = t->next;
			turn_shared_release_locked(sh, t->has_ident ? t->ident : NULL);
		}
		break;
	}
	pthread_mutex_unlock(&sh->lock);
	if (t == NULL)
		return -ENOENT;
	*handle = t->handle;
	*family = t->family;
	free(t);
	return 0;
}

void turn_shared_set_draining(struct turn_shared *sh, bool on)
{
	atomic_store_explicit(&sh->draining, on, memory_order_relaxed);
}

bool turn_shared_is_draining(struct turn_shared *sh)
{
	return atomic_load_explicit(&sh->draining, memory_order_relaxed);
}

uint64_t turn_shared_bps_acquire(struct turn_shared *sh, uint64_t want, uint64_t capacity)
{
	uint64_t old = atomic_load_explicit(&sh->bps_granted, memory_order_relaxed), grant;

	if (want == 0)
		return 0;
	/* As coturn's allocate_bps: what is left when less than asked, nothing when empty. */
	do {
		if (capacity == 0)
			grant = want;
		else if (old >= capacity)
			return 0;
		else
			grant = capacity - old < want ? capacity - old : want;
	} while (!atomic_compare_exchange_weak_explicit(
		&sh->bps_granted, &old, old + grant, memory_order_relaxed, memory_order_relaxed));
	return grant;
}

void turn_shared_bps_release(struct turn_shared *sh, uint64_t grant)
{
	uint64_t old = atomic_load_explicit(&sh->bps_granted, memory_order_relaxed), next;

	do
		next = old >= grant ? old - grant : 0;
	while (!atomic_compare_exchange_weak_explicit(&sh->bps_granted, &old, next,
						      memory_order_relaxed, memory_order_relaxed));
}

uint64_t turn_shared_bps_granted(struct turn_shared *sh)
{
	return atomic_load_explicit(&sh->bps_granted, memory_order_relaxed);
}
