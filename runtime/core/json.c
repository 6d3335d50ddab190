/* The JSON reader (see json.h): recursive descent over the RFC 8259
 * grammar, one node per value. */
#include "core/json.h"

#include <string.h>
#include "core/status.h"

struct jp {
	sip_arena *a;
	const char *s, *end, *p;
	int rc;                 /* SIP_EPARSE or SIP_NOMEM once failed */
};

/* ws = *( %x20 / %x09 / %x0A / %x0D ) */
static void jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static sip_json *jp_fail(struct jp *j, int rc)
{
	if (!j->rc)
		j->rc = rc;
	return NULL;
}

int sip_json_hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

char *sip_json_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* string = quotation-mark *char quotation-mark; j->p at the quote. The
 * unescaped value is never longer than the escaped text. */
static bool jp_string(struct jp *j, sip_str *out)
{
	const char *q = ++j->p;
	while (q < j->end && *q != '"') {
		if ((unsigned char)*q < 0x20) {
			j->p = q;
			jp_fail(j, SIP_EPARSE);
			return false;
		}
		q += *q == '\\' && q + 1 < j->end ? 2 : 1;
	}
	if (q >= j->end) {
		j->p = q;
		jp_fail(j, SIP_EPARSE);
		return false;
	}
	char *buf = sip_arena_alloc(j->a, (size_t)(q - j->p) + 1), *o = buf;
	if (!buf) {
		jp_fail(j, SIP_NOMEM);
		return false;
	}
	while (j->p < q) {
		char c = *j->p++;
		if (c != '\\') {
			*o++ = c;
			continue;
		}
		c = *j->p++;
		switch (c) {
		case '"': case '\\': case '/': *o++ = c; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			int cp = q - j->p >= 4 ? sip_json_hex4(j->p) : -1;
			if (cp < 0)
				goto bad;
			j->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00) {
				int lo = q - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u' ? sip_json_hex4(j->p + 2) : -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					goto bad;
				j->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				goto bad;
			}
			o = sip_json_utf8(o, (unsigned)cp);
			break;
		}
		default:
			goto bad;
		}
	}
	*o = '\0';
	j->p = q + 1;
	*out = sip_str_make(buf, (size_t)(o - buf));
	return true;
bad:
	j->p--;
	jp_fail(j, SIP_EPARSE);
	return false;
}

/* number = [ minus ] int [ frac ] [ exp ]; int = zero / ( digit1-9 *DIGIT ) */
static bool jp_number(struct jp *j)
{
	const char *p = j->p;
	if (p < j->end && *p == '-')
		p++;
	if (p >= j->end || *p < '0' || *p > '9')
		goto bad;
	if (*p == '0')
		p++;
	else
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	if (p < j->end && *p == '.') {
		p++;
		if (p >= j->end || *p < '0' || *p > '9')
			goto bad;
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < j->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < j->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= j->end || *p < '0' || *p > '9')
			goto bad;
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	j->p = p;
	return true;
bad:
	j->p = p;
	jp_fail(j, SIP_EPARSE);
	return false;
}

static bool jp_word(struct jp *j, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0) {
		jp_fail(j, SIP_EPARSE);
		return false;
	}
	j->p += n;
	return true;
}

/* value = false / null / true / object / array / number / string;
 * white space before it already skipped. */
static sip_json *jp_value(struct jp *j, unsigned depth)
{
	if (j->p >= j->end)
		return jp_fail(j, SIP_EPARSE);
	sip_json *v = sip_arena_alloc(j->a, sizeof *v);
	if (!v)
		return jp_fail(j, SIP_NOMEM);
	memset(v, 0, sizeof *v);
	const char *start = j->p;
	char c = *j->p;
	bool ok;
	if (c == '{' || c == '[') {
		char close = c == '{' ? '}' : ']';
		if (depth >= SIP_JSON_MAX_DEPTH)
			return jp_fail(j, SIP_EPARSE);
		v->type = c == '{' ? SIP_JSON_OBJECT : SIP_JSON_ARRAY;
		j->p++;
		jp_ws(j);
		sip_json **tail = &v->child;
		if (j->p < j->end && *j->p == close) {
			j->p++;
		} else {
			for (;;) {
				sip_str key = SIP_STR_NULL;
				if (v->type == SIP_JSON_OBJECT) {
					if (j->p >= j->end || *j->p != '"' || !jp_string(j, &key))
						return jp_fail(j, SIP_EPARSE);
					jp_ws(j);
					if (j->p >= j->end || *j->p != ':')
						return jp_fail(j, SIP_EPARSE);
					j->p++;
					jp_ws(j);
				}
				sip_json *e = jp_value(j, depth + 1);
				if (!e)
					return NULL;
				e->key = key;
				*tail = e;
				tail = &e->next;
				v->n++;
				jp_ws(j);
				if (j->p < j->end && *j->p == ',') {
					j->p++;
					jp_ws(j);
					continue;
				}
				if (j->p < j->end && *j->p == close) {
					j->p++;
					break;
				}
				return jp_fail(j, SIP_EPARSE);
			}
		}
		ok = true;
	} else if (c == '"') {
		v->type = SIP_JSON_STRING;
		ok = jp_string(j, &v->str);
	} else if (c == 't') {
		v->type = SIP_JSON_TRUE;
		ok = jp_word(j, "true");
	} else if (c == 'f') {
		v->type = SIP_JSON_FALSE;
		ok = jp_word(j, "false");
	} else if (c == 'n') {
		v->type = SIP_JSON_NULL;
		ok = jp_word(j, "null");
	} else {
		v->type = SIP_JSON_NUMBER;
		ok = jp_number(j);
		v->str = sip_str_make(start, (size_t)(j->p - start));
	}
	if (!ok)
		return NULL;
	v->raw = sip_str_make(start, (size_t)(j->p - start));
	return v;
}

int sip_json_parse(sip_arena *a, const char *text, size_t len, sip_json **out, size_t *err_off)
{
	struct jp j = { a, text, text + len, text, SIP_OK };
	*out = NULL;
	jp_ws(&j);
	sip_json *v = jp_value(&j, 0);
	if (v) {
		jp_ws(&j);
		if (j.p != j.end) {
			v = NULL;
			jp_fail(&j, SIP_EPARSE);
		}
	}
	if (!v) {
		if (err_off)
			*err_off = (size_t)(j.p - text);
		return j.rc ? j.rc : SIP_EPARSE;
	}
	*out = v;
	return SIP_OK;
}

const sip_json *sip_json_get(const sip_json *obj, const char *key)
{
	if (!obj || obj->type != SIP_JSON_OBJECT)
		return NULL;
	size_t n = strlen(key);
	for (const sip_json *e = obj->child; e; e = e->next)
		if (e->key.len == n && memcmp(e->key.s, key, n) == 0)
			return e;
	return NULL;
}
