/* Memory per registered contact (not a test; "make bench-memory").
 *
 * Registers N subscribers (default 100000, or argv[1]) with one contact
 * each in the registrar's in-memory location table, the way the proxy's
 * save() does (a parsed REGISTER with a Contact, Call-ID, CSeq, Expires
 * and User-Agent as a phone sends them, and the received address), and
 * prints the heap the table grew by, in bytes per contact. That includes
 * the address-of-record records and the hash buckets. The database
 * write-through is off: the rows on disk are not what limits a registrar.
 * The heap is measured with glibc's mallinfo2(), so the number holds for
 * the runtime's allocator (malloc behind sip_mem_alloc). The User-Agents
 * are kept once each in a fixed pool outside the heap (at most 256 KB
 * whatever the number of contacts; here one string). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/status.h"
#include "registrar/registrar.h"

#define NOW 1700000000

static size_t heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	static char buf[2048];
	sip_arena ar;
	struct reg_result r;

	if (n == 0) {
		fprintf(stderr, "usage: %s [CONTACTS]\n", argv[0]);
		return 2;
	}
	reg_conf = (struct reg_conf){ 60, 3600, 7200, 0 };
	reg_set_db(NULL);
	sip_arena_init(&ar, 8192);
	reg_table *t = reg_table_get(SIP_STR_LIT("location"), true);
	if (!t)
		return 1;
	size_t before = heap_used();
	for (unsigned long i = 0; i < n; i++) {
		unsigned a = (unsigned)(i >> 16) & 0xff, b = (unsigned)(i >> 8) & 0xff, c = (unsigned)i & 0xff;
		int len = snprintf(buf, sizeof buf,
			"REGISTER sip:voip.example.com SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 10.%u.%u.%u:5060;branch=z9hG4bK-%lu;rport\r\n"
			"From: <sip:%lu@voip.example.com>;tag=%lx\r\n"
			"To: <sip:%lu@voip.example.com>\r\n"
			"Call-ID: %08lx-5c1e-4b2a-9d3f-%012lx@10.%u.%u.%u\r\n"
			"CSeq: 2 REGISTER\r\n"
			"Contact: <sip:%lu@10.%u.%u.%u:5060;transport=udp>;expires=3600\r\n"
			"User-Agent: Grandstream GXP2170 1.0.11.23\r\n"
			"Content-Length: 0\r\n\r\n",
			a, b, c, i, 4900000000UL + i, i * 2654435761UL, 4900000000UL + i, i, i, a, b, c,
			4900000000UL + i, a, b, c);
		char rcv[48];
		int rl = snprintf(rcv, sizeof rcv, "sip:198.51.%u.%u:%u", b, c, 1024 + (unsigned)(i % 60000));
		sip_msg m;
		sip_arena_reset(&ar);
		if (sip_msg_parse(&ar, buf, (size_t)len, &m) != SIP_OK) {
			fprintf(stderr, "reg_memory: REGISTER %lu does not parse\n", i);
			return 1;
		}
		reg_save(t, &m, sip_str_make(rcv, (size_t)rl), 0, NOW, &ar, &r);
		if (r.code != 200) {
			fprintf(stderr, "reg_memory: REGISTER %lu got %d\n", i, r.code);
			return 1;
		}
	}
	size_t after = heap_used();
	unsigned long have = reg_table_count(t);
	if (have != n) {
		fprintf(stderr, "reg_memory: %lu bindings in the table, expected %lu\n", have, n);
		return 1;
	}
	printf("contacts      heap bytes   bytes/contact\n");
	printf("%-12lu %11zu %15.1f\n", n, after - before, (double)(after - before) / (double)n);
	reg_tables_destroy();
	sip_arena_destroy(&ar);
	return 0;
}
