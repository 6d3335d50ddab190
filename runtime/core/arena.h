/* Arenas: bump allocation in chained blocks, freed all at once.
 * One arena per received message (released when routing returns); a
 * transaction copies what it keeps into its own arena.
 * All allocation in the runtime goes through sip_mem_alloc()/sip_mem_free(),
 * the one allocator hook, so tests can fail the Nth allocation. */
#ifndef SIPCC_CORE_ARENA_H
#define SIPCC_CORE_ARENA_H

#include <stddef.h>
#include "core/str.h"

/* The allocator hook. */
/* Give the memory malloc holds free back to the system (glibc's
 * malloc_trim; nothing elsewhere). A proxy calls it after a burst, so its
 * resident size follows the load down. */
void sip_mem_trim(void);
void *sip_mem_alloc(size_t n);
void *sip_mem_realloc(void *p, size_t n);
/* n zeroed elements of size bytes: large blocks come zeroed from the
 * kernel, without the page-by-page memset a caller would pay. */
void *sip_mem_calloc(size_t n, size_t size);
void sip_mem_free(void *p);
/* Tests: make the Nth allocation from now fail (0 disables). */
void sip_mem_fail_after(unsigned long n);

struct sip_arena_block;
typedef struct sip_arena {
	struct sip_arena_block *head;   /* current block */
	size_t block_size;              /* default size of new blocks */
} sip_arena;

/* Initialise an arena whose blocks are at least block_size bytes. */
void sip_arena_init(sip_arena *a, size_t block_size);
/* The same with buf[0..size) as the first block (8-byte aligned): an
 * object that embeds its arena's first block needs one allocation, not
 * two. The buffer is the caller's; reset keeps it and destroy leaves it. */
void sip_arena_init_buf(sip_arena *a, void *buf, size_t size, size_t block_size);
/* Free every block except the first, and rewind it (reuse across messages). */
void sip_arena_reset(sip_arena *a);
/* Free every block. */
void sip_arena_destroy(sip_arena *a);
/* 8-byte aligned allocation; NULL on out-of-memory. */
void *sip_arena_alloc(sip_arena *a, size_t n);
/* Copy bytes / a slice into the arena. */
char *sip_arena_memdup(sip_arena *a, const void *p, size_t n);
sip_str sip_arena_strdup(sip_arena *a, sip_str s);
/* The same with ASCII letters lowercased (a host name kept for keys
 * compared without case). */
sip_str sip_arena_strdup_lower(sip_arena *a, sip_str s);
/* printf into the arena; returns the slice (NUL-terminated for convenience). */
sip_str sip_arena_printf(sip_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
