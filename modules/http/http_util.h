/* What a policy reads from an HTTP answer, without the client: a field of
 * a JSON document by its path, a header of the response by its name, and
 * the check of a URL before a request is started. Pure functions on
 * buffers (no loop, no libcurl), so they are tested alone. */
#ifndef SIPCC_MODULES_HTTP_UTIL_H
#define SIPCC_MODULES_HTTP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/str.h"

/* The kinds of JSON value json_find() can land on. */
enum http_json_kind {
	HTTP_JSON_NONE = 0,     /* no such field, or the document is not JSON */
	HTTP_JSON_STRING,
	HTTP_JSON_NUMBER,
	HTTP_JSON_TRUE,
	HTTP_JSON_FALSE,
	HTTP_JSON_NULL,
	HTTP_JSON_OBJECT,
	HTTP_JSON_ARRAY,
};

/* The value at path in the JSON document doc: path is a list of object
 * keys and array indexes separated by dots ("result.allowed",
 * "routes.0.uri"; "routes[0].uri" is the same); an empty path is the
 * whole document. *val is the value's text as it stands in doc (a
 * string with its quotes). HTTP_JSON_NONE when the path leads nowhere or
 * the document is not valid JSON up to the value (what follows the value
 * is not checked). */
enum http_json_kind http_json_find(sip_str doc, sip_str path, sip_str *val);

/* A JSON string value (with its quotes) unescaped into arena a: \uXXXX
 * (and surrogate pairs) become UTF-8. SIP_STR_NULL on a bad escape or no
 * memory. */
sip_str http_json_unescape(sip_arena *a, sip_str quoted);

/* The field at path as text: a string unescaped, a number, true, false
 * as written, an object or array as its JSON text; "" for null or when
 * there is none. */
sip_str http_json_get_str(sip_arena *a, sip_str doc, sip_str path);
/* The field at path as an integer: a number (its fraction dropped,
 * clamped to int64), true 1, false 0, a string of decimal digits with an
 * optional sign; *found false (and 0) otherwise. */
int64_t http_json_get_int(sip_str doc, sip_str path, bool *found);

/* The value of header name (without case) in hdrs, the header lines of a
 * response as received ("HTTP/1.1 200 OK\r\nContent-Type: ...\r\n...");
 * only the last block counts (after a 100 Continue or a redirect). The
 * first such header; leading and trailing blanks removed. false when
 * there is none. */
bool http_hdr_find(sip_str hdrs, sip_str name, sip_str *value);

/* s as a JSON string, quotes included, into arena a: " and \ escaped,
 * control characters as \n, \t or \u00XX (RFC 8259 §7); other bytes as
 * they are. SIP_STR_NULL when out of memory. */
sip_str http_json_quote(sip_arena *a, sip_str s);

/* s percent-encoded into arena a for a URL's query or path (RFC 3986
 * §2.3: everything but A-Z a-z 0-9 - . _ ~), so "+4930 123" becomes
 * "%2B4930%20123"; SIP_STR_NULL when out of memory. */
sip_str http_url_encode(sip_arena *a, sip_str s);

/* A URL a request may be started for: http:// or https:// followed by a
 * host, no control characters or blanks, at most 4096 bytes. */
bool http_url_ok(sip_str url);

#endif
