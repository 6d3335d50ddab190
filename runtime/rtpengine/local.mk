# The media relay: bencoding (bencode.c), the "ng" control client
# (rtpengine.c) and the policy functions (rtpe_fn.c, which needs the proxy).
RTPENGINE_SRC = runtime/rtpengine/bencode.c runtime/rtpengine/rtpengine.c \
	runtime/rtpengine/rtpe_fn.c
EXTRA_DIST += runtime/rtpengine/bencode.h runtime/rtpengine/rtpengine.h
