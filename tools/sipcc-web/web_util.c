/* sipcc-web: the output buffer, form decoding and the checks of every
 * value a form or a query string brings (web.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../sipcc-ctl/ctl.h"
#include "web.h"

void web_buf_add(web_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void web_buf_puts(web_buf *b, const char *s)
{
	web_buf_add(b, s, strlen(s));
}

void web_buf_printf(web_buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		web_buf_add(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	web_buf_add(b, big, (size_t)n);
	free(big);
}

void web_buf_html_n(web_buf *b, const char *s, size_t n)
{
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep = NULL;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		web_buf_add(b, s + from, i - from);
		web_buf_puts(b, rep);
		from = i + 1;
	}
	web_buf_add(b, s + from, n - from);
}

void web_buf_html(web_buf *b, const char *s)
{
	web_buf_html_n(b, s, strlen(s));
}

void web_buf_url(web_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("-_.~", c))
			web_buf_add(b, (const char *)&c, 1);
		else
			web_buf_printf(b, "%%%02X", c);
	}
}

void web_buf_csv(web_buf *b, const char *s)
{
	bool formula = s[0] && strchr("=+-@", s[0]);
	bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	if (!quote) {
		web_buf_puts(b, s);
		return;
	}
	web_buf_puts(b, formula ? "\"'" : "\"");
	for (; *s; s++) {
		web_buf_add(b, s, 1);
		if (*s == '"')
			web_buf_add(b, "\"", 1);
	}
	web_buf_puts(b, "\"");
}

void web_buf_free(web_buf *b)
{
	free(b->s);
	*b = (web_buf){ 0 };
}

static int web_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one urlencoded value s[0..n) into out; false when it does not
 * fit, has a bad escape or a control character (tab, CR, LF allowed). */
static bool web_form_decode(const char *s, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi = i + 1 < n ? web_hex(s[i + 1]) : -1;
			int lo = i + 2 < n ? web_hex(s[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return false;
			c = hi * 16 + lo;
			i += 2;
		}
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
			return false;
		if (o + 1 >= outsz)
			return false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}

bool web_form_get(const char *body, size_t len, const char *key, char *out, size_t outsz,
		  bool *bad)
{
	size_t kl = strlen(key);
	const char *p = body, *end = body + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *e = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		if (eq && (size_t)(eq - p) == kl && memcmp(p, key, kl) == 0) {
			if (web_form_decode(eq + 1, (size_t)(e - eq - 1), out, outsz))
				return true;
			if (bad)
				*bad = true;
			return false;
		}
		p = e + 1;
	}
	return false;
}

const char *web_check_user(const char *s)
{
	size_t n = strlen(s);
	if (!n)
		return "the user name is empty";
	if (n > 64)
		return "the user name is longer than 64 characters";
	if (strpbrk(s, "'\""))
		return "the user name may not contain a quote (' or \")";
	if (strpbrk(s, " \t\r\n"))
		return "the user name may not contain a space";
	if (strchr(s, '@'))
		return "the user name may not contain '@' (the domain is a field of its own)";
	if (!ctl_valid_user(s, n))
		return "the user name may hold letters, digits and - _ . ! ~ * ( ) & = + $ , ; ? / % only";
	return NULL;
}

const char *web_check_domain(const char *s)
{
	if (!*s)
		return "the domain is empty";
	if (strpbrk(s, " \t\r\n"))
		return "the domain may not contain a space";
	if (strlen(s) > 253 || !ctl_valid_domain(s))
		return "the domain is not a host name or an IPv4 address";
	return NULL;
}

const char *web_check_aor(const char *s, char *user, size_t usz, char *dom, size_t dsz)
{
	if (!*s)
		return "the address is empty (expected user@domain)";
	if (strpbrk(s, " \t\r\n"))
		return "the address may not contain a space (expected user@domain)";
	if (strpbrk(s, "'\"<>"))
		return "the address may not contain quotes or angle brackets (expected user@domain)";
	const char *a = strncasecmp(s, "sip:", 4) == 0 ? s + 4 : s;
	const char *at = strchr(a, '@');
	if (!at || strchr(at + 1, '@'))
		return "the address needs exactly one '@' (expected user@domain)";
	char u[128];
	size_t ul = (size_t)(at - a);
	if (ul >= sizeof u)
		return "the user part is too long";
	memcpy(u, a, ul);
	u[ul] = '\0';
	const char *why = web_check_user(u);
	if (why)
		return why;
	char d[256];
	snprintf(d, sizeof d, "%s", at + 1);
	if ((why = web_check_domain(d)))
		return why;
	if (!ctl_split(s, user, usz, dom, dsz))
		return "the address is not user@domain";
	return NULL;
}

const char *web_check_forward(const char *s)
{
	if (!*s)
		return "the target is empty (expected sip:user@domain)";
	if (strlen(s) > 255)
		return "the target is longer than 255 characters";
	if (strpbrk(s, " \t\r\n"))
		return "the target may not contain a space (expected sip:user@domain)";
	if (strpbrk(s, "'\"<>"))
		return "the target may not contain quotes or angle brackets (expected sip:user@domain)";
	const char *p = strncasecmp(s, "sip:", 4) == 0 ? s + 4 : strncasecmp(s, "sips:", 5) == 0 ? s + 5 : NULL;
	if (!p)
		return "the target is a sip: or sips: URI (expected sip:user@domain)";
	const char *at = strchr(p, '@');
	if (!at || at == p || !at[1])
		return "the target needs a user and a host (expected sip:user@domain)";
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return "the target may not contain control characters";
	return NULL;
}

const char *web_check_password(const char *s)
{
	size_t n = strlen(s);
	if (!n)
		return "the password is empty";
	if (n < 8)
		return "the password is shorter than 8 characters";
	if (n > 128)
		return "the password is longer than 128 characters";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return "the password may not contain control characters";
	return NULL;
}

const char *web_check_admin_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 64)
		return "an account name has 1 to 64 characters";
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return "an account name may hold letters, digits, '.', '_' and '-' only";
	return NULL;
}

const char *web_check_search(const char *s)
{
	size_t n = strlen(s);
	if (n > 64)
		return "the search text is longer than 64 characters";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return "the search text may not contain control characters";
	return NULL;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no time zone or libc table enters. */
static int64_t web_days(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

const char *web_check_date(const char *s, int64_t *t)
{
	if (!*s)
		return NULL;
	int y, m, d;
	char tail;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || s[4] != '-'
	    || s[7] != '-')
		return "a date is written YYYY-MM-DD";
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return "no such date";
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return "no such date";
	*t = web_days(y, (unsigned)m, (unsigned)d) * 86400;
	return NULL;
}

void web_like_pattern(const char *s, char *out, size_t outsz)
{
	size_t o = 0;
	if (!*s || outsz < 3) {
		if (outsz)
			out[0] = '\0';
		return;
	}
	out[o++] = '%';
	for (; *s && o + 3 < outsz; s++) {
		if (*s == '!' || *s == '%' || *s == '_')
			out[o++] = '!';
		out[o++] = *s;
	}
	out[o++] = '%';
	out[o] = '\0';
}
