dist_stdlib_DATA += stdlib/core.sipi stdlib/text.sipi
