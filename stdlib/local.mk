dist_stdlib_DATA += stdlib/core.sipi stdlib/text.sipi stdlib/script.sipi
dist_stdlib_DATA += stdlib/registrar.sipi stdlib/auth.sipi stdlib/domain.sipi stdlib/tls.sipi
dist_stdlib_DATA += stdlib/sdp.sipi stdlib/limits.sipi stdlib/dns.sipi
