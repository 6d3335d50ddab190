# Back-end tests: lowering, linking and the stdlib reference. The test links
# generated objects with tests/compiler/codegen_rt.c (a stand-in runtime)
# using the C compiler found at test time.
check_PROGRAMS += tests/compiler/test_codegen
TESTS += tests/compiler/test_codegen
tests_compiler_test_codegen_SOURCES = tests/compiler/test_codegen.c \
	compiler/llvm_int.h compiler/llvm_gen.c compiler/llvm_route.c compiler/llvm_stmt.c compiler/llvm_expr.c compiler/link.c compiler/doc.c compiler/ast.c
tests_compiler_test_codegen_CFLAGS = $(AM_CFLAGS) $(LLVM_CFLAGS) $(CMOCKA_CFLAGS)
tests_compiler_test_codegen_CPPFLAGS = $(AM_CPPFLAGS) \
	-DCG_SRCDIR='"$(abs_top_srcdir)"'
tests_compiler_test_codegen_LDADD = $(LLVM_LIBS) $(CMOCKA_LIBS)
EXTRA_DIST += tests/compiler/codegen_rt.c
