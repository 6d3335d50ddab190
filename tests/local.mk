# The longest tests go in LONG_TESTS, which TESTS starts with: make check
# starts tests in the order of TESTS, several at once (scripts/check), and
# a long one started late would run alone at the end.
LONG_TESTS =
TESTS += $(LONG_TESTS)
EXTRA_DIST += $(LONG_TESTS)
include tests/runtime/core/local.mk
include tests/runtime/sip/local.mk
include tests/runtime/txn/local.mk
include tests/runtime/net/local.mk
include tests/compiler/local.mk
include tests/e2e/local.mk
include tests/compiler/codegen.mk
include tests/compiler/yaml.mk
include tests/modules/text/local.mk
include tests/fuzz/local.mk
include tests/runtime/db/local.mk
include tests/modules/auth/local.mk
include tests/modules/radius/local.mk
include tests/modules/registrar/local.mk
include tests/runtime/dialog/local.mk
include tests/modules/dialog/local.mk
include tests/modules/drouting/local.mk
include tests/modules/acc/local.mk
include tests/runtime/proxy/local.mk
include tests/runtime/script/local.mk
include tests/modules/nat/local.mk
include tests/modules/rtpengine/local.mk
include tests/modules/dialplan/local.mk
include tests/modules/group/local.mk
include tests/modules/permissions/local.mk
include tests/modules/blacklist/local.mk
include tests/modules/http/local.mk
include tests/modules/domain/local.mk
include tests/modules/prefs/local.mk
include tests/modules/dispatcher/local.mk
include tests/modules/siptrace/local.mk
include tests/modules/pike/local.mk
include tests/modules/ratelimit/local.mk
include tests/modules/uac/local.mk
include tests/modules/sst/local.mk
include tests/runtime/test/local.mk
include tests/tools/web/local.mk
