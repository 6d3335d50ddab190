const char *sip_strerror(int s){(void)s;return "";}
