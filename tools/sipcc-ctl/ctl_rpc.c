/* sipcc-ctl --rpc URL: send one command to a running proxy's JSON-RPC
 * interface (runtime/proxy/rpc.h, the proxy's --rpc) with libcurl, and
 * print the answer as --ctl prints the control socket's: {"ok":true,...}
 * or {"ok":false,"error":"..."}, so a script reads either the same way. */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/arena.h"
#include "core/json.h"
#include "core/status.h"

int ctl_rpc_cmd(const char *prog, const char *url, const char *token_file, int argc, char **argv,
		FILE *out);

#define CTL_RPC_WAIT_S    30
#define CTL_RPC_REPLY_MAX (8u << 20)

struct rpc_buf {
	char *s;
	size_t len;
	bool overflow;
};

static size_t rpc_write(char *p, size_t size, size_t n, void *arg)
{
	struct rpc_buf *b = arg;
	size_t k = size * n;
	if (b->len + k > CTL_RPC_REPLY_MAX) {
		b->overflow = true;
		return 0;
	}
	char *nb = realloc(b->s, b->len + k + 1);
	if (!nb)
		return 0;
	memcpy(nb + b->len, p, k);
	b->s = nb;
	b->len += k;
	b->s[b->len] = '\0';
	return k;
}

/* s as a JSON string into b. */
static bool rpc_json_str(struct rpc_buf *b, const char *s)
{
	size_t n = strlen(s);
	char *nb = realloc(b->s, b->len + n * 6 + 3);
	if (!nb)
		return false;
	b->s = nb;
	char *p = b->s + b->len;
	*p++ = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			p += sprintf(p, "\\u%04x", c);
		} else {
			*p++ = (char)c;
		}
	}
	*p++ = '"';
	*p = '\0';
	b->len = (size_t)(p - b->s);
	return true;
}

static bool rpc_add(struct rpc_buf *b, const char *s)
{
	size_t n = strlen(s);
	char *nb = realloc(b->s, b->len + n + 1);
	if (!nb)
		return false;
	memcpy(nb + b->len, s, n + 1);
	b->s = nb;
	b->len += n;
	return true;
}

/* The token: SIPCC_RPC_TOKEN, or the first line of token_file. */
static bool rpc_token(const char *prog, const char *token_file, char *tok, size_t size)
{
	tok[0] = '\0';
	if (token_file) {
		FILE *f = fopen(token_file, "r");
		if (!f || !fgets(tok, (int)size, f)) {
			fprintf(stderr, "%s: cannot read the token from %s\n", prog, token_file);
			if (f)
				fclose(f);
			return false;
		}
		fclose(f);
	} else if (getenv("SIPCC_RPC_TOKEN")) {
		snprintf(tok, size, "%s", getenv("SIPCC_RPC_TOKEN"));
	}
	size_t n = strlen(tok);
	while (n && (tok[n - 1] == '\n' || tok[n - 1] == '\r' || tok[n - 1] == ' ' || tok[n - 1] == '\t'))
		tok[--n] = '\0';
	size_t skip = strspn(tok, " \t");
	memmove(tok, tok + skip, n - skip + 1);
	return true;
}

/* The answer as the control socket's line; the exit status: 0 ok, 1 the
 * proxy refused, 3 not an answer. */
static int rpc_print(const char *prog, const char *text, size_t len, FILE *out)
{
	sip_arena a;
	sip_arena_init(&a, 4096);
	sip_json *root;
	const sip_json *res = NULL, *err = NULL;
	int status = 3;
	if (sip_json_parse(&a, text, len, &root, NULL) == SIP_OK) {
		res = sip_json_get(root, "result");
		err = sip_json_get(root, "error");
	}
	if (res && res->type == SIP_JSON_OBJECT) {
		/* {"ok":true} and the result's members. */
		const char *inner = res->raw.s + 1;
		size_t n = res->raw.len - 2;
		while (n && (*inner == ' ' || *inner == '\n' || *inner == '\t' || *inner == '\r')) {
			inner++;
			n--;
		}
		if (out)
			fprintf(out, "{\"ok\":true%s%.*s}\n", res->n ? "," : "", res->n ? (int)n : 0, inner);
		status = 0;
	} else if (err && err->type == SIP_JSON_OBJECT) {
		const sip_json *msg = sip_json_get(err, "message");
		struct rpc_buf b = { 0 };
		if (rpc_add(&b, "{\"ok\":false,\"error\":")
		    && rpc_json_str(&b, msg && msg->type == SIP_JSON_STRING ? msg->str.s : "failed")
		    && rpc_add(&b, "}\n") && out)
			fputs(b.s, out);
		free(b.s);
		status = 1;
	} else {
		fprintf(stderr, "%s: not a JSON-RPC answer: %.*s\n", prog, (int)(len > 200 ? 200 : len),
			text);
	}
	if (out)
		fflush(out);
	sip_arena_destroy(&a);
	return status;
}

/* argv[0] is the method, the rest its params: "ul show AOR" is method
 * "ul", params ["show", "AOR"], which the proxy reads as the command "ul
 * show" (rpc.h). Exit status as sipcc-ctl's: 0 when the proxy said ok,
 * 1 when it refused, 2 usage, 3 no answer. */
int ctl_rpc_cmd(const char *prog, const char *url, const char *token_file, int argc, char **argv,
		FILE *out)
{
	char tok[512];
	if (!rpc_token(prog, token_file, tok, sizeof tok))
		return 2;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		fprintf(stderr, "%s: --rpc wants an http:// URL (http://127.0.0.1:PORT), not '%s'\n",
			prog, url);
		return 2;
	}
	struct rpc_buf req = { 0 }, full = { 0 };
	bool ok = rpc_add(&req, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":") && rpc_json_str(&req, argv[0])
		  && rpc_add(&req, ",\"params\":[");
	for (int i = 1; ok && i < argc; i++)
		ok = (i == 1 || rpc_add(&req, ",")) && rpc_json_str(&req, argv[i]);
	ok = ok && rpc_add(&req, "]}");
	/* A URL without a path gets /rpc. */
	const char *host = strstr(url, "://") + 3;
	ok = ok && rpc_add(&full, url) && (strchr(host, '/') || rpc_add(&full, "/rpc"));
	if (!ok) {
		free(req.s);
		free(full.s);
		fprintf(stderr, "%s: out of memory\n", prog);
		return 3;
	}
	int status = 3;
	struct rpc_buf ans = { 0 };
	struct curl_slist *hdrs = NULL;
	char auth[sizeof tok + 32];
	CURL *c = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? curl_easy_init() : NULL;
	if (!c) {
		fprintf(stderr, "%s: cannot start libcurl\n", prog);
		goto done;
	}
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	if (tok[0]) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
		hdrs = curl_slist_append(hdrs, auth);
	}
	curl_easy_setopt(c, CURLOPT_URL, full.s);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.s);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req.len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, rpc_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &ans);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)CTL_RPC_WAIT_S);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	CURLcode rc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		fprintf(stderr, "%s: cannot reach %s: %s\n", prog, full.s,
			ans.overflow ? "the answer is too large" : curl_easy_strerror(rc));
	} else if (code == 401) {
		fprintf(stderr, "%s: %s refused the request: missing or wrong token "
			"(--rpc-token-file or SIPCC_RPC_TOKEN)\n", prog, full.s);
	} else if (code != 200) {
		fprintf(stderr, "%s: %s answered HTTP %ld\n", prog, full.s, code);
	} else {
		status = rpc_print(prog, ans.s ? ans.s : "", ans.len, out);
	}
done:
	if (c)
		curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	curl_global_cleanup();
	free(ans.s);
	free(req.s);
	free(full.s);
	return status;
}
