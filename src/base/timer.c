/* Hashed timer wheel: TIMER_WHEEL_SLOTS slots of TIMER_TICK_MS each, one intrusive
 * doubly linked list per slot. A timer lives in the slot of its expiry tick (or of the
 * wheel's current tick when already due); timers more than one revolution ahead share the
 * slot and are skipped by the expiry re-check until their turn comes.
 *
 * advance() sweeps the slots from the wheel's current tick (re-swept: it may have been
 * advanced only part way) to the tick of now_ms. Due timers of a slot are detached onto
 * the wheel's due list, sorted by expiry, then fired one by one from the head of that list:
 * a callback may cancel or re-arm any timer (a cancelled due timer simply leaves the list),
 * so no cursor is held across a callback. A jump of a revolution or more sweeps every slot
 * once and fires all due timers in a single sorted batch. */
#include "base/timer.h"

#include <errno.h>
#include <stdlib.h>

#define TIMER_WHEEL_SLOTS 4096u /* 409.6 s per revolution */

struct timer_wheel {
	uint64_t now_ms;   /* the clock: the latest now_ms passed in */
	uint64_t tick;	   /* current tick, now_ms / TIMER_TICK_MS */
	uint64_t count;	   /* armed timers, due list included */
	struct timer *due; /* detached due timers being fired, in expiry order */
	struct timer *slot[TIMER_WHEEL_SLOTS];
};

int timer_wheel_new(uint64_t now_ms, struct timer_wheel **out)
{
	struct timer_wheel *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->now_ms = now_ms;
	w->tick = now_ms / TIMER_TICK_MS;
	*out = w;
	return 0;
}

static void timer_list_disarm(struct timer *t)
{
	struct timer *next;

	for (; t; t = next) {
		next = t->next;
		t->next = NULL;
		t->pprev = NULL;
		t->wheel = NULL;
	}
}

void timer_wheel_free(struct timer_wheel *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < TIMER_WHEEL_SLOTS; i++)
		timer_list_disarm(w->slot[i]);
	timer_list_disarm(w->due);
	free(w);
}

void timer_init(struct timer *t, timer_cb cb, void *arg)
{
	t->next = NULL;
	t->pprev = NULL;
	t->wheel = NULL;
	t->expire_ms = 0;
	t->cb = cb;
	t->arg = arg;
}

static void timer_link(struct timer **head, struct timer *t)
{
	t->next = *head;
	if (t->next)
		t->next->pprev = &t->next;
	*head = t;
	t->pprev = head;
}

static void timer_unlink(struct timer *t)
{
	*t->pprev = t->next;
	if (t->next)
		t->next->pprev = t->pprev;
	t->next = NULL;
	t->pprev = NULL;
}

void timer_set(struct timer_wheel *w, struct timer *t, uint64_t expire_ms)
{
	uint64_t tick = expire_ms / TIMER_TICK_MS;

	timer_cancel(t);
	if (tick < w->tick)
		tick = w->tick;
	t->expire_ms = expire_ms;
	t->wheel = w;
	timer_link(&w->slot[tick % TIMER_WHEEL_SLOTS], t);
	w->count++;
}

void timer_cancel(struct timer *t)
{
	if (!t->pprev)
		return;
	timer_unlink(t);
	t->wheel->count--;
	t->wheel = NULL;
}

bool timer_is_armed(const struct timer *t)
{
	return t->pprev != NULL;
}

uint64_t timer_wheel_count(const struct timer_wheel *w)
{
	return w->count;
}

/* Stable merge sort of a NULL-terminated singly linked list by expire_ms (pprev ignored). */
static struct timer *timer_sort(struct timer *list)
{
	struct timer *a, *b, *slow, *fast, *out = NULL, **tail = &out;

	if (!list || !list->next)
		return list;
	slow = list;
	for (fast = list->next; fast && fast->next; fast = fast->next->next)
		slow = slow->next;
	b = slow->next;
	slow->next = NULL;
	a = timer_sort(list);
	b = timer_sort(b);
	while (a && b) {
		struct timer **min = b->expire_ms < a->expire_ms ? &b : &a;

		*tail = *min;
		tail = &(*min)->next;
		*min = (*min)->next;
	}
	*tail = a ? a : b;
	return out;
}

/* Moves the timers of slot s due at now_ms onto the front of *list (unsorted, singly
 * linked, still counted as armed). */
static void timer_slot_collect(struct timer **slot, uint64_t now_ms, struct timer **list)
{
	struct timer *t = *slot, *next;

	for (; t; t = next) {
		next = t->next;
		if (t->expire_ms > now_ms)
			continue;
		timer_unlink(t);
		t->next = *list;
		*list = t;
	}
}

/* Links the sorted list as the due list and fires it from the head. Every timer stays armed
 * on the due list until its turn, so callbacks may cancel (and then free) any of them. */
static void timer_fire_list(struct timer_wheel *w, struct timer *list)
{
	struct timer *t, **pp = &w->due;

	for (t = list; t; t = t->next) {
		t->pprev = pp;
		pp = &t->next;
	}
	w->due = list;
	while ((t = w->due) != NULL) {
		timer_unlink(t);
		t->wheel = NULL;
		w->count--;
		t->cb(t, t->arg);
	}
}

void timer_wheel_advance(struct timer_wheel *w, uint64_t now_ms)
{
	uint64_t end, tick;
	struct timer *list = NULL;

	if (now_ms < w->now_ms)
		now_ms = w->now_ms;
	w->now_ms = now_ms;
	end = now_ms / TIMER_TICK_MS;
	if (end - w->tick >= TIMER_WHEEL_SLOTS) {
		/* One sweep of every slot; re-armed timers due already fire next advance. */
		for (size_t i = 0; i < TIMER_WHEEL_SLOTS; i++)
			timer_slot_collect(&w->slot[i], now_ms, &list);
		w->tick = end;
		timer_fire_list(w, timer_sort(list));
		return;
	}
	for (tick = w->tick; tick <= end; tick++) {
		w->tick = tick;
		list = NULL;
		timer_slot_collect(&w->slot[tick % TIMER_WHEEL_SLOTS], now_ms, &list);
		timer_fire_list(w, timer_sort(list));
	}
}
