dist_stdlib_DATA += stdlib/core.sipi stdlib/text.sipi stdlib/script.sipi
dist_stdlib_DATA += stdlib/registrar.sipi stdlib/auth.sipi stdlib/domain.sipi stdlib/tls.sipi
dist_stdlib_DATA += stdlib/textops.sipi
dist_stdlib_DATA += stdlib/dialog.sipi
dist_stdlib_DATA += stdlib/tm.sipi
dist_stdlib_DATA += stdlib/drouting.sipi
dist_stdlib_DATA += stdlib/sdp.sipi stdlib/limits.sipi
dist_stdlib_DATA += stdlib/dns.sipi
