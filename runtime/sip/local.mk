SIP_SRC = runtime/sip/ctype.c runtime/sip/method.c runtime/sip/uri.c \
	runtime/sip/hdr.c runtime/sip/parse.c runtime/sip/build.c \
	runtime/sip/sanity.c runtime/sip/sdp.c \
	runtime/sip/body.c
EXTRA_DIST += runtime/sip/sip_int.h
