/* Memory per transaction in its wait state and per confirmed dialog (not
 * a test; "make bench-memory").
 *
 * Runs N calls' worth of transactions through the transaction layer over
 * the loopback transport, with messages as sipp and phones send them:
 * a BYE answered 200 (server and client in Completed: timers J and K), an
 * INVITE answered 486 and acknowledged (Confirmed and Completed: timers I
 * and D) and an INVITE answered 200 (Accepted: timers L and M, which keep
 * the whole transaction: its branches' 2xx retransmissions are routed).
 * For each it prints the heap per transaction right after the final
 * response and once the wait state began (the records), measured with
 * glibc's mallinfo2() like bench/reg_memory. Then N dialogs confirmed the
 * way the dialog module does it (both legs, From and To kept), and the
 * heap per dialog. N is argv[1] (default 20000). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/status.h"
#include "core/timer.h"
#include "dialog/dialog.h"
#include "net/transport.h"
#include "sip/msg.h"
#include "txn/txn.h"

static sip_timer_wheel wheel;
static uint64_t now_ms;
static sip_socket *sock;
static sip_addr up, down;
static sip_arena scratch;
static char buf[4096];

static size_t heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static void advance(uint64_t ms)
{
	uint64_t to = now_ms + ms;
	while (now_ms < to) {
		now_ms += SIP_TIMER_TICK_MS;
		sip_timer_expire(&wheel, now_ms);
	}
}

static sip_msg *parse(sip_msg *m, int len)
{
	sip_arena_reset(&scratch);
	if (len <= 0 || sip_msg_parse(&scratch, buf, (size_t)len, m) != SIP_OK) {
		fprintf(stderr, "cannot parse:\n%s\n", buf);
		exit(1);
	}
	return m;
}

/* A request from a phone (sipp's uac): i numbers the call. */
static sip_msg *request(sip_msg *m, const char *method, unsigned long i, int cseq)
{
	int n = snprintf(buf, sizeof buf,
		"%s sip:service@127.0.0.1:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-%lu-%d-%s\r\n"
		"From: sipp <sip:sipp@127.0.0.1:5061>;tag=%lu-SIPpTag00%lu\r\n"
		"To: service <sip:service@127.0.0.1:5060>%s\r\n"
		"Call-ID: %lu-%lu@127.0.0.1\r\n"
		"CSeq: %d %s\r\n"
		"Contact: sip:sipp@127.0.0.1:5061\r\n"
		"Max-Forwards: 70\r\n"
		"Subject: Performance Test\r\n"
		"Content-Length: 0\r\n\r\n",
		method, i, cseq, "x", i, i,
		strcmp(method, "INVITE") ? ";tag=1234SIPpTag01" : "", i, i * 7919, cseq,
		method);
	return parse(m, n);
}

/* The request forwarded on branch c (what the proxy sends). */
static void forward(txn *c, const char *method, unsigned long i, int cseq)
{
	int n = snprintf(buf, sizeof buf,
		"%s sip:service@127.0.0.1:5062 SIP/2.0\r\n"
		"Record-Route: <sip:127.0.0.1:5060;lr>\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=%s\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-%lu-%d-x;received=127.0.0.1\r\n"
		"From: sipp <sip:sipp@127.0.0.1:5061>;tag=%lu-SIPpTag00%lu\r\n"
		"To: service <sip:service@127.0.0.1:5060>\r\n"
		"Call-ID: %lu-%lu@127.0.0.1\r\n"
		"CSeq: %d %s\r\n"
		"Contact: sip:sipp@127.0.0.1:5061\r\n"
		"Max-Forwards: 69\r\n"
		"Subject: Performance Test\r\n"
		"Content-Length: 0\r\n\r\n",
		method, c->branch.s, i, cseq, i, i, i, i * 7919, cseq, method);
	if (txn_client_send(c, buf, (size_t)n) != SIP_OK)
		exit(1);
}

/* The callee's final response on branch c. */
static sip_msg *response(sip_msg *m, txn *c, int code, const char *method, unsigned long i,
			 int cseq)
{
	int n = snprintf(buf, sizeof buf,
		"SIP/2.0 %d %s\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=%s\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-%lu-%d-x;received=127.0.0.1\r\n"
		"Record-Route: <sip:127.0.0.1:5060;lr>\r\n"
		"From: sipp <sip:sipp@127.0.0.1:5061>;tag=%lu-SIPpTag00%lu\r\n"
		"To: service <sip:service@127.0.0.1:5060>;tag=1234SIPpTag01\r\n"
		"Call-ID: %lu-%lu@127.0.0.1\r\n"
		"CSeq: %d %s\r\n"
		"Contact: <sip:127.0.0.1:5062;transport=UDP>\r\n"
		"Content-Length: 0\r\n\r\n",
		code, txn_reason(code), c->branch.s, i, cseq, i, i, i, i * 7919, cseq, method);
	return parse(m, n);
}

static bool on_reply(txn *s, txn *c, sip_msg *resp) { return true; }
static const struct txn_user user = { .on_reply = on_reply };

/* N transactions of kind: "bye" (200), "reject" (486 + ACK), "answer"
 * (INVITE 200). Prints the heap per transaction (server and client
 * counted apart) after the final and in the wait state. */
static void run_txn(const char *kind, unsigned long n)
{
	sip_msg m;
	bool invite = strcmp(kind, "bye") != 0;
	int code = !strcmp(kind, "reject") ? 486 : 200;
	size_t h0 = heap_used();
	for (unsigned long i = 0; i < n; i++) {
		txn *s = txn_server_create(request(&m, invite ? "INVITE" : "BYE", i, invite ? 1 : 2),
					   sock, &up);
		if (!s)
			exit(1);
		if (invite)
			txn_server_reply(s, 100, SIP_STR_NULL);
		txn *c = txn_client_create(s, invite ? SIP_METHOD_INVITE : SIP_METHOD_BYE, sock, &down);
		if (!c)
			exit(1);
		forward(c, invite ? "INVITE" : "BYE", i, invite ? 1 : 2);
		txn_client_receive(c, response(&m, c, code, invite ? "INVITE" : "BYE", i, invite ? 1 : 2));
		if (code == 486) {
			txn *a = txn_server_match(request(&m, "ACK", i, 1));
			if (!a || !txn_server_ack(a))
				exit(1);
		}
		if (i % 256 == 0)
			tp_loopback_clear();
	}
	tp_loopback_clear();
	size_t h1 = heap_used();
	advance(1100);          /* the wait state begins; the sweep ran */
	tp_loopback_clear();
	size_t h2 = heap_used();
	printf("%-28s %9lu %12.0f %12.0f %9lu\n", kind, 2 * n,
	       (double)(h1 - h0) / (2.0 * n), (double)(h2 > h0 ? h2 - h0 : 0) / (2.0 * n),
	       txn_rec_count());
	advance(40000);         /* every timer ran out */
	tp_loopback_clear();
}

static void run_dialogs(unsigned long n)
{
	sip_msg m;
	dlg_layer_init(&wheel, 12);
	size_t h0 = heap_used();
	for (unsigned long i = 0; i < n; i++) {
		dlg *d = dlg_create(request(&m, "INVITE", i, 1), DLG_DEFAULT_TIMEOUT_S);
		if (!d)
			exit(1);
		char from[128], to[128], hop[64];
		int fl = snprintf(from, sizeof from, "sipp <sip:sipp@127.0.0.1:5061>;tag=%lu-SIPpTag00%lu", i, i);
		int tl = snprintf(to, sizeof to, "service <sip:service@127.0.0.1:5060>;tag=1234SIPpTag01");
		int hl = snprintf(hop, sizeof hop, "sip:127.0.0.1:5061;transport=udp");
		dlg_set_caller_from(d, sip_str_make(from, (size_t)fl));
		dlg_set_leg(d, DLG_CALLER, SIP_STR_LIT("sip:sipp@127.0.0.1:5061"), SIP_STR_LIT(""),
			    sip_str_make(hop, (size_t)hl));
		dlg_response(d, 200, SIP_STR_LIT("1234SIPpTag01"));
		dlg_set_callee_to(d, sip_str_make(to, (size_t)tl));
		dlg_set_leg(d, DLG_CALLEE, SIP_STR_LIT("sip:127.0.0.1:5062;transport=UDP"), SIP_STR_LIT(""),
			    SIP_STR_LIT("sip:127.0.0.1:5062;transport=udp"));
		dlg_seen_cseq(d, DLG_CALLER, 1);
	}
	size_t h1 = heap_used();
	printf("%-28s %9lu %12.0f\n", "confirmed dialog", n, (double)(h1 - h0) / n);
	dlg_layer_destroy();
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
	if (n == 0) {
		fprintf(stderr, "usage: %s [CALLS]\n", argv[0]);
		return 2;
	}
	sip_arena_init(&scratch, 8192);
	sip_timer_wheel_init(&wheel, 0);
	if (txn_layer_init(&wheel, &user, 12) != SIP_OK)
		return 1;
	sock = tp_loopback_socket("127.0.0.1", 5060);
	sip_addr_from_ip(&up, SIP_STR_LIT("127.0.0.1"), 5061);
	sip_addr_from_ip(&down, SIP_STR_LIT("127.0.0.1"), 5062);
	printf("%-28s %9s %12s %12s %9s\n", "transactions", "count", "B at final", "B waiting",
	       "records");
	run_txn("bye", n);
	run_txn("reject", n);
	run_txn("answer", n);
	printf("\n%-28s %9s %12s\n", "dialogs", "count", "B each");
	run_dialogs(n);
	txn_layer_destroy();
	return 0;
}
