/* JSON fields by path, response headers by name, URL checks
 * (http_util.h). The JSON reader is a scanner over the document as
 * received (RFC 8259): nothing is built, a value is found by skipping
 * the ones before it, so reading one field of a large answer costs one
 * pass and no memory. */
#include "http/http_util.h"
#include "core/json.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JSON_MAX_DEPTH 64

struct json_scan {
	const char *p, *end;
	int depth;
};

static void json_ws(struct json_scan *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool json_lit(struct json_scan *j, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return false;
	j->p += n;
	return true;
}

static int json_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* string = quotation-mark *char quotation-mark (RFC 8259 §7) */
static bool json_skip_string(struct json_scan *j)
{
	if (j->p >= j->end || *j->p != '"')
		return false;
	for (j->p++; j->p < j->end; j->p++) {
		unsigned char c = (unsigned char)*j->p;
		if (c == '"') {
			j->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (++j->p >= j->end)
				return false;
			if (*j->p == 'u') {
				if (j->end - j->p < 5)
					return false;
				for (int i = 1; i <= 4; i++)
					if (json_hex(j->p[i]) < 0)
						return false;
				j->p += 4;
			} else if (!strchr("\"\\/bfnrt", *j->p)) {
				return false;
			}
		}
	}
	return false;
}

/* number = [ minus ] int [ frac ] [ exp ] (RFC 8259 §6) */
static bool json_skip_number(struct json_scan *j)
{
	const char *s = j->p;
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		return false;
	if (*j->p == '0')
		j->p++;
	else
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return false;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return false;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	return j->p > s;
}

static enum http_json_kind json_skip_value(struct json_scan *j);

/* object = begin-object [ member *( value-separator member ) ] end-object;
 * array likewise with values. */
static bool json_skip_container(struct json_scan *j, char close)
{
	if (++j->depth > JSON_MAX_DEPTH)
		return false;
	j->p++;
	json_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return true;
	}
	for (;;) {
		if (close == '}') {
			if (!json_skip_string(j))
				return false;
			json_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return false;
			j->p++;
			json_ws(j);
		}
		if (json_skip_value(j) == HTTP_JSON_NONE)
			return false;
		json_ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == close) {
			j->p++;
			j->depth--;
			return true;
		}
		if (*j->p != ',')
			return false;
		j->p++;
		json_ws(j);
	}
}

/* Skip the value at j->p (no blanks before it); its kind, or NONE when
 * it is not valid JSON. */
static enum http_json_kind json_skip_value(struct json_scan *j)
{
	if (j->p >= j->end)
		return HTTP_JSON_NONE;
	switch (*j->p) {
	case '"': return json_skip_string(j) ? HTTP_JSON_STRING : HTTP_JSON_NONE;
	case '{': return json_skip_container(j, '}') ? HTTP_JSON_OBJECT : HTTP_JSON_NONE;
	case '[': return json_skip_container(j, ']') ? HTTP_JSON_ARRAY : HTTP_JSON_NONE;
	case 't': return json_lit(j, "true") ? HTTP_JSON_TRUE : HTTP_JSON_NONE;
	case 'f': return json_lit(j, "false") ? HTTP_JSON_FALSE : HTTP_JSON_NONE;
	case 'n': return json_lit(j, "null") ? HTTP_JSON_NULL : HTTP_JSON_NONE;
	default: return json_skip_number(j) ? HTTP_JSON_NUMBER : HTTP_JSON_NONE;
	}
}

/* Does the key (a JSON string with its quotes, valid) equal seg? Escaped
 * keys are compared through their unescaped form. */
static bool json_key_eq(const char *k, size_t klen, sip_str seg)
{
	if (!memchr(k, '\\', klen))
		return klen - 2 == seg.len && memcmp(k + 1, seg.s, seg.len) == 0;
	_Alignas(16) char buf[512];
	sip_arena a;
	sip_arena_init_buf(&a, buf, sizeof buf, 512);
	sip_str u = http_json_unescape(&a, sip_str_make(k, klen));
	bool eq = u.s && u.len == seg.len && memcmp(u.s, seg.s, seg.len) == 0;
	sip_arena_destroy(&a);
	return eq;
}

/* Move j from the object or array at j->p to the value of member seg (an
 * index for an array). */
static bool json_enter(struct json_scan *j, sip_str seg)
{
	char open = j->p < j->end ? *j->p : 0;
	if (open != '{' && open != '[')
		return false;
	long idx = -1;
	if (open == '[') {
		if (!seg.len || seg.len > 9)
			return false;
		idx = 0;
		for (size_t i = 0; i < seg.len; i++) {
			if (seg.s[i] < '0' || seg.s[i] > '9')
				return false;
			idx = idx * 10 + (seg.s[i] - '0');
		}
	}
	char close = open == '{' ? '}' : ']';
	j->p++;
	json_ws(j);
	if (j->p < j->end && *j->p == close)
		return false;
	for (long n = 0;; n++) {
		bool hit;
		if (open == '{') {
			const char *k = j->p;
			if (!json_skip_string(j))
				return false;
			hit = json_key_eq(k, (size_t)(j->p - k), seg);
			json_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return false;
			j->p++;
			json_ws(j);
		} else {
			hit = n == idx;
		}
		if (hit)
			return true;
		if (json_skip_value(j) == HTTP_JSON_NONE)
			return false;
		json_ws(j);
		if (j->p >= j->end || *j->p != ',')
			return false;       /* the end of the container, or not JSON */
		j->p++;
		json_ws(j);
	}
}

/* The next segment of path from *i: up to '.', '[' or ']'; "a[0].b" and
 * "a.0.b" give a, 0, b. False at the end or on an empty segment. */
static bool json_path_next(sip_str path, size_t *i, sip_str *seg)
{
	size_t k = *i;
	if (k >= path.len)
		return false;
	if (path.s[k] == '.' && k > 0)
		k++;
	bool bracket = k < path.len && path.s[k] == '[';
	if (bracket)
		k++;
	size_t s = k;
	while (k < path.len && path.s[k] != '.' && path.s[k] != '[' && path.s[k] != ']')
		k++;
	if (bracket) {
		if (k >= path.len || path.s[k] != ']')
			return false;
		*seg = sip_str_make(path.s + s, k - s);
		k++;
	} else {
		*seg = sip_str_make(path.s + s, k - s);
	}
	if (k < path.len && path.s[k] != '.' && path.s[k] != '[')
		return false;
	*i = k;
	return seg->len > 0;
}

enum http_json_kind http_json_find(sip_str doc, sip_str path, sip_str *val)
{
	struct json_scan j = { doc.s, doc.s + doc.len, 0 };
	*val = SIP_STR_NULL;
	if (!doc.s)
		return HTTP_JSON_NONE;
	json_ws(&j);
	size_t i = 0;
	sip_str seg;
	while (i < path.len) {
		if (!json_path_next(path, &i, &seg) || !json_enter(&j, seg))
			return HTTP_JSON_NONE;
	}
	const char *start = j.p;
	enum http_json_kind k = json_skip_value(&j);
	if (k != HTTP_JSON_NONE)
		*val = sip_str_make(start, (size_t)(j.p - start));
	return k;
}

sip_str http_json_unescape(sip_arena *a, sip_str q)
{
	if (q.len < 2 || q.s[0] != '"' || q.s[q.len - 1] != '"')
		return SIP_STR_NULL;
	/* UTF-8 of an escape is never longer than the escape. */
	char *out = sip_arena_alloc(a, q.len), *o = out;
	if (!out)
		return SIP_STR_NULL;
	const char *p = q.s + 1, *end = q.s + q.len - 1;
	while (p < end) {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		if (++p >= end)
			return SIP_STR_NULL;
		char c = *p++;
		switch (c) {
		case '"': case '\\': case '/': *o++ = c; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			if (end - p < 4)
				return SIP_STR_NULL;
			long cp = sip_json_hex4(p);
			if (cp < 0)
				return SIP_STR_NULL;
			p += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
				long lo = sip_json_hex4(p + 2);
				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				}
			}
			if (cp >= 0xD800 && cp < 0xE000)
				cp = 0xFFFD;    /* a lone surrogate */
			o = sip_json_utf8(o, (unsigned)cp);
			break;
		}
		default:
			return SIP_STR_NULL;
		}
	}
	*o = '\0';
	return sip_str_make(out, (size_t)(o - out));
}

sip_str http_json_get_str(sip_arena *a, sip_str doc, sip_str path)
{
	sip_str v;
	switch (http_json_find(doc, path, &v)) {
	case HTTP_JSON_STRING: {
		sip_str u = http_json_unescape(a, v);
		return u.s ? u : SIP_STR_LIT("");
	}
	case HTTP_JSON_NONE:
	case HTTP_JSON_NULL:
		return SIP_STR_LIT("");
	default:
		return v;
	}
}

/* [-]digits as int64, clamped; false when s is anything else. */
static bool json_int_text(sip_str s, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < s.len && (s.s[i] == '-' || s.s[i] == '+'))
		neg = s.s[i++] == '-';
	if (i >= s.len)
		return false;
	uint64_t v = 0;
	bool over = false;
	for (; i < s.len; i++) {
		if (s.s[i] < '0' || s.s[i] > '9')
			return false;
		unsigned d = (unsigned)(s.s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			over = true;
		else
			v = v * 10 + d;
	}
	if (neg)
		*out = over || v > (uint64_t)INT64_MAX + 1 ? INT64_MIN : (int64_t)(0 - v);
	else
		*out = over || v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
	return true;
}

int64_t http_json_get_int(sip_str doc, sip_str path, bool *found)
{
	sip_str v;
	int64_t n = 0;
	bool ok = false;
	switch (http_json_find(doc, path, &v)) {
	case HTTP_JSON_NUMBER: {
		size_t k = 0;
		while (k < v.len && v.s[k] != '.' && v.s[k] != 'e' && v.s[k] != 'E')
			k++;
		if (k == v.len) {
			ok = json_int_text(v, &n);
		} else {
			char buf[64];
			if (v.len < sizeof buf) {
				memcpy(buf, v.s, v.len);
				buf[v.len] = '\0';
				double d = strtod(buf, NULL);
				n = d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)d;
				ok = true;
			}
		}
		break;
	}
	case HTTP_JSON_TRUE: n = 1; ok = true; break;
	case HTTP_JSON_FALSE: ok = true; break;
	case HTTP_JSON_STRING:
		if (v.len > 2 && !memchr(v.s, '\\', v.len))
			ok = json_int_text(sip_str_make(v.s + 1, v.len - 2), &n);
		break;
	default: break;
	}
	if (!ok)
		n = 0;
	if (found)
		*found = ok;
	return n;
}

bool http_hdr_find(sip_str hdrs, sip_str name, sip_str *value)
{
	/* The last block: from the last status line on. */
	const char *p = hdrs.s, *end = hdrs.s + hdrs.len, *block = p;
	if (!p || !name.len)
		return false;
	for (const char *l = p; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		if (end - l >= 5 && memcmp(l, "HTTP/", 5) == 0)
			block = l;
		l = nl ? nl + 1 : end;
	}
	for (const char *l = block; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		const char *le = nl ? nl : end;
		if ((size_t)(le - l) > name.len && l[name.len] == ':' &&
		    strncasecmp(l, name.s, name.len) == 0) {
			const char *v = l + name.len + 1, *ve = le;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			*value = sip_str_make(v, (size_t)(ve - v));
			return true;
		}
		l = nl ? nl + 1 : end;
	}
	return false;
}

sip_str http_json_quote(sip_arena *a, sip_str s)
{
	static const char hex[] = "0123456789abcdef";
	char *out = sip_arena_alloc(a, s.len * 6 + 3), *o = out;
	if (!out)
		return SIP_STR_NULL;
	*o++ = '"';
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.s[i];
		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (c == '\r') {
			*o++ = '\\';
			*o++ = 'r';
		} else if (c == '\t') {
			*o++ = '\\';
			*o++ = 't';
		} else if (c < 0x20) {
			memcpy(o, "\\u00", 4);
			o += 4;
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	*o = '\0';
	return sip_str_make(out, (size_t)(o - out));
}

sip_str http_url_encode(sip_arena *a, sip_str s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = sip_arena_alloc(a, s.len * 3 + 1), *o = out;
	if (!out)
		return SIP_STR_NULL;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return sip_str_make(out, (size_t)(o - out));
}

bool http_url_ok(sip_str url)
{
	size_t skip;
	if (url.len > 4096)
		return false;
	if (url.len > 7 && strncasecmp(url.s, "http://", 7) == 0)
		skip = 7;
	else if (url.len > 8 && strncasecmp(url.s, "https://", 8) == 0)
		skip = 8;
	else
		return false;
	if (url.s[skip] == '/' || url.s[skip] == '?' || url.s[skip] == '#')
		return false;       /* no host */
	for (size_t i = 0; i < url.len; i++) {
		unsigned char c = (unsigned char)url.s[i];
		if (c <= 0x20 || c == 0x7F)
			return false;
	}
	return true;
}
