include tests/runtime/core/local.mk
include tests/runtime/sip/local.mk
include tests/runtime/txn/local.mk
include tests/compiler/local.mk
include tests/e2e/local.mk
include tests/compiler/codegen.mk
include tests/fuzz/local.mk
