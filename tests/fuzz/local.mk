# libFuzzer targets for the SIP message, URI and SDP parsers. They are built with
# clang (FUZZ_CC), not the compiler automake uses, so the rules are explicit;
# they compile from the source tree so VPATH builds work without GNU make.
# tests/fuzz/run_fuzz.sh runs each one for FUZZ_TIME seconds over the seed
# corpus; `make check` gives it 20 s per target, `make fuzz` FUZZ_TIME (600).
FUZZ_TARGETS = tests/fuzz/fuzz_msg tests/fuzz/fuzz_uri tests/fuzz/fuzz_sdp tests/fuzz/fuzz_json
# The time recurrence parser (check_time_rec), which the compiler runs too.
FUZZ_TARGETS += tests/fuzz/fuzz_timerec
FUZZ_TIME = 600
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_DEPS = $(SIP_SRC) $(CORE_SRC) runtime/sip/msg.h runtime/sip/sip_int.h runtime/sip/sdp.h \
	runtime/core/arena.h runtime/core/status.h runtime/core/str.h

TESTS += tests/fuzz/run_fuzz.sh
if HAVE_FUZZER
check_SCRIPTS += $(FUZZ_TARGETS)
endif

tests/fuzz/fuzz_msg: tests/fuzz/fuzz_msg.c $(FUZZ_DEPS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)cd $(srcdir) && $(FUZZ_CC) $(FUZZ_CFLAGS) -Iruntime \
		-o $(abs_builddir)/$@ tests/fuzz/fuzz_msg.c $(SIP_SRC) $(CORE_SRC)

tests/fuzz/fuzz_uri: tests/fuzz/fuzz_uri.c $(FUZZ_DEPS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)cd $(srcdir) && $(FUZZ_CC) $(FUZZ_CFLAGS) -Iruntime \
		-o $(abs_builddir)/$@ tests/fuzz/fuzz_uri.c $(SIP_SRC) $(CORE_SRC)

tests/fuzz/fuzz_sdp: tests/fuzz/fuzz_sdp.c $(FUZZ_DEPS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)cd $(srcdir) && $(FUZZ_CC) $(FUZZ_CFLAGS) -Iruntime \
		-o $(abs_builddir)/$@ tests/fuzz/fuzz_sdp.c $(SIP_SRC) $(CORE_SRC)

# The JSON reader of the JSON-RPC interface (core only).
tests/fuzz/fuzz_json: tests/fuzz/fuzz_json.c $(FUZZ_DEPS) runtime/core/json.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)cd $(srcdir) && $(FUZZ_CC) $(FUZZ_CFLAGS) -Iruntime \
		-o $(abs_builddir)/$@ tests/fuzz/fuzz_json.c $(CORE_SRC)

tests/fuzz/fuzz_timerec: tests/fuzz/fuzz_timerec.c runtime/core/timerec.c runtime/core/timerec.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)cd $(srcdir) && $(FUZZ_CC) $(FUZZ_CFLAGS) -Iruntime \
		-o $(abs_builddir)/$@ tests/fuzz/fuzz_timerec.c runtime/core/timerec.c

fuzz: $(FUZZ_TARGETS)
	$(AM_TESTS_ENVIRONMENT) FUZZ_TIME=$(FUZZ_TIME) $(SHELL) $(srcdir)/tests/fuzz/run_fuzz.sh

clean-local: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_TARGETS) tests/fuzz/work

.PHONY: fuzz clean-fuzz

EXTRA_DIST += tests/fuzz/fuzz_msg.c tests/fuzz/fuzz_uri.c tests/fuzz/fuzz_sdp.c tests/fuzz/run_fuzz.sh \
	tests/fuzz/sip.dict tests/fuzz/sdp.dict tests/fuzz/corpus-uri tests/data/fuzz-seeds tests/data/fuzz-sdp
EXTRA_DIST += tests/fuzz/fuzz_json.c tests/fuzz/json.dict tests/fuzz/corpus-json
EXTRA_DIST += tests/fuzz/fuzz_timerec.c tests/fuzz/corpus-timerec tests/fuzz/timerec.dict
