#include "sip/sip_int.h"

static const char *const method_names[] = {
	[SIP_METHOD_UNKNOWN] = NULL,
	[SIP_METHOD_INVITE] = "INVITE",
	[SIP_METHOD_ACK] = "ACK",
	[SIP_METHOD_BYE] = "BYE",
	[SIP_METHOD_CANCEL] = "CANCEL",
	[SIP_METHOD_REGISTER] = "REGISTER",
	[SIP_METHOD_OPTIONS] = "OPTIONS",
	[SIP_METHOD_INFO] = "INFO",
	[SIP_METHOD_UPDATE] = "UPDATE",
	[SIP_METHOD_PRACK] = "PRACK",
	[SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE",
	[SIP_METHOD_NOTIFY] = "NOTIFY",
	[SIP_METHOD_MESSAGE] = "MESSAGE",
	[SIP_METHOD_REFER] = "REFER",
	[SIP_METHOD_PUBLISH] = "PUBLISH",
};

/* Method = INVITEm / ACKm / OPTIONSm / BYEm / CANCELm / REGISTERm
 *          / extension-method
 * Methods are case-sensitive, so "invite" is an extension method. The switch
 * on length and first byte means at most one memcmp per call. */
enum sip_method sip_method_from_str(sip_str s)
{
	enum sip_method m = SIP_METHOD_UNKNOWN;

	if (s.len < 3)
		return m;
	switch (s.len) {
	case 3:
		m = s.s[0] == 'A' ? SIP_METHOD_ACK : s.s[0] == 'B' ? SIP_METHOD_BYE : m;
		break;
	case 4:
		m = SIP_METHOD_INFO;
		break;
	case 5:
		m = s.s[0] == 'P' ? SIP_METHOD_PRACK : SIP_METHOD_REFER;
		break;
	case 6:
		m = s.s[0] == 'I' ? SIP_METHOD_INVITE : s.s[0] == 'C' ? SIP_METHOD_CANCEL
		  : s.s[0] == 'U' ? SIP_METHOD_UPDATE : SIP_METHOD_NOTIFY;
		break;
	case 7:
		m = s.s[0] == 'O' ? SIP_METHOD_OPTIONS : s.s[0] == 'M' ? SIP_METHOD_MESSAGE
		  : SIP_METHOD_PUBLISH;
		break;
	case 8:
		m = SIP_METHOD_REGISTER;
		break;
	case 9:
		m = SIP_METHOD_SUBSCRIBE;
		break;
	default:
		return SIP_METHOD_UNKNOWN;
	}
	if (m != SIP_METHOD_UNKNOWN && memcmp(s.s, method_names[m], s.len) == 0)
		return m;
	return SIP_METHOD_UNKNOWN;
}

const char *sip_method_name(enum sip_method m)
{
	if ((unsigned)m >= sizeof(method_names) / sizeof(method_names[0]) || !method_names[m])
		return "UNKNOWN";
	return method_names[m];
}
