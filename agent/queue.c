/* Bounded FIFO queues of pointers: the pipeline's back-pressure. */
#include <stdlib.h>

#include "queue.h"

int jf_agent_queue_init(jf_agent_queue *q, size_t cap, const _Atomic int *stop)
{
	q->items = calloc(cap, sizeof(void *));
	if (!q->items)
		return -1;
	q->cap = cap;
	q->head = q->n = 0;
	q->closed = false;
	q->stop = stop;
	pthread_mutex_init(&q->m, NULL);
	pthread_cond_init(&q->c, NULL);
	return 0;
}

void jf_agent_queue_dispose(jf_agent_queue *q)
{
	if (!q->items)
		return;
	pthread_mutex_destroy(&q->m);
	pthread_cond_destroy(&q->c);
	free(q->items);
	q->items = NULL;
}

int jf_agent_queue_push(jf_agent_queue *q, void *item)
{
	int rc = -1;

	pthread_mutex_lock(&q->m);
	while (q->n == q->cap && !*q->stop)
		pthread_cond_wait(&q->c, &q->m);
	if (!*q->stop) {
		q->items[(q->head + q->n++) % q->cap] = item;
		rc = 0;
		pthread_cond_broadcast(&q->c);
	}
	pthread_mutex_unlock(&q->m);
	return rc;
}

void *jf_agent_queue_pop(jf_agent_queue *q)
{
	void *item = NULL;

	pthread_mutex_lock(&q->m);
	while (!q->n && !q->closed && !*q->stop)
		pthread_cond_wait(&q->c, &q->m);
	if (q->n && !*q->stop) {
		item = q->items[q->head];
		q->head = (q->head + 1) % q->cap;
		q->n--;
		pthread_cond_broadcast(&q->c);
	}
	pthread_mutex_unlock(&q->m);
	return item;
}

void jf_agent_queue_close(jf_agent_queue *q)
{
	pthread_mutex_lock(&q->m);
	q->closed = true;
	pthread_cond_broadcast(&q->c);
	pthread_mutex_unlock(&q->m);
}

void jf_agent_queue_wake(jf_agent_queue *q)
{
	pthread_mutex_lock(&q->m);
	pthread_cond_broadcast(&q->c);
	pthread_mutex_unlock(&q->m);
}
