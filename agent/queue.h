/* Bounded queues between the agent's threads (queue.c). */
#ifndef JF_AGENT_QUEUE_H
#define JF_AGENT_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stddef.h>

typedef struct jf_agent_queue {
	pthread_mutex_t m;
	pthread_cond_t c;
	void **items;
	size_t cap, head, n;
	bool closed;             /* no more pushes: pop drains, then NULL */
	const _Atomic int *stop; /* when *stop: push and pop give up at once */
} jf_agent_queue;

int jf_agent_queue_init(jf_agent_queue *q, size_t cap, const _Atomic int *stop);
void jf_agent_queue_dispose(jf_agent_queue *q);
/* Block while full; -1 when stopped (the item is not queued). */
int jf_agent_queue_push(jf_agent_queue *q, void *item);
/* Block while empty; NULL when closed and drained, or stopped. */
void *jf_agent_queue_pop(jf_agent_queue *q);
void jf_agent_queue_close(jf_agent_queue *q);
/* Wake every waiter (after *stop was set). */
void jf_agent_queue_wake(jf_agent_queue *q);

#endif
