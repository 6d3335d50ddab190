/* Header operations of stdlib/textops.sipi: add, remove and test header
 * lines of the message a route works on. Edits are recorded on the
 * message (sip/msg.h) and applied when it is sent: a request when it is
 * relayed, a reply in a reply route when it is forwarded upstream. */
#include <string.h>
#include "core/log.h"
#include "core/status.h"
#include "proxy/proxy.h"
#include "proxy/policy_fns.h"

/* A header line must be "Name: value" on one line: no CR or LF inside
 * (no smuggled headers), a token before the colon. */
static bool hdr_line_ok(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	if (!colon || colon == s)
		return false;
	for (const char *p = s; p < colon; p++)
		if (*p <= ' ' || *p >= 127)
			return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\r' || s[i] == '\n')
			return false;
	return true;
}

/* append_hf("Name: value"): a header line after the last one. The text
 * is copied into the route's arena with its CRLF. */
int64_t sipcc_fn_append_hf(struct sip_ctx *ctx, const char *s, size_t len)
{
	sip_msg *m = ctx->msg;
	if (!m || !hdr_line_ok(s, len)) {
		LOG_WARN("append_hf: '%.*s' is not one header line", (int)len, s);
		return 0;
	}
	char *d = sip_arena_alloc(ctx->arena, len + 2);
	if (!d)
		return 0;
	memcpy(d, s, len);
	d[len] = '\r';
	d[len + 1] = '\n';
	return sip_msg_insert(m, m->hdrs_end, sip_str_make(d, len + 2)) == SIP_OK;
}

/* append_to_reply("Name: value\r\n..."): lines for the replies the proxy
 * makes for this request (proxy_reply, proxy_reply_hdrs). Lines end in
 * CRLF or LF (written as CRLF; the last may have neither) and are checked
 * as append_hf's. Kept in the route's arena, after those of earlier calls. */
int64_t sipcc_fn_append_to_reply(struct sip_ctx *ctx, const char *s, size_t len)
{
	sip_str old = ctx->reply_hdrs;
	char *d = sip_arena_alloc(ctx->arena, old.len + 2 * len + 3);
	if (!d)
		return 0;
	if (old.len)
		memcpy(d, old.s, old.len);
	size_t k = old.len, i = 0;
	if (!len)
		goto bad;
	while (i < len) {
		size_t j = i;
		while (j < len && s[j] != '\n')
			j++;
		size_t n = j - i;
		if (n && s[i + n - 1] == '\r')
			n--;
		if (!hdr_line_ok(s + i, n))
			goto bad;
		memcpy(d + k, s + i, n);
		k += n;
		d[k++] = '\r';
		d[k++] = '\n';
		i = j + 1;
	}
	d[k] = '\0';
	ctx->reply_hdrs = sip_str_make(d, k);
	return 1;
bad:
	LOG_WARN("append_to_reply: '%.*s' is not header lines", (int)len, s);
	return 0;
}

/* remove_hf("Name"): every header line of that name (compact forms
 * included); how many were removed. */
int64_t sipcc_fn_remove_hf(struct sip_ctx *ctx, const char *s, size_t len)
{
	sip_msg *m = ctx->msg;
	sip_str name = sip_str_make(s, len);
	sip_hdr *first = m ? sip_msg_find_hdr(m, name) : NULL;
	int64_t n = 0;
	for (sip_hdr *h = first; h; h = h->next) {
		bool same = first->type == SIP_HDR_OTHER ? sip_str_caseeq(h->name, first->name)
							 : h->type == first->type;
		if (same && sip_msg_remove_hdr(m, h) == SIP_OK)
			n++;
	}
	return n;
}

/* is_present_hf("Name") */
int64_t sipcc_fn_is_present_hf(struct sip_ctx *ctx, const char *s, size_t len)
{
	return ctx->msg && sip_msg_find_hdr(ctx->msg, sip_str_make(s, len)) != NULL;
}
