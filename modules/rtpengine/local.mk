# The media relay: bencoding (bencode.c), the "ng" control client
# (rtpengine.c) and the policy functions (rtpe_fn.c, which needs the proxy).
RTPENGINE_SRC = modules/rtpengine/bencode.c modules/rtpengine/rtpengine.c \
	modules/rtpengine/rtpe_fn.c modules/rtpengine/rtpe_dlgset.c
EXTRA_DIST += modules/rtpengine/bencode.h modules/rtpengine/rtpengine.h \
	modules/rtpengine/rtpe_dlgset.h
