# HTTP requests from the policy: the libcurl client on the event loop
# (http_client.c), JSON fields, headers and URL checks (http_util.c, no
# libcurl) and the policy functions (http_fn.c, which need the proxy).
HTTP_SRC = modules/http/http_client.c modules/http/http_util.c modules/http/http_fn.c
EXTRA_DIST += modules/http/http_client.h modules/http/http_util.h
