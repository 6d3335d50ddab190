#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "core/arena.h"

#define ARENA_ALIGN 8
#define ARENA_MIN_BLOCK 256

struct sip_arena_block {
	struct sip_arena_block *next;   /* older block */
	size_t size;                    /* usable bytes in data[] */
	size_t used;
	int first;                      /* kept by sip_arena_reset() */
	int foreign;                    /* caller's memory: never freed here */
	_Alignas(ARENA_ALIGN) char data[];
};

/* Countdown for sip_mem_fail_after(); 0 means no failure is armed. Tests only,
 * so it is a plain variable and not thread-safe by design. */
static unsigned long mem_fail_countdown;

void sip_mem_fail_after(unsigned long n)
{
	mem_fail_countdown = n;
}

/* True when the armed allocation failure is due now; disarms itself so only
 * the Nth allocation fails and the code under test can clean up. */
static int mem_should_fail(void)
{
	if (mem_fail_countdown == 0)
		return 0;
	return --mem_fail_countdown == 0;
}

void *sip_mem_alloc(size_t n)
{
	if (mem_should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *sip_mem_calloc(size_t n, size_t size)
{
	if (mem_should_fail())
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

void *sip_mem_realloc(void *p, size_t n)
{
	if (mem_should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

void sip_mem_free(void *p)
{
	free(p);
}

void sip_mem_trim(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

void sip_arena_init(sip_arena *a, size_t block_size)
{
	a->head = NULL;
	a->block_size = block_size < ARENA_MIN_BLOCK ? ARENA_MIN_BLOCK : block_size;
}

void sip_arena_init_buf(sip_arena *a, void *buf, size_t size, size_t block_size)
{
	sip_arena_init(a, block_size);
	struct sip_arena_block *b = buf;
	if (!buf || size <= sizeof *b + ARENA_ALIGN)
		return;
	b->next = NULL;
	b->size = (size - sizeof *b) & ~(size_t)(ARENA_ALIGN - 1);
	b->used = 0;
	b->first = 1;
	b->foreign = 1;
	a->head = b;
}

/* Keep the first block, rewound, so an arena reused for every received
 * message stops calling malloc once its first block is big enough. */
void sip_arena_reset(sip_arena *a)
{
	struct sip_arena_block *b = a->head, *keep = NULL;

	while (b) {
		struct sip_arena_block *next = b->next;
		if (b->first) {
			keep = b;
		} else {
			sip_mem_free(b);
		}
		b = next;
	}
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
	}
	a->head = keep;
}

void sip_arena_destroy(sip_arena *a)
{
	struct sip_arena_block *b = a->head;

	while (b) {
		struct sip_arena_block *next = b->next;
		if (!b->foreign)
			sip_mem_free(b);
		b = next;
	}
	a->head = NULL;
}

/* Allocate a new block able to hold at least n bytes. Oversized requests get
 * a block of their own linked behind the current one, so the space left in
 * the current block is not wasted. Returns the block or NULL. */
static struct sip_arena_block *arena_grow(sip_arena *a, size_t n)
{
	size_t size = n > a->block_size ? n : a->block_size;
	struct sip_arena_block *b;

	if (size > SIZE_MAX - sizeof(*b))
		return NULL;
	b = sip_mem_alloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->size = size;
	b->used = 0;
	b->first = a->head == NULL;
	b->foreign = 0;
	if (a->head && n > a->block_size / 2 && a->head->size - a->head->used >= ARENA_MIN_BLOCK) {
		b->next = a->head->next;
		a->head->next = b;
	} else {
		b->next = a->head;
		a->head = b;
	}
	return b;
}

void *sip_arena_alloc(sip_arena *a, size_t n)
{
	struct sip_arena_block *b = a->head;
	size_t need;

	if (n > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (!b || b->size - b->used < need) {
		b = arena_grow(a, need);
		if (!b)
			return NULL;
	}
	b->used += need;
	return b->data + b->used - need;
}

char *sip_arena_memdup(sip_arena *a, const void *p, size_t n)
{
	char *d = sip_arena_alloc(a, n + 1);

	if (!d)
		return NULL;
	if (n)
		memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

sip_str sip_arena_strdup(sip_arena *a, sip_str s)
{
	char *d = sip_arena_memdup(a, s.s, s.len);

	return d ? sip_str_make(d, s.len) : SIP_STR_NULL;
}

sip_str sip_arena_strdup_lower(sip_arena *a, sip_str s)
{
	sip_str d = sip_arena_strdup(a, s);
	char *p = (char *)d.s;

	for (size_t i = 0; i < d.len; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (char)(p[i] + 32);
	return d;
}

/* Format straight into the current block when it fits; otherwise measure,
 * allocate exactly and format again. Returns SIP_STR_NULL on failure. */
sip_str sip_arena_printf(sip_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *d;

	if (a->head) {
		struct sip_arena_block *b = a->head;
		size_t room = b->size - b->used;
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->used, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return SIP_STR_NULL;
		if ((size_t)n < room) {
			d = sip_arena_alloc(a, (size_t)n + 1);
			return sip_str_make(d, (size_t)n);
		}
	} else {
		va_start(ap, fmt);
		n = vsnprintf(NULL, 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return SIP_STR_NULL;
	}
	d = sip_arena_alloc(a, (size_t)n + 1);
	if (!d)
		return SIP_STR_NULL;
	va_start(ap, fmt);
	vsnprintf(d, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return sip_str_make(d, (size_t)n);
}
