bin_PROGRAMS += sipcc
sipcc_SOURCES = compiler/main.c \
	compiler/ast.h compiler/ast.c \
	compiler/diag.h compiler/diag.c \
	compiler/lex.l compiler/parse.y \
	compiler/parse_int.h compiler/parse_build.c compiler/parse_include.c \
	compiler/stdlib.c \
	compiler/sema.h compiler/sema_int.h compiler/sema.c \
	compiler/sema_expr.c compiler/sema_call.c compiler/sema_stmt.c \
	compiler/sema_flow.c compiler/sema_lint.c compiler/sema_async.c \
	compiler/sema_uninit.c compiler/sema_paths.c \
	compiler/yaml_front.h compiler/yaml_int.h compiler/yaml.c compiler/yaml_tmpl.c \
	compiler/yaml_table.c compiler/yaml_match.c compiler/yaml_action.c compiler/yaml_rule.c \
	compiler/yaml_settings.c \
	compiler/ast_print.h compiler/ast_print.c \
	compiler/codegen.h compiler/llvm_int.h compiler/llvm_gen.c compiler/llvm_route.c compiler/llvm_stmt.c compiler/llvm_expr.c compiler/link.c compiler/doc.c \
	runtime/core/timerec.c
sipcc_CFLAGS = $(AM_CFLAGS) $(LLVM_CFLAGS) $(YAML_CFLAGS)
sipcc_LDADD = $(LLVM_LIBS) $(YAML_LIBS)
sipcc_CPPFLAGS = $(AM_CPPFLAGS) \
	-DSIPCC_STDLIBDIR='"$(stdlibdir)"' \
	-DSIPCC_RUNTIME_LIB='"$(pkglibdir)/libsiprt.a"' \
	-DSIPCC_LINK_CC='"$(CC) $(SAN_FLAGS) $(SIPCC_FUSE_LD)"' \
	-DSIPCC_LINK_LIBS='"$(RUNTIME_LIBS)"' \
	-DSIPCC_TEST_LIBS='"$(YAML_LIBS)"'
# The link command is compiled in: a Makefile with other libraries (a new
# runtime dependency) must rebuild it.
compiler/sipcc-link.$(OBJEXT): Makefile

# YACC is "bison -y"; the grammar uses bison features on purpose. With
# per-program flags automake names the parser compiler/sipcc-parse.[ch];
# the lexer includes its token definitions.
sipcc_YFLAGS = $(AM_YFLAGS) -Wno-yacc
BUILT_SOURCES += compiler/sipcc-parse.h
compiler/sipcc-lex.$(OBJEXT): compiler/sipcc-parse.h
