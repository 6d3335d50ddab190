/* The header values of session timers (see sst.h). */
#include "sst/sst.h"

#include "core/status.h"

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

/* delta-seconds = 1*DIGIT, then LWS; capped at SST_MAX_SE. NULL when
 * there is no digit or it is 0. */
static const char *scan_delta(const char *p, const char *end, uint32_t *out)
{
	uint64_t v = 0;
	const char *q = skip_ws(p, end);
	const char *digits = q;
	while (q < end && *q >= '0' && *q <= '9') {
		if (v <= SST_MAX_SE)
			v = v * 10 + (uint64_t)(*q - '0');
		q++;
	}
	if (q == digits || v == 0)
		return NULL;
	*out = v > SST_MAX_SE ? SST_MAX_SE : (uint32_t)v;
	return skip_ws(q, end);
}

/* One ";name[=value]" from p; the name and value trimmed. NULL when it
 * is not one. */
static const char *scan_param(const char *p, const char *end, sip_str *name, sip_str *value)
{
	if (p >= end || *p != ';')
		return NULL;
	p = skip_ws(p + 1, end);
	const char *n = p;
	while (p < end && *p != '=' && *p != ';' && !is_ws(*p))
		p++;
	if (p == n)
		return NULL;
	*name = sip_str_make(n, (size_t)(p - n));
	*value = SIP_STR_NULL;
	p = skip_ws(p, end);
	if (p < end && *p == '=') {
		p = skip_ws(p + 1, end);
		const char *v = p;
		while (p < end && *p != ';' && !is_ws(*p))
			p++;
		if (p == v)
			return NULL;
		*value = sip_str_make(v, (size_t)(p - v));
		p = skip_ws(p, end);
	}
	return p;
}

int sst_parse_se(sip_str body, uint32_t *delta, enum sst_refresher *who)
{
	const char *p = body.s, *end = body.s + body.len;
	*who = SST_REFRESHER_NONE;
	if (!p || !(p = scan_delta(p, end, delta)))
		return SIP_EPARSE;
	while (p < end) {
		sip_str n, v;
		if (!(p = scan_param(p, end, &n, &v)))
			return SIP_EPARSE;
		if (!sip_str_caseeq(n, SIP_STR_LIT("refresher")))
			continue;
		if (sip_str_caseeq(v, SIP_STR_LIT("uac")))
			*who = SST_REFRESHER_UAC;
		else if (sip_str_caseeq(v, SIP_STR_LIT("uas")))
			*who = SST_REFRESHER_UAS;
		else
			return SIP_EPARSE;
	}
	return SIP_OK;
}

int sst_parse_min_se(sip_str body, uint32_t *delta)
{
	const char *p = body.s, *end = body.s + body.len;
	if (!p || !(p = scan_delta(p, end, delta)))
		return SIP_EPARSE;
	while (p < end) {
		sip_str n, v;
		if (!(p = scan_param(p, end, &n, &v)))
			return SIP_EPARSE;
	}
	return SIP_OK;
}

/* option-tag *(COMMA option-tag) */
bool sst_has_timer(sip_str body)
{
	const char *p = body.s, *end = body.s + body.len;
	while (p && p < end) {
		p = skip_ws(p, end);
		const char *t = p;
		while (p < end && *p != ',' && !is_ws(*p))
			p++;
		if (sip_str_caseeq(sip_str_make(t, (size_t)(p - t)), SIP_STR_LIT("timer")))
			return true;
		while (p < end && *p != ',')
			p++;
		if (p < end)
			p++;
	}
	return false;
}

const char *sst_refresher_name(enum sst_refresher who)
{
	switch (who) {
	case SST_REFRESHER_UAC: return "uac";
	case SST_REFRESHER_UAS: return "uas";
	case SST_REFRESHER_NONE: break;
	}
	return "";
}

uint64_t sst_deadline_ms(uint32_t se)
{
	uint32_t early = se / 3 < 32 ? se / 3 : 32;
	return (uint64_t)(se - early) * 1000;
}
