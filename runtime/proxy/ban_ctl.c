/* The ban list (net/ban.h) on the control socket and in the statistics:
 * "ban list", "ban add IP [SECONDS]", "ban rm IP"; entries that expire are
 * removed (and logged) within a second. Every proxy has it, whether or not
 * its policy detects floods (the pike module adds to the same list). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "core/stats.h"
#include "core/status.h"
#include "net/ban.h"
#include "net/loop.h"
#include "proxy/ctl.h"
#include "proxy/proxy_int.h"

#define BAN_SWEEP_MS 1000

static sip_timer_wheel *ban_wheel;
static sip_timer ban_sweep;

static void ban_on_sweep(sip_timer *t, void *arg)
{
	(void)arg;
	tp_ban_expire();
	sip_timer_add(ban_wheel, t, BAN_SWEEP_MS);
}

static int64_t ban_count_stat(void)
{
	return (int64_t)tp_ban_count();
}

/* An IPv4 or IPv6 address (brackets allowed), no port, no network. */
static bool ban_parse_ip(const char *s, tp_addr_key *k)
{
	sip_addr a;
	return sip_addr_from_ip(&a, sip_str_make(s, strlen(s)), 0) == SIP_OK && tp_addr_key_of(&a, k);
}

struct ban_walk {
	proxy_ctl_out *o;
	uint64_t now;
	unsigned n;
};

static void ban_list_one(const tp_ban_info *b, void *arg)
{
	struct ban_walk *w = arg;
	char ip[64];
	proxy_ctl_printf(w->o, "%s{\"ip\":\"%s\",\"by\":\"%s\",\"age_s\":%llu,", w->n++ ? "," : "",
			 tp_addr_key_str(&b->key, ip, sizeof ip), b->by,
			 (unsigned long long)((w->now - b->since_ms) / 1000));
	if (b->until_ms)
		proxy_ctl_printf(w->o, "\"expires_s\":%llu,",
				 (unsigned long long)((b->until_ms - w->now + 999) / 1000));
	else
		proxy_ctl_printf(w->o, "\"expires_s\":null,");
	proxy_ctl_printf(w->o, "\"dropped\":%llu}", (unsigned long long)b->dropped);
}

static bool ban_ctl_list(int argc, char **argv, proxy_ctl_out *o)
{
	(void)argv;
	if (argc)
		return proxy_ctl_error(o, "usage: ban list");
	struct ban_walk w = { o, sip_loop_clock_ms(), 0 };
	proxy_ctl_printf(o, ",\"bans\":[");
	tp_ban_foreach(ban_list_one, &w);
	proxy_ctl_printf(o, "],\"dropped\":%lld", (long long)tp_ban_dropped);
	return true;
}

static bool ban_ctl_add(int argc, char **argv, proxy_ctl_out *o)
{
	tp_addr_key k;
	if (argc < 1 || argc > 2)
		return proxy_ctl_error(o, "usage: ban add IP [SECONDS]");
	if (!ban_parse_ip(argv[0], &k))
		return proxy_ctl_error(o, "not an IP address: %s", argv[0]);
	unsigned long secs = 0;
	if (argc == 2) {
		char *end;
		errno = 0;
		secs = strtoul(argv[1], &end, 10);
		if (errno || *end || !argv[1][0] || argv[1][0] == '-' || secs == 0 || secs > 31536000)
			return proxy_ctl_error(o, "SECONDS must be 1 to 31536000: %s", argv[1]);
	}
	int rc = tp_ban_add(&k, (uint32_t)secs, "ctl");
	if (rc != SIP_OK)
		return proxy_ctl_error(o, "cannot ban %s: %s", argv[0],
				       rc == SIP_ELIMIT ? "the ban list is full" : sip_strerror(rc));
	char ip[64];
	tp_addr_key_str(&k, ip, sizeof ip);
	if (secs)
		LOG_NOTICE("ban: %s banned by ctl for %lu s", ip, secs);
	else
		LOG_NOTICE("ban: %s banned by ctl until removed", ip);
	proxy_ctl_printf(o, ",\"ip\":\"%s\"", ip);
	if (secs)
		proxy_ctl_printf(o, ",\"expires_s\":%lu", secs);
	else
		proxy_ctl_printf(o, ",\"expires_s\":null");
	return true;
}

static bool ban_ctl_rm(int argc, char **argv, proxy_ctl_out *o)
{
	tp_addr_key k;
	if (argc != 1)
		return proxy_ctl_error(o, "usage: ban rm IP");
	if (!ban_parse_ip(argv[0], &k))
		return proxy_ctl_error(o, "not an IP address: %s", argv[0]);
	tp_ban_info info;
	if (!tp_ban_get(&k, &info) || !tp_ban_rm(&k))
		return proxy_ctl_error(o, "%s is not banned", argv[0]);
	char ip[64];
	tp_addr_key_str(&k, ip, sizeof ip);
	LOG_NOTICE("ban: %s unbanned by ctl (banned by %s, %llu packets dropped)", ip, info.by,
		   (unsigned long long)info.dropped);
	proxy_ctl_printf(o, ",\"ip\":\"%s\",\"dropped\":%llu", ip,
			 (unsigned long long)info.dropped);
	return true;
}

void proxy_ban_init(sip_timer_wheel *w)
{
	ban_wheel = w;
	sip_stat_counter("net.ban_dropped", &tp_ban_dropped);
	sip_stat_gauge("net.banned", ban_count_stat);
	proxy_ctl_register("ban list", "",
			   "the banned source addresses: who banned each, when it ends, packets dropped",
			   ban_ctl_list);
	proxy_ctl_register("ban add", "IP [SECONDS]",
			   "drop every packet from IP (for SECONDS, else until ban rm)", ban_ctl_add);
	proxy_ctl_register("ban rm", "IP", "lift the ban on IP", ban_ctl_rm);
	sip_timer_init(&ban_sweep, ban_on_sweep, NULL);
	sip_timer_add(w, &ban_sweep, BAN_SWEEP_MS);
}

void proxy_ban_destroy(void)
{
	if (ban_wheel)
		sip_timer_cancel(ban_wheel, &ban_sweep);
	ban_wheel = NULL;
	tp_ban_clear();
}
