/* A Bison parser, made by GNU Bison 3.8.2.  */

/* Bison implementation for Yacc-like parsers in C

   Copyright (C) 1984, 1989-1990, 2000-2015, 2018-2021 Free Software Foundation,
   Inc.

   This program is free software: you can redistribute it and/or modify
   it under the terms of the GNU General Public License as published by
   the Free Software Foundation, either version 3 of the License, or
   (at your option) any later version.

   This program is distributed in the hope that it will be useful,
   but WITHOUT ANY WARRANTY; without even the implied warranty of
   MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
   GNU General Public License for more details.

   You should have received a copy of the GNU General Public License
   along with this program.  If not, see <https://www.gnu.org/licenses/>.  */

/* As a special exception, you may create a larger work that contains
   part or all of the Bison parser skeleton and distribute that work
   under terms of your choice, so long as that work isn't itself a
   parser generator using the skeleton or a modified version thereof
   as a parser skeleton.  Alternatively, if you modify or redistribute
   the parser skeleton itself, you may (at your option) remove this
   special exception, which will cause the skeleton and the resulting
   Bison output files to be licensed under the GNU General Public
   License without this special exception.

   This special exception was added by the Free Software Foundation in
   version 2.2 of Bison.  */

/* C LALR(1) parser skeleton written by Richard Stallman, by
   simplifying the original so-called "semantic" parser.  */

/* DO NOT RELY ON FEATURES THAT ARE NOT DOCUMENTED in the manual,
   especially those whose name start with YY_ or yy_.  They are
   private implementation details that can be changed or removed.  */

/* All symbols defined below should begin with yy or YY, to avoid
   infringing on user name space.  This should be done even for local
   variables, as they might otherwise be expanded by user macros.
   There are some unavoidable exceptions within include files to
   define necessary library symbols; they are noted "INFRINGES ON
   USER NAME SPACE" below.  */

/* Identify Bison output, and Bison version.  */
#define YYBISON 30802

/* Bison version string.  */
#define YYBISON_VERSION "3.8.2"

/* Skeleton name.  */
#define YYSKELETON_NAME "yacc.c"

/* Pure parsers.  */
#define YYPURE 2

/* Push parsers.  */
#define YYPUSH 1

/* Pull parsers.  */
#define YYPULL 0

/* "%code top" blocks.  */
#line 1 "../compiler/parse.y"

/* The grammar of policies (.sip) and stdlib declarations (.sipi). One
 * grammar parses both; the parse context's mode says which top-level items
 * a file may contain, so a misplaced item gets a precise error instead of a
 * syntax error. Pure parser, no global state: everything lives in the
 * struct cc_parse_ctx passed to yypush_parse. The grammar stays a grammar: the
 * actions call the builders of parse_build.c (declared in parse_int.h);
 * what is here besides it is the reporting of syntax errors, which needs
 * the parser's tables. */
#include <stdio.h>
#include <string.h>

#line 81 "compiler/sipcc-parse.c"




# ifndef YY_CAST
#  ifdef __cplusplus
#   define YY_CAST(Type, Val) static_cast<Type> (Val)
#   define YY_REINTERPRET_CAST(Type, Val) reinterpret_cast<Type> (Val)
#  else
#   define YY_CAST(Type, Val) ((Type) (Val))
#   define YY_REINTERPRET_CAST(Type, Val) ((Type) (Val))
#  endif
# endif
# ifndef YY_NULLPTR
#  if defined __cplusplus
#   if 201103L <= __cplusplus
#    define YY_NULLPTR nullptr
#   else
#    define YY_NULLPTR 0
#   endif
#  else
#   define YY_NULLPTR ((void*)0)
#  endif
# endif

/* Use api.header.include to #include this header
   instead of duplicating it here.  */
#ifndef YY_YY_COMPILER_SIPCC_PARSE_H_INCLUDED
# define YY_YY_COMPILER_SIPCC_PARSE_H_INCLUDED
/* Debug traces.  */
#ifndef YYDEBUG
# define YYDEBUG 0
#endif
#if YYDEBUG
extern int yydebug;
#endif
/* "%code requires" blocks.  */
#line 14 "../compiler/parse.y"

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

#include "parse_int.h"

#line 128 "compiler/sipcc-parse.c"

/* Token kinds.  */
#ifndef YYTOKENTYPE
# define YYTOKENTYPE
  enum yytokentype
  {
    YYEMPTY = -2,
    YYEOF = 0,                     /* "end of file"  */
    YYerror = 256,                 /* error  */
    YYUNDEF = 257,                 /* "invalid token"  */
    LISTEN = 258,                  /* "listen"  */
    DOMAIN = 259,                  /* "domain"  */
    DEFINE = 260,                  /* "define"  */
    ROUTE = 261,                   /* "route"  */
    IF = 262,                      /* "if"  */
    ELSE = 263,                    /* "else"  */
    EXIT = 264,                    /* "exit"  */
    DROP = 265,                    /* "drop"  */
    RETURN = 266,                  /* "return"  */
    TRUE = 267,                    /* "true"  */
    FALSE = 268,                   /* "false"  */
    FN = 269,                      /* "fn"  */
    PV = 270,                      /* "pv"  */
    CONST = 271,                   /* "const"  */
    IN = 272,                      /* "in"  */
    CALLS = 273,                   /* "calls"  */
    DOC = 274,                     /* "doc"  */
    RW = 275,                      /* "rw"  */
    SWITCH = 276,                  /* "switch"  */
    CASE = 277,                    /* "case"  */
    DEFAULT = 278,                 /* "default"  */
    BREAK = 279,                   /* "break"  */
    WHILE = 280,                   /* "while"  */
    MAX = 281,                     /* "max"  */
    VAR = 282,                     /* "var"  */
    AVP = 283,                     /* "avp"  */
    FLAG = 284,                    /* "flag"  */
    BFLAG = 285,                   /* "bflag"  */
    DLGVAR = 286,                  /* "dlgvar"  */
    PROFILE = 287,                 /* "profile"  */
    INCLUDE = 288,                 /* "include"  */
    USE = 289,                     /* "use"  */
    DATABASE = 290,                /* "database"  */
    SETTING = 291,                 /* "setting"  */
    MODULE = 292,                  /* "module"  */
    STATUS = 293,                  /* "status"  */
    EVENT = 294,                   /* "event"  */
    AND = 295,                     /* "&&"  */
    OR = 296,                      /* "||"  */
    EQ = 297,                      /* "=="  */
    NE = 298,                      /* "!="  */
    LE = 299,                      /* "<="  */
    GE = 300,                      /* ">="  */
    MATCH = 301,                   /* "=~"  */
    NMATCH = 302,                  /* "!~"  */
    IDENT = 303,                   /* "identifier"  */
    PVAR = 304,                    /* "pseudo-variable"  */
    ADDR = 305,                    /* "address"  */
    PVARG = 306,                   /* "pseudo-variable with argument"  */
    INT = 307,                     /* "integer"  */
    STRING = 308,                  /* "string"  */
    THEN = 309,                    /* THEN  */
    UMINUS = 310                   /* UMINUS  */
  };
  typedef enum yytokentype yytoken_kind_t;
#endif
/* Token kinds.  */
#define YYEMPTY -2
#define YYEOF 0
#define YYerror 256
#define YYUNDEF 257
#define LISTEN 258
#define DOMAIN 259
#define DEFINE 260
#define ROUTE 261
#define IF 262
#define ELSE 263
#define EXIT 264
#define DROP 265
#define RETURN 266
#define TRUE 267
#define FALSE 268
#define FN 269
#define PV 270
#define CONST 271
#define IN 272
#define CALLS 273
#define DOC 274
#define RW 275
#define SWITCH 276
#define CASE 277
#define DEFAULT 278
#define BREAK 279
#define WHILE 280
#define MAX 281
#define VAR 282
#define AVP 283
#define FLAG 284
#define BFLAG 285
#define DLGVAR 286
#define PROFILE 287
#define INCLUDE 288
#define USE 289
#define DATABASE 290
#define SETTING 291
#define MODULE 292
#define STATUS 293
#define EVENT 294
#define AND 295
#define OR 296
#define EQ 297
#define NE 298
#define LE 299
#define GE 300
#define MATCH 301
#define NMATCH 302
#define IDENT 303
#define PVAR 304
#define ADDR 305
#define PVARG 306
#define INT 307
#define STRING 308
#define THEN 309
#define UMINUS 310

/* Value type.  */
#if ! defined YYSTYPE && ! defined YYSTYPE_IS_DECLARED
union YYSTYPE
{
#line 52 "../compiler/parse.y"

	int64_t ival;
	char *name;
	struct { const char *s; size_t len; bool tmpl; } str;
	struct { const char *name; const char *arg; } pvarg;
	struct cc_case_list cases;
	struct cc_name_list *names;
	struct cc_use_list uses;
	struct cc_module_decl *moddecl;
	bool flag;
	unsigned mask;
	struct cc_expr *expr;
	struct cc_stmt *stmt;
	struct cc_stmt_list slist;
	struct cc_arg_list *args;
	struct cc_param_list *params;
	struct cc_param param;
	struct cc_type_ref tref;

#line 278 "compiler/sipcc-parse.c"

};
typedef union YYSTYPE YYSTYPE;
# define YYSTYPE_IS_TRIVIAL 1
# define YYSTYPE_IS_DECLARED 1
#endif

/* Location type.  */
typedef struct cc_loc YYLTYPE;




#ifndef YYPUSH_MORE_DEFINED
# define YYPUSH_MORE_DEFINED
enum { YYPUSH_MORE = 4 };
#endif

typedef struct yypstate yypstate;


int yypush_parse (yypstate *ps,
                  int pushed_char, YYSTYPE const *pushed_val, YYLTYPE *pushed_loc, struct cc_parse_ctx *pc, yyscan_t scanner);

yypstate *yypstate_new (void);
void yypstate_delete (yypstate *ps);

/* "%code provides" blocks.  */
#line 23 "../compiler/parse.y"

int yylex(YYSTYPE *lvalp, YYLTYPE *llocp, yyscan_t scanner);

#line 311 "compiler/sipcc-parse.c"

#endif /* !YY_YY_COMPILER_SIPCC_PARSE_H_INCLUDED  */
/* Symbol kind.  */
enum yysymbol_kind_t
{
  YYSYMBOL_YYEMPTY = -2,
  YYSYMBOL_YYEOF = 0,                      /* "end of file"  */
  YYSYMBOL_YYerror = 1,                    /* error  */
  YYSYMBOL_YYUNDEF = 2,                    /* "invalid token"  */
  YYSYMBOL_LISTEN = 3,                     /* "listen"  */
  YYSYMBOL_DOMAIN = 4,                     /* "domain"  */
  YYSYMBOL_DEFINE = 5,                     /* "define"  */
  YYSYMBOL_ROUTE = 6,                      /* "route"  */
  YYSYMBOL_IF = 7,                         /* "if"  */
  YYSYMBOL_ELSE = 8,                       /* "else"  */
  YYSYMBOL_EXIT = 9,                       /* "exit"  */
  YYSYMBOL_DROP = 10,                      /* "drop"  */
  YYSYMBOL_RETURN = 11,                    /* "return"  */
  YYSYMBOL_TRUE = 12,                      /* "true"  */
  YYSYMBOL_FALSE = 13,                     /* "false"  */
  YYSYMBOL_FN = 14,                        /* "fn"  */
  YYSYMBOL_PV = 15,                        /* "pv"  */
  YYSYMBOL_CONST = 16,                     /* "const"  */
  YYSYMBOL_IN = 17,                        /* "in"  */
  YYSYMBOL_CALLS = 18,                     /* "calls"  */
  YYSYMBOL_DOC = 19,                       /* "doc"  */
  YYSYMBOL_RW = 20,                        /* "rw"  */
  YYSYMBOL_SWITCH = 21,                    /* "switch"  */
  YYSYMBOL_CASE = 22,                      /* "case"  */
  YYSYMBOL_DEFAULT = 23,                   /* "default"  */
  YYSYMBOL_BREAK = 24,                     /* "break"  */
  YYSYMBOL_WHILE = 25,                     /* "while"  */
  YYSYMBOL_MAX = 26,                       /* "max"  */
  YYSYMBOL_VAR = 27,                       /* "var"  */
  YYSYMBOL_AVP = 28,                       /* "avp"  */
  YYSYMBOL_FLAG = 29,                      /* "flag"  */
  YYSYMBOL_BFLAG = 30,                     /* "bflag"  */
  YYSYMBOL_DLGVAR = 31,                    /* "dlgvar"  */
  YYSYMBOL_PROFILE = 32,                   /* "profile"  */
  YYSYMBOL_INCLUDE = 33,                   /* "include"  */
  YYSYMBOL_USE = 34,                       /* "use"  */
  YYSYMBOL_DATABASE = 35,                  /* "database"  */
  YYSYMBOL_SETTING = 36,                   /* "setting"  */
  YYSYMBOL_MODULE = 37,                    /* "module"  */
  YYSYMBOL_STATUS = 38,                    /* "status"  */
  YYSYMBOL_EVENT = 39,                     /* "event"  */
  YYSYMBOL_AND = 40,                       /* "&&"  */
  YYSYMBOL_OR = 41,                        /* "||"  */
  YYSYMBOL_EQ = 42,                        /* "=="  */
  YYSYMBOL_NE = 43,                        /* "!="  */
  YYSYMBOL_LE = 44,                        /* "<="  */
  YYSYMBOL_GE = 45,                        /* ">="  */
  YYSYMBOL_MATCH = 46,                     /* "=~"  */
  YYSYMBOL_NMATCH = 47,                    /* "!~"  */
  YYSYMBOL_IDENT = 48,                     /* "identifier"  */
  YYSYMBOL_PVAR = 49,                      /* "pseudo-variable"  */
  YYSYMBOL_ADDR = 50,                      /* "address"  */
  YYSYMBOL_PVARG = 51,                     /* "pseudo-variable with argument"  */
  YYSYMBOL_INT = 52,                       /* "integer"  */
  YYSYMBOL_STRING = 53,                    /* "string"  */
  YYSYMBOL_THEN = 54,                      /* THEN  */
  YYSYMBOL_55_ = 55,                       /* '<'  */
  YYSYMBOL_56_ = 56,                       /* '>'  */
  YYSYMBOL_57_ = 57,                       /* '+'  */
  YYSYMBOL_58_ = 58,                       /* '-'  */
  YYSYMBOL_59_ = 59,                       /* '*'  */
  YYSYMBOL_60_ = 60,                       /* '/'  */
  YYSYMBOL_61_ = 61,                       /* '%'  */
  YYSYMBOL_62_ = 62,                       /* '!'  */
  YYSYMBOL_UMINUS = 63,                    /* UMINUS  */
  YYSYMBOL_64_ = 64,                       /* '='  */
  YYSYMBOL_65_ = 65,                       /* '.'  */
  YYSYMBOL_66_ = 66,                       /* '('  */
  YYSYMBOL_67_ = 67,                       /* ')'  */
  YYSYMBOL_68_ = 68,                       /* ';'  */
  YYSYMBOL_69_ = 69,                       /* '@'  */
  YYSYMBOL_70_ = 70,                       /* '{'  */
  YYSYMBOL_71_ = 71,                       /* '}'  */
  YYSYMBOL_72_ = 72,                       /* ':'  */
  YYSYMBOL_73_ = 73,                       /* ','  */
  YYSYMBOL_YYACCEPT = 74,                  /* $accept  */
  YYSYMBOL_file = 75,                      /* file  */
  YYSYMBOL_item = 76,                      /* item  */
  YYSYMBOL_annot_args_opt = 77,            /* annot_args_opt  */
  YYSYMBOL_names = 78,                     /* names  */
  YYSYMBOL_module_deps_opt = 79,           /* module_deps_opt  */
  YYSYMBOL_pv_args_opt = 80,               /* pv_args_opt  */
  YYSYMBOL_marks_opt = 81,                 /* marks_opt  */
  YYSYMBOL_use_items = 82,                 /* use_items  */
  YYSYMBOL_literal = 83,                   /* literal  */
  YYSYMBOL_block = 84,                     /* block  */
  YYSYMBOL_stmts = 85,                     /* stmts  */
  YYSYMBOL_stmt = 86,                      /* stmt  */
  YYSYMBOL_cases = 87,                     /* cases  */
  YYSYMBOL_call = 88,                      /* call  */
  YYSYMBOL_args_opt = 89,                  /* args_opt  */
  YYSYMBOL_args = 90,                      /* args  */
  YYSYMBOL_expr = 91,                      /* expr  */
  YYSYMBOL_params_opt = 92,                /* params_opt  */
  YYSYMBOL_params = 93,                    /* params  */
  YYSYMBOL_param = 94,                     /* param  */
  YYSYMBOL_type = 95,                      /* type  */
  YYSYMBOL_kinds = 96,                     /* kinds  */
  YYSYMBOL_rw_opt = 97,                    /* rw_opt  */
  YYSYMBOL_doc_opt = 98,                   /* doc_opt  */
  YYSYMBOL_pv_name = 99,                   /* pv_name  */
  YYSYMBOL_const_value = 100               /* const_value  */
};
typedef enum yysymbol_kind_t yysymbol_kind_t;



/* Unqualified %code blocks.  */
#line 27 "../compiler/parse.y"

#include "diag.h"

#define YYLLOC_DEFAULT(Cur, Rhs, N)                                       \
	do {                                                              \
		if (N) {                                                  \
			(Cur) = cc_loc_span(YYRHSLOC(Rhs, 1), YYRHSLOC(Rhs, N)); \
		} else {                                                  \
			(Cur) = YYRHSLOC(Rhs, 0);                         \
			(Cur).col += (Cur).len;                           \
			(Cur).len = 0;                                    \
		}                                                         \
	} while (0)

static void yyerror(YYLTYPE *loc, struct cc_parse_ctx *pc, yyscan_t scanner,
		    const char *msg);

#line 443 "compiler/sipcc-parse.c"

#ifdef short
# undef short
#endif

/* On compilers that do not define __PTRDIFF_MAX__ etc., make sure
   <limits.h> and (if available) <stdint.h> are included
   so that the code can choose integer types of a good width.  */

#ifndef __PTRDIFF_MAX__
# include <limits.h> /* INFRINGES ON USER NAME SPACE */
# if defined __STDC_VERSION__ && 199901 <= __STDC_VERSION__
#  include <stdint.h> /* INFRINGES ON USER NAME SPACE */
#  define YY_STDINT_H
# endif
#endif

/* Narrow types that promote to a signed type and that can represent a
   signed or unsigned integer of at least N bits.  In tables they can
   save space and decrease cache pressure.  Promoting to a signed type
   helps avoid bugs in integer arithmetic.  */

#ifdef __INT_LEAST8_MAX__
typedef __INT_LEAST8_TYPE__ yytype_int8;
#elif defined YY_STDINT_H
typedef int_least8_t yytype_int8;
#else
typedef signed char yytype_int8;
#endif

#ifdef __INT_LEAST16_MAX__
typedef __INT_LEAST16_TYPE__ yytype_int16;
#elif defined YY_STDINT_H
typedef int_least16_t yytype_int16;
#else
typedef short yytype_int16;
#endif

/* Work around bug in HP-UX 11.23, which defines these macros
   incorrectly for preprocessor constants.  This workaround can likely
   be removed in 2023, as HPE has promised support for HP-UX 11.23
   (aka HP-UX 11i v2) only through the end of 2022; see Table 2 of
   <https://h20195.www2.hpe.com/V2/getpdf.aspx/4AA4-7673ENW.pdf>.  */
#ifdef __hpux
# undef UINT_LEAST8_MAX
# undef UINT_LEAST16_MAX
# define UINT_LEAST8_MAX 255
# define UINT_LEAST16_MAX 65535
#endif

#if defined __UINT_LEAST8_MAX__ && __UINT_LEAST8_MAX__ <= __INT_MAX__
typedef __UINT_LEAST8_TYPE__ yytype_uint8;
#elif (!defined __UINT_LEAST8_MAX__ && defined YY_STDINT_H \
       && UINT_LEAST8_MAX <= INT_MAX)
typedef uint_least8_t yytype_uint8;
#elif !defined __UINT_LEAST8_MAX__ && UCHAR_MAX <= INT_MAX
typedef unsigned char yytype_uint8;
#else
typedef short yytype_uint8;
#endif

#if defined __UINT_LEAST16_MAX__ && __UINT_LEAST16_MAX__ <= __INT_MAX__
typedef __UINT_LEAST16_TYPE__ yytype_uint16;
#elif (!defined __UINT_LEAST16_MAX__ && defined YY_STDINT_H \
       && UINT_LEAST16_MAX <= INT_MAX)
typedef uint_least16_t yytype_uint16;
#elif !defined __UINT_LEAST16_MAX__ && USHRT_MAX <= INT_MAX
typedef unsigned short yytype_uint16;
#else
typedef int yytype_uint16;
#endif

#ifndef YYPTRDIFF_T
# if defined __PTRDIFF_TYPE__ && defined __PTRDIFF_MAX__
#  define YYPTRDIFF_T __PTRDIFF_TYPE__
#  define YYPTRDIFF_MAXIMUM __PTRDIFF_MAX__
# elif defined PTRDIFF_MAX
#  ifndef ptrdiff_t
#   include <stddef.h> /* INFRINGES ON USER NAME SPACE */
#  endif
#  define YYPTRDIFF_T ptrdiff_t
#  define YYPTRDIFF_MAXIMUM PTRDIFF_MAX
# else
#  define YYPTRDIFF_T long
#  define YYPTRDIFF_MAXIMUM LONG_MAX
# endif
#endif

#ifndef YYSIZE_T
# ifdef __SIZE_TYPE__
#  define YYSIZE_T __SIZE_TYPE__
# elif defined size_t
#  define YYSIZE_T size_t
# elif defined __STDC_VERSION__ && 199901 <= __STDC_VERSION__
#  include <stddef.h> /* INFRINGES ON USER NAME SPACE */
#  define YYSIZE_T size_t
# else
#  define YYSIZE_T unsigned
# endif
#endif

#define YYSIZE_MAXIMUM                                  \
  YY_CAST (YYPTRDIFF_T,                                 \
           (YYPTRDIFF_MAXIMUM < YY_CAST (YYSIZE_T, -1)  \
            ? YYPTRDIFF_MAXIMUM                         \
            : YY_CAST (YYSIZE_T, -1)))

#define YYSIZEOF(X) YY_CAST (YYPTRDIFF_T, sizeof (X))


/* Stored state numbers (used for stacks). */
typedef yytype_int16 yy_state_t;

/* State numbers in computations.  */
typedef int yy_state_fast_t;

#ifndef YY_
# if defined YYENABLE_NLS && YYENABLE_NLS
#  if ENABLE_NLS
#   include <libintl.h> /* INFRINGES ON USER NAME SPACE */
#   define YY_(Msgid) dgettext ("bison-runtime", Msgid)
#  endif
# endif
# ifndef YY_
#  define YY_(Msgid) Msgid
# endif
#endif


#ifndef YY_ATTRIBUTE_PURE
# if defined __GNUC__ && 2 < __GNUC__ + (96 <= __GNUC_MINOR__)
#  define YY_ATTRIBUTE_PURE __attribute__ ((__pure__))
# else
#  define YY_ATTRIBUTE_PURE
# endif
#endif

#ifndef YY_ATTRIBUTE_UNUSED
# if defined __GNUC__ && 2 < __GNUC__ + (7 <= __GNUC_MINOR__)
#  define YY_ATTRIBUTE_UNUSED __attribute__ ((__unused__))
# else
#  define YY_ATTRIBUTE_UNUSED
# endif
#endif

/* Suppress unused-variable warnings by "using" E.  */
#if ! defined lint || defined __GNUC__
# define YY_USE(E) ((void) (E))
#else
# define YY_USE(E) /* empty */
#endif

/* Suppress an incorrect diagnostic about yylval being uninitialized.  */
#if defined __GNUC__ && ! defined __ICC && 406 <= __GNUC__ * 100 + __GNUC_MINOR__
# if __GNUC__ * 100 + __GNUC_MINOR__ < 407
#  define YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN                           \
    _Pragma ("GCC diagnostic push")                                     \
    _Pragma ("GCC diagnostic ignored \"-Wuninitialized\"")
# else
#  define YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN                           \
    _Pragma ("GCC diagnostic push")                                     \
    _Pragma ("GCC diagnostic ignored \"-Wuninitialized\"")              \
    _Pragma ("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")
# endif
# define YY_IGNORE_MAYBE_UNINITIALIZED_END      \
    _Pragma ("GCC diagnostic pop")
#else
# define YY_INITIAL_VALUE(Value) Value
#endif
#ifndef YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
# define YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
# define YY_IGNORE_MAYBE_UNINITIALIZED_END
#endif
#ifndef YY_INITIAL_VALUE
# define YY_INITIAL_VALUE(Value) /* Nothing. */
#endif

#if defined __cplusplus && defined __GNUC__ && ! defined __ICC && 6 <= __GNUC__
# define YY_IGNORE_USELESS_CAST_BEGIN                          \
    _Pragma ("GCC diagnostic push")                            \
    _Pragma ("GCC diagnostic ignored \"-Wuseless-cast\"")
# define YY_IGNORE_USELESS_CAST_END            \
    _Pragma ("GCC diagnostic pop")
#endif
#ifndef YY_IGNORE_USELESS_CAST_BEGIN
# define YY_IGNORE_USELESS_CAST_BEGIN
# define YY_IGNORE_USELESS_CAST_END
#endif


#define YY_ASSERT(E) ((void) (0 && (E)))

#if 1

/* The parser invokes alloca or malloc; define the necessary symbols.  */

# ifdef YYSTACK_ALLOC
   /* Pacify GCC's 'empty if-body' warning.  */
#  define YYSTACK_FREE(Ptr) do { /* empty */; } while (0)
#  ifndef YYSTACK_ALLOC_MAXIMUM
    /* The OS might guarantee only one guard page at the bottom of the stack,
       and a page size can be as small as 4096 bytes.  So we cannot safely
       invoke alloca (N) if N exceeds 4096.  Use a slightly smaller number
       to allow for a few compiler-allocated temporary stack slots.  */
#   define YYSTACK_ALLOC_MAXIMUM 4032 /* reasonable circa 2006 */
#  endif
# else
#  define YYSTACK_ALLOC YYMALLOC
#  define YYSTACK_FREE YYFREE
#  ifndef YYSTACK_ALLOC_MAXIMUM
#   define YYSTACK_ALLOC_MAXIMUM YYSIZE_MAXIMUM
#  endif
#  if (defined __cplusplus && ! defined EXIT_SUCCESS \
       && ! ((defined YYMALLOC || defined malloc) \
             && (defined YYFREE || defined free)))
#   include <stdlib.h> /* INFRINGES ON USER NAME SPACE */
#   ifndef EXIT_SUCCESS
#    define EXIT_SUCCESS 0
#   endif
#  endif
#  ifndef YYMALLOC
#   define YYMALLOC malloc
#   if ! defined malloc && ! defined EXIT_SUCCESS
void *malloc (YYSIZE_T); /* INFRINGES ON USER NAME SPACE */
#   endif
#  endif
#  ifndef YYFREE
#   define YYFREE free
#   if ! defined free && ! defined EXIT_SUCCESS
void free (void *); /* INFRINGES ON USER NAME SPACE */
#   endif
#  endif
# endif
#endif /* 1 */

#if (! defined yyoverflow \
     && (! defined __cplusplus \
         || (defined YYLTYPE_IS_TRIVIAL && YYLTYPE_IS_TRIVIAL \
             && defined YYSTYPE_IS_TRIVIAL && YYSTYPE_IS_TRIVIAL)))

/* A type that is properly aligned for any stack member.  */
union yyalloc
{
  yy_state_t yyss_alloc;
  YYSTYPE yyvs_alloc;
  YYLTYPE yyls_alloc;
};

/* The size of the maximum gap between one aligned stack and the next.  */
# define YYSTACK_GAP_MAXIMUM (YYSIZEOF (union yyalloc) - 1)

/* The size of an array large to enough to hold all stacks, each with
   N elements.  */
# define YYSTACK_BYTES(N) \
     ((N) * (YYSIZEOF (yy_state_t) + YYSIZEOF (YYSTYPE) \
             + YYSIZEOF (YYLTYPE)) \
      + 2 * YYSTACK_GAP_MAXIMUM)

# define YYCOPY_NEEDED 1

/* Relocate STACK from its old location to the new one.  The
   local variables YYSIZE and YYSTACKSIZE give the old and new number of
   elements in the stack, and YYPTR gives the new location of the
   stack.  Advance YYPTR to a properly aligned location for the next
   stack.  */
# define YYSTACK_RELOCATE(Stack_alloc, Stack)                           \
    do                                                                  \
      {                                                                 \
        YYPTRDIFF_T yynewbytes;                                         \
        YYCOPY (&yyptr->Stack_alloc, Stack, yysize);                    \
        Stack = &yyptr->Stack_alloc;                                    \
        yynewbytes = yystacksize * YYSIZEOF (*Stack) + YYSTACK_GAP_MAXIMUM; \
        yyptr += yynewbytes / YYSIZEOF (*yyptr);                        \
      }                                                                 \
    while (0)

#endif

#if defined YYCOPY_NEEDED && YYCOPY_NEEDED
/* Copy COUNT objects from SRC to DST.  The source and destination do
   not overlap.  */
# ifndef YYCOPY
#  if defined __GNUC__ && 1 < __GNUC__
#   define YYCOPY(Dst, Src, Count) \
      __builtin_memcpy (Dst, Src, YY_CAST (YYSIZE_T, (Count)) * sizeof (*(Src)))
#  else
#   define YYCOPY(Dst, Src, Count)              \
      do                                        \
        {                                       \
          YYPTRDIFF_T yyi;                      \
          for (yyi = 0; yyi < (Count); yyi++)   \
            (Dst)[yyi] = (Src)[yyi];            \
        }                                       \
      while (0)
#  endif
# endif
#endif /* !YYCOPY_NEEDED */

/* YYFINAL -- State number of the termination state.  */
#define YYFINAL  2
/* YYLAST -- Last index in YYTABLE.  */
#define YYLAST   768

/* YYNTOKENS -- Number of terminals.  */
#define YYNTOKENS  74
/* YYNNTS -- Number of nonterminals.  */
#define YYNNTS  27
/* YYNRULES -- Number of rules.  */
#define YYNRULES  139
/* YYNSTATES -- Number of states.  */
#define YYNSTATES  342

/* YYMAXUTOK -- Last valid token kind.  */
#define YYMAXUTOK   310


/* YYTRANSLATE(TOKEN-NUM) -- Symbol number corresponding to TOKEN-NUM
   as returned by yylex, with out-of-bounds checking.  */
#define YYTRANSLATE(YYX)                                \
  (0 <= (YYX) && (YYX) <= YYMAXUTOK                     \
   ? YY_CAST (yysymbol_kind_t, yytranslate[YYX])        \
   : YYSYMBOL_YYUNDEF)

/* YYTRANSLATE[TOKEN-NUM] -- Symbol number corresponding to TOKEN-NUM
   as returned by yylex.  */
static const yytype_int8 yytranslate[] =
{
       0,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,    62,     2,     2,     2,    61,     2,     2,
      66,    67,    59,    57,    73,    58,    65,    60,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,    72,    68,
      55,    64,    56,     2,    69,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,    70,     2,    71,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     2,     2,     2,     2,
       2,     2,     2,     2,     2,     2,     1,     2,     3,     4,
       5,     6,     7,     8,     9,    10,    11,    12,    13,    14,
      15,    16,    17,    18,    19,    20,    21,    22,    23,    24,
      25,    26,    27,    28,    29,    30,    31,    32,    33,    34,
      35,    36,    37,    38,    39,    40,    41,    42,    43,    44,
      45,    46,    47,    48,    49,    50,    51,    52,    53,    54,
      63
};

#if YYDEBUG
/* YYRLINE[YYN] -- Source line where rule number YYN was defined.  */
static const yytype_int16 yyrline[] =
{
       0,   116,   116,   117,   122,   125,   128,   131,   133,   136,
     138,   140,   143,   145,   148,   151,   154,   157,   160,   164,
     167,   169,   171,   173,   175,   177,   179,   181,   184,   187,
     190,   193,   198,   201,   204,   205,   209,   210,   214,   215,
     219,   220,   226,   227,   232,   233,   237,   238,   240,   244,
     246,   248,   250,   252,   257,   259,   264,   266,   271,   273,
     275,   276,   278,   280,   282,   284,   286,   288,   290,   292,
     294,   296,   298,   300,   302,   304,   306,   308,   310,   315,
     317,   319,   321,   326,   331,   332,   336,   337,   338,   339,
     343,   344,   345,   346,   347,   348,   349,   350,   351,   352,
     353,   354,   355,   356,   357,   358,   360,   362,   364,   365,
     367,   369,   371,   373,   375,   377,   381,   382,   386,   387,
     391,   393,   398,   399,   400,   401,   402,   403,   404,   408,
     409,   410,   411,   415,   416,   420,   421,   425,   426,   430
};
#endif

/** Accessing symbol of state STATE.  */
#define YY_ACCESSING_SYMBOL(State) YY_CAST (yysymbol_kind_t, yystos[State])

#if 1
/* The user-facing name of the symbol whose (internal) number is
   YYSYMBOL.  No bounds checking.  */
static const char *yysymbol_name (yysymbol_kind_t yysymbol) YY_ATTRIBUTE_UNUSED;

static const char *
yysymbol_name (yysymbol_kind_t yysymbol)
{
  static const char *const yy_sname[] =
  {
  "end of file", "error", "invalid token", "listen", "domain", "define",
  "route", "if", "else", "exit", "drop", "return", "true", "false", "fn",
  "pv", "const", "in", "calls", "doc", "rw", "switch", "case", "default",
  "break", "while", "max", "var", "avp", "flag", "bflag", "dlgvar",
  "profile", "include", "use", "database", "setting", "module", "status",
  "event", "&&", "||", "==", "!=", "<=", ">=", "=~", "!~", "identifier",
  "pseudo-variable", "address", "pseudo-variable with argument", "integer",
  "string", "THEN", "'<'", "'>'", "'+'", "'-'", "'*'", "'/'", "'%'", "'!'",
  "UMINUS", "'='", "'.'", "'('", "')'", "';'", "'@'", "'{'", "'}'", "':'",
  "','", "$accept", "file", "item", "annot_args_opt", "names",
  "module_deps_opt", "pv_args_opt", "marks_opt", "use_items", "literal",
  "block", "stmts", "stmt", "cases", "call", "args_opt", "args", "expr",
  "params_opt", "params", "param", "type", "kinds", "rw_opt", "doc_opt",
  "pv_name", "const_value", YY_NULLPTR
  };
  return yy_sname[yysymbol];
}
#endif

#define YYPACT_NINF (-230)

#define yypact_value_is_default(Yyn) \
  ((Yyn) == YYPACT_NINF)

#define YYTABLE_NINF (-1)

#define yytable_value_is_error(Yyn) \
  ((Yyn) == YYTABLE_NINF)

/* YYPACT[STATE-NUM] -- Index in YYTABLE of the portion describing
   STATE-NUM.  */
static const yytype_int16 yypact[] =
{
    -230,   220,  -230,  -230,   -30,   -43,   -26,   -22,   -15,    81,
     -11,    26,    31,    60,    64,    73,    10,    83,    36,    87,
       3,    95,   111,  -230,   112,  -230,   113,  -230,    97,   -35,
      96,  -230,  -230,    92,    99,   100,   101,  -230,  -230,   105,
     106,  -230,    78,  -230,   102,  -230,  -230,   160,   114,   116,
    -230,    28,   -31,   136,  -230,  -230,   136,     0,     0,     0,
     142,   143,   146,  -230,  -230,   148,   -32,   -21,   144,   132,
     136,   156,  -230,  -230,  -230,  -230,  -230,   153,  -230,   154,
     159,  -230,   140,   141,   145,  -230,   192,   147,   167,   174,
    -230,  -230,  -230,  -230,   207,   207,   164,  -230,  -230,  -230,
       2,   157,   165,  -230,  -230,  -230,  -230,   163,  -230,   -18,
    -230,   184,   168,     0,    79,   136,    66,   171,   176,   177,
     178,   289,   181,   196,   205,   185,     6,   180,   210,   230,
    -230,  -230,  -230,   211,   209,  -230,  -230,  -230,   265,   275,
      28,   226,   231,  -230,     0,   156,   160,  -230,   248,   168,
    -230,   233,     0,  -230,  -230,  -230,  -230,  -230,   250,   310,
    -230,  -230,  -230,  -230,   234,  -230,  -230,  -230,  -230,   310,
     310,   310,  -230,  -230,   401,   310,  -230,   310,   227,   310,
     331,   310,   310,   116,  -230,     0,   237,   238,  -230,   160,
    -230,    28,   241,   -13,   243,  -230,  -230,    28,   168,   239,
     546,  -230,  -230,   574,   310,   310,   310,   310,   310,   310,
     310,   310,   310,   310,   310,   310,   310,   310,   310,  -230,
     602,   630,   261,   430,    -5,   245,   240,   658,   459,   488,
     266,   299,     4,     4,   251,   252,    28,  -230,  -230,  -230,
    -230,   253,   266,  -230,   687,   680,   707,   707,   707,   707,
     707,   707,   707,   707,    94,    94,  -230,  -230,  -230,   254,
     259,   -49,  -230,   310,  -230,   352,  -230,  -230,    88,  -230,
     260,  -230,  -230,    15,    17,  -230,  -230,   -10,  -230,   317,
    -230,   278,  -230,   310,  -230,   658,    41,   658,     4,   270,
       5,   309,   267,   263,   266,   117,   266,   517,   310,    42,
     268,   314,  -230,  -230,   291,   331,  -230,  -230,   310,   273,
    -230,  -230,  -230,  -230,   658,   298,   156,   300,   160,    44,
     379,  -230,   283,   332,    49,   160,   284,   160,  -230,   156,
     305,  -230,   286,  -230,   288,    52,   160,  -230,  -230,  -230,
     292,  -230
};

/* YYDEFACT[STATE-NUM] -- Default reduction number in state STATE-NUM.
   Performed when YYTABLE does not specify something else to do.  Zero
   means the default is an error.  */
static const yytype_uint8 yydefact[] =
{
       2,     0,     1,    35,     0,     0,     0,     0,     0,     0,
       0,     0,     0,     0,     0,     0,     0,     0,     0,     0,
       0,     0,     0,    34,     0,     3,     0,     5,     0,     0,
       0,   138,   137,     0,     0,     0,     0,    21,    22,     0,
      25,    13,     0,    14,     0,    40,    40,   135,     0,    36,
       4,     0,     0,   116,    56,     7,   116,     0,     0,     0,
       0,     0,     0,    16,    46,     0,     0,     0,     0,     0,
     116,     0,    12,    52,    53,    49,    51,     0,     6,     0,
       0,     8,     0,     0,   117,   118,     0,     0,     0,   126,
     124,   125,   128,   122,   133,   133,     0,    23,    24,    26,
       0,     0,     0,    28,    27,   136,    32,     0,    38,     0,
      50,     0,     0,     0,     0,     0,     0,     0,     0,     0,
       0,     0,     0,     0,     0,     0,     0,     0,     0,     0,
      54,    60,    57,     0,     0,   123,   127,   134,     0,     0,
       0,     0,     0,    15,     0,     0,   135,    37,     0,     0,
       9,   120,     0,    19,   119,    77,    55,    78,     0,     0,
      61,    62,   111,   112,   114,   113,   105,   109,   110,     0,
       0,     0,    63,   115,     0,     0,    65,     0,     0,     0,
      84,     0,     0,    36,    76,     0,     0,     0,   139,   135,
      48,     0,     0,     0,     0,    39,    11,     0,     0,     0,
       0,   107,   106,     0,     0,     0,     0,     0,     0,     0,
       0,     0,     0,     0,     0,     0,     0,     0,     0,    64,
       0,     0,     0,     0,   114,     0,    85,    86,     0,     0,
       0,     0,     0,     0,     0,     0,     0,    41,    10,   121,
      20,     0,     0,   108,    91,    90,    92,    93,    96,    97,
     103,   104,    94,    95,    98,    99,   100,   101,   102,     0,
       0,     0,    72,     0,    83,     0,    75,    73,     0,    66,
       0,   130,   129,     0,     0,    33,    47,   135,    74,    58,
      79,     0,    67,     0,    70,    87,   114,    88,     0,    42,
       0,     0,     0,     0,     0,     0,     0,     0,     0,     0,
       0,     0,   132,   131,     0,     0,    17,    59,     0,     0,
      69,    82,    68,    71,    89,    44,     0,     0,   135,     0,
       0,    81,     0,     0,     0,   135,     0,   135,    80,     0,
       0,    43,     0,    30,     0,     0,   135,    31,    18,    45,
       0,    29
};

/* YYPGOTO[NTERM-NUM].  */
static const yytype_int16 yypgoto[] =
{
    -230,  -230,  -230,   183,  -140,   321,  -230,  -230,  -230,  -126,
     -29,  -230,  -218,  -230,   -85,  -230,    65,  -113,   -45,  -230,
     256,   -38,  -229,   274,  -144,  -230,  -230
};

/* YYDEFGOTO[NTERM-NUM].  */
static const yytype_int16 yydefgoto[] =
{
       0,     1,    25,    72,   109,    66,   301,   323,   100,    78,
     131,    86,   132,   295,   173,   225,   226,   227,    83,    84,
      85,    94,   273,   138,    69,    34,   189
};

/* YYTABLE[YYPACT[STATE-NUM]] -- What to do in state STATE-NUM.  If
   positive, shift that token.  If negative, reduce the rule whose
   number is the opposite.  If YYTABLE_NINF, syntax error.  */
static const yytype_int16 yytable[] =
{
      55,   133,   194,   141,   274,   193,    88,    45,   174,    68,
      27,    87,   269,    52,   188,   283,   102,    79,    26,   284,
      95,    96,    28,    81,   279,   107,    29,   102,    89,    90,
      91,    53,    92,    30,    80,    54,   103,    35,   292,    54,
      73,    74,   282,   271,   302,   234,   200,   104,    93,   147,
     142,    46,   272,   303,   237,   148,   201,   202,   203,   299,
     148,   180,   220,    41,   221,   235,   223,   263,   228,   229,
     179,   239,   180,   143,    36,   151,   307,   311,   312,    37,
      75,    76,   289,   150,   291,   153,    77,   157,   290,    43,
     290,   244,   245,   246,   247,   248,   249,   250,   251,   252,
     253,   254,   255,   256,   257,   258,   192,   180,    38,   315,
     277,   327,    39,   298,   198,   290,   331,   265,   268,   339,
     196,    40,   148,   117,   118,   148,   119,   120,   121,    31,
      32,    42,    33,   293,   155,    44,    54,   156,   122,   308,
     309,   123,   124,    47,   125,   133,    63,   231,    64,    54,
     285,   152,   287,   216,   217,   218,   155,   133,    54,    48,
      49,    51,    56,    50,    57,   126,   127,    65,   128,   240,
     297,    58,    59,    60,   326,   133,   324,    61,    62,    68,
      70,   332,    71,   334,    82,   314,   129,    54,   310,   335,
      97,    98,   340,   116,    99,   320,   101,   105,   117,   118,
     106,   119,   120,   121,   108,   110,   111,   112,   114,   133,
     133,   133,   113,   122,   134,   135,   123,   124,   115,   125,
       2,     3,   136,     4,     5,     6,     7,   137,   140,   144,
     146,   145,   149,   178,     8,     9,    10,   158,    54,   157,
     126,   127,   159,   128,   181,   160,   161,   175,    11,    12,
      13,    14,    15,    16,    17,    18,    19,    20,    21,    22,
     268,   129,    54,   130,   176,   117,   118,   268,   119,   120,
     121,   177,   117,   118,   182,   119,   120,   121,   183,   184,
     122,   185,   186,   123,   124,   281,   125,   122,    23,    24,
     123,   124,   187,   125,   190,   191,   195,   197,   199,   222,
     180,   162,   163,   232,   233,   236,   241,   126,   127,   261,
     128,   238,   264,   265,   126,   127,   270,   128,   300,   275,
     276,   278,   162,   163,   280,   294,   288,   304,   129,    54,
     296,   306,   317,   305,   316,   129,    54,   164,   165,   318,
     166,   167,   168,   162,   163,   321,   322,   169,   325,   329,
     330,   170,   333,   336,   337,   171,   338,   172,   164,   165,
     341,   166,   167,   168,   162,   163,   230,    67,   169,   139,
     319,   154,   170,     0,     0,     0,   171,     0,     0,   224,
     165,     0,   166,   167,   168,     0,     0,     0,     0,   169,
       0,     0,     0,   170,     0,     0,     0,   171,     0,     0,
     286,   165,     0,   166,   167,   168,     0,     0,     0,     0,
     169,     0,     0,     0,   170,     0,     0,     0,   171,   204,
     205,   206,   207,   208,   209,   210,   211,     0,     0,     0,
       0,     0,     0,     0,   212,   213,   214,   215,   216,   217,
     218,   204,   205,   206,   207,   208,   209,   210,   211,     0,
       0,   328,     0,     0,     0,     0,   212,   213,   214,   215,
     216,   217,   218,     0,     0,     0,     0,     0,     0,   219,
     204,   205,   206,   207,   208,   209,   210,   211,     0,     0,
       0,     0,     0,     0,     0,   212,   213,   214,   215,   216,
     217,   218,     0,     0,     0,     0,     0,     0,   262,   204,
     205,   206,   207,   208,   209,   210,   211,     0,     0,     0,
       0,     0,     0,     0,   212,   213,   214,   215,   216,   217,
     218,     0,     0,     0,     0,     0,     0,   266,   204,   205,
     206,   207,   208,   209,   210,   211,     0,     0,     0,     0,
       0,     0,     0,   212,   213,   214,   215,   216,   217,   218,
       0,     0,     0,     0,     0,     0,   267,   204,   205,   206,
     207,   208,   209,   210,   211,     0,     0,     0,     0,     0,
       0,     0,   212,   213,   214,   215,   216,   217,   218,     0,
       0,     0,     0,     0,     0,   313,   204,   205,   206,   207,
     208,   209,   210,   211,     0,     0,     0,     0,     0,     0,
       0,   212,   213,   214,   215,   216,   217,   218,     0,     0,
       0,     0,     0,   242,   204,   205,   206,   207,   208,   209,
     210,   211,     0,     0,     0,     0,     0,     0,     0,   212,
     213,   214,   215,   216,   217,   218,     0,     0,     0,     0,
       0,   243,   204,   205,   206,   207,   208,   209,   210,   211,
       0,     0,     0,     0,     0,     0,     0,   212,   213,   214,
     215,   216,   217,   218,     0,     0,     0,     0,     0,   259,
     204,   205,   206,   207,   208,   209,   210,   211,     0,     0,
       0,     0,     0,     0,     0,   212,   213,   214,   215,   216,
     217,   218,     0,     0,     0,     0,     0,   260,   204,   205,
     206,   207,   208,   209,   210,   211,     0,     0,     0,     0,
       0,     0,     0,   212,   213,   214,   215,   216,   217,   218,
     204,     0,   206,   207,   208,   209,   210,   211,     0,   206,
     207,   208,   209,   210,   211,   212,   213,   214,   215,   216,
     217,   218,   212,   213,   214,   215,   216,   217,   218,    -1,
      -1,    -1,    -1,    -1,    -1,     0,     0,     0,     0,     0,
       0,     0,    -1,    -1,   214,   215,   216,   217,   218
};

static const yytype_int16 yycheck[] =
{
      29,    86,   146,     1,   233,   145,     6,     4,   121,    19,
      53,    56,   230,    48,   140,    64,    48,    48,    48,    68,
      58,    59,    48,    52,   242,    70,    48,    48,    28,    29,
      30,    66,    32,    48,    65,    70,    68,    48,    48,    70,
      12,    13,   260,    39,    39,   189,   159,    68,    48,    67,
      48,    48,    48,    48,    67,    73,   169,   170,   171,   288,
      73,    66,   175,    53,   177,   191,   179,    72,   181,   182,
      64,   197,    66,    71,    48,   113,   294,   295,   296,    48,
      52,    53,    67,   112,    67,   114,    58,   116,    73,    53,
      73,   204,   205,   206,   207,   208,   209,   210,   211,   212,
     213,   214,   215,   216,   217,   218,   144,    66,    48,    67,
     236,    67,    48,    72,   152,    73,    67,    73,     1,    67,
     149,    48,    73,     6,     7,    73,     9,    10,    11,    48,
      49,    48,    51,   277,    68,    48,    70,    71,    21,    22,
      23,    24,    25,    48,    27,   230,    68,   185,    70,    70,
     263,    72,   265,    59,    60,    61,    68,   242,    70,    48,
      48,    64,    66,    50,    72,    48,    49,    65,    51,   198,
     283,    72,    72,    72,   318,   260,   316,    72,    72,    19,
      66,   325,    66,   327,    48,   298,    69,    70,    71,   329,
      48,    48,   336,     1,    48,   308,    48,    53,     6,     7,
      68,     9,    10,    11,    48,    52,    52,    48,    67,   294,
     295,   296,    72,    21,    67,    48,    24,    25,    73,    27,
       0,     1,    48,     3,     4,     5,     6,    20,    64,    72,
      67,    66,    48,    48,    14,    15,    16,    66,    70,   268,
      48,    49,    66,    51,    64,    68,    68,    66,    28,    29,
      30,    31,    32,    33,    34,    35,    36,    37,    38,    39,
       1,    69,    70,    71,    68,     6,     7,     1,     9,    10,
      11,    66,     6,     7,    64,     9,    10,    11,    48,    68,
      21,    72,    17,    24,    25,    26,    27,    21,    68,    69,
      24,    25,    17,    27,    68,    64,    48,    64,    48,    72,
      66,    12,    13,    66,    66,    64,    67,    48,    49,    48,
      51,    68,    67,    73,    48,    49,    17,    51,    48,    68,
      68,    68,    12,    13,    70,     8,    66,    18,    69,    70,
      52,    68,    18,    66,    66,    69,    70,    48,    49,    48,
      51,    52,    53,    12,    13,    72,    48,    58,    48,    66,
      18,    62,    68,    48,    68,    66,    68,    68,    48,    49,
      68,    51,    52,    53,    12,    13,   183,    46,    58,    95,
     305,   115,    62,    -1,    -1,    -1,    66,    -1,    -1,    48,
      49,    -1,    51,    52,    53,    -1,    -1,    -1,    -1,    58,
      -1,    -1,    -1,    62,    -1,    -1,    -1,    66,    -1,    -1,
      48,    49,    -1,    51,    52,    53,    -1,    -1,    -1,    -1,
      58,    -1,    -1,    -1,    62,    -1,    -1,    -1,    66,    40,
      41,    42,    43,    44,    45,    46,    47,    -1,    -1,    -1,
      -1,    -1,    -1,    -1,    55,    56,    57,    58,    59,    60,
      61,    40,    41,    42,    43,    44,    45,    46,    47,    -1,
      -1,    72,    -1,    -1,    -1,    -1,    55,    56,    57,    58,
      59,    60,    61,    -1,    -1,    -1,    -1,    -1,    -1,    68,
      40,    41,    42,    43,    44,    45,    46,    47,    -1,    -1,
      -1,    -1,    -1,    -1,    -1,    55,    56,    57,    58,    59,
      60,    61,    -1,    -1,    -1,    -1,    -1,    -1,    68,    40,
      41,    42,    43,    44,    45,    46,    47,    -1,    -1,    -1,
      -1,    -1,    -1,    -1,    55,    56,    57,    58,    59,    60,
      61,    -1,    -1,    -1,    -1,    -1,    -1,    68,    40,    41,
      42,    43,    44,    45,    46,    47,    -1,    -1,    -1,    -1,
      -1,    -1,    -1,    55,    56,    57,    58,    59,    60,    61,
      -1,    -1,    -1,    -1,    -1,    -1,    68,    40,    41,    42,
      43,    44,    45,    46,    47,    -1,    -1,    -1,    -1,    -1,
      -1,    -1,    55,    56,    57,    58,    59,    60,    61,    -1,
      -1,    -1,    -1,    -1,    -1,    68,    40,    41,    42,    43,
      44,    45,    46,    47,    -1,    -1,    -1,    -1,    -1,    -1,
      -1,    55,    56,    57,    58,    59,    60,    61,    -1,    -1,
      -1,    -1,    -1,    67,    40,    41,    42,    43,    44,    45,
      46,    47,    -1,    -1,    -1,    -1,    -1,    -1,    -1,    55,
      56,    57,    58,    59,    60,    61,    -1,    -1,    -1,    -1,
      -1,    67,    40,    41,    42,    43,    44,    45,    46,    47,
      -1,    -1,    -1,    -1,    -1,    -1,    -1,    55,    56,    57,
      58,    59,    60,    61,    -1,    -1,    -1,    -1,    -1,    67,
      40,    41,    42,    43,    44,    45,    46,    47,    -1,    -1,
      -1,    -1,    -1,    -1,    -1,    55,    56,    57,    58,    59,
      60,    61,    -1,    -1,    -1,    -1,    -1,    67,    40,    41,
      42,    43,    44,    45,    46,    47,    -1,    -1,    -1,    -1,
      -1,    -1,    -1,    55,    56,    57,    58,    59,    60,    61,
      40,    -1,    42,    43,    44,    45,    46,    47,    -1,    42,
      43,    44,    45,    46,    47,    55,    56,    57,    58,    59,
      60,    61,    55,    56,    57,    58,    59,    60,    61,    42,
      43,    44,    45,    46,    47,    -1,    -1,    -1,    -1,    -1,
      -1,    -1,    55,    56,    57,    58,    59,    60,    61
};

/* YYSTOS[STATE-NUM] -- The symbol kind of the accessing symbol of
   state STATE-NUM.  */
static const yytype_int8 yystos[] =
{
       0,    75,     0,     1,     3,     4,     5,     6,    14,    15,
      16,    28,    29,    30,    31,    32,    33,    34,    35,    36,
      37,    38,    39,    68,    69,    76,    48,    53,    48,    48,
      48,    48,    49,    51,    99,    48,    48,    48,    48,    48,
      48,    53,    48,    53,    48,     4,    48,    48,    48,    48,
      50,    64,    48,    66,    70,    84,    66,    72,    72,    72,
      72,    72,    72,    68,    70,    65,    79,    79,    19,    98,
      66,    66,    77,    12,    13,    52,    53,    58,    83,    48,
      65,    84,    48,    92,    93,    94,    85,    92,     6,    28,
      29,    30,    32,    48,    95,    95,    95,    48,    48,    48,
      82,    48,    48,    68,    68,    53,    68,    92,    48,    78,
      52,    52,    48,    72,    67,    73,     1,     6,     7,     9,
      10,    11,    21,    24,    25,    27,    48,    49,    51,    69,
      71,    84,    86,    88,    67,    48,    48,    20,    97,    97,
      64,     1,    48,    71,    72,    66,    67,    67,    73,    48,
      84,    95,    72,    84,    94,    68,    71,    84,    66,    66,
      68,    68,    12,    13,    48,    49,    51,    52,    53,    58,
      62,    66,    68,    88,    91,    66,    68,    66,    48,    64,
      66,    64,    64,    48,    68,    72,    17,    17,    83,   100,
      68,    64,    95,    78,    98,    48,    84,    64,    95,    48,
      91,    91,    91,    91,    40,    41,    42,    43,    44,    45,
      46,    47,    55,    56,    57,    58,    59,    60,    61,    68,
      91,    91,    72,    91,    48,    89,    90,    91,    91,    91,
      77,    95,    66,    66,    98,    83,    64,    67,    68,    83,
      84,    67,    67,    67,    91,    91,    91,    91,    91,    91,
      91,    91,    91,    91,    91,    91,    91,    91,    91,    67,
      67,    48,    68,    72,    67,    73,    68,    68,     1,    86,
      17,    39,    48,    96,    96,    68,    68,    83,    68,    86,
      70,    26,    86,    64,    68,    91,    48,    91,    66,    67,
      73,    67,    48,    98,     8,    87,    52,    91,    72,    96,
      48,    80,    39,    48,    18,    66,    68,    86,    22,    23,
      71,    86,    86,    68,    91,    67,    66,    18,    48,    90,
      91,    72,    48,    81,    78,    48,    98,    67,    72,    66,
      18,    67,    98,    68,    98,    78,    48,    68,    68,    67,
      98,    68
};

/* YYR1[RULE-NUM] -- Symbol kind of the left-hand side of rule RULE-NUM.  */
static const yytype_int8 yyr1[] =
{
       0,    74,    75,    75,    76,    76,    76,    76,    76,    76,
      76,    76,    76,    76,    76,    76,    76,    76,    76,    76,
      76,    76,    76,    76,    76,    76,    76,    76,    76,    76,
      76,    76,    76,    76,    76,    76,    77,    77,    78,    78,
      79,    79,    80,    80,    81,    81,    82,    82,    82,    83,
      83,    83,    83,    83,    84,    84,    85,    85,    86,    86,
      86,    86,    86,    86,    86,    86,    86,    86,    86,    86,
      86,    86,    86,    86,    86,    86,    86,    86,    86,    87,
      87,    87,    87,    88,    89,    89,    90,    90,    90,    90,
      91,    91,    91,    91,    91,    91,    91,    91,    91,    91,
      91,    91,    91,    91,    91,    91,    91,    91,    91,    91,
      91,    91,    91,    91,    91,    91,    92,    92,    93,    93,
      94,    94,    95,    95,    95,    95,    95,    95,    95,    96,
      96,    96,    96,    97,    97,    98,    98,    99,    99,   100
};

/* YYR2[RULE-NUM] -- Number of symbols on the right-hand side of rule RULE-NUM.  */
static const yytype_int8 yyr2[] =
{
       0,     2,     0,     2,     3,     2,     4,     3,     4,     6,
       7,     7,     3,     2,     2,     5,     3,    10,    14,     6,
       8,     2,     2,     4,     4,     2,     4,     4,     4,    16,
      13,    14,     4,     8,     1,     1,     0,     3,     1,     3,
       0,     5,     0,     4,     0,     4,     0,     5,     3,     1,
       2,     1,     1,     1,     3,     4,     0,     2,     5,     7,
       1,     2,     2,     2,     3,     2,     4,     5,     7,     7,
       5,     7,     4,     4,     5,     4,     2,     2,     2,     0,
       4,     3,     2,     4,     0,     1,     1,     3,     3,     5,
       3,     3,     3,     3,     3,     3,     3,     3,     3,     3,
       3,     3,     3,     3,     3,     1,     2,     2,     3,     1,
       1,     1,     1,     1,     1,     1,     0,     1,     1,     3,
       3,     5,     1,     2,     1,     1,     1,     2,     1,     1,
       1,     3,     3,     0,     1,     0,     2,     1,     1,     1
};


enum { YYENOMEM = -2 };

#define yyerrok         (yyerrstatus = 0)
#define yyclearin       (yychar = YYEMPTY)

#define YYACCEPT        goto yyacceptlab
#define YYABORT         goto yyabortlab
#define YYERROR         goto yyerrorlab
#define YYNOMEM         goto yyexhaustedlab


#define YYRECOVERING()  (!!yyerrstatus)

#define YYBACKUP(Token, Value)                                    \
  do                                                              \
    if (yychar == YYEMPTY)                                        \
      {                                                           \
        yychar = (Token);                                         \
        yylval = (Value);                                         \
        YYPOPSTACK (yylen);                                       \
        yystate = *yyssp;                                         \
        goto yybackup;                                            \
      }                                                           \
    else                                                          \
      {                                                           \
        yyerror (&yylloc, pc, scanner, YY_("syntax error: cannot back up")); \
        YYERROR;                                                  \
      }                                                           \
  while (0)

/* Backward compatibility with an undocumented macro.
   Use YYerror or YYUNDEF. */
#define YYERRCODE YYUNDEF

/* YYLLOC_DEFAULT -- Set CURRENT to span from RHS[1] to RHS[N].
   If N is 0, then set CURRENT to the empty location which ends
   the previous symbol: RHS[0] (always defined).  */

#ifndef YYLLOC_DEFAULT
# define YYLLOC_DEFAULT(Current, Rhs, N)                                \
    do                                                                  \
      if (N)                                                            \
        {                                                               \
          (Current).first_line   = YYRHSLOC (Rhs, 1).first_line;        \
          (Current).first_column = YYRHSLOC (Rhs, 1).first_column;      \
          (Current).last_line    = YYRHSLOC (Rhs, N).last_line;         \
          (Current).last_column  = YYRHSLOC (Rhs, N).last_column;       \
        }                                                               \
      else                                                              \
        {                                                               \
          (Current).first_line   = (Current).last_line   =              \
            YYRHSLOC (Rhs, 0).last_line;                                \
          (Current).first_column = (Current).last_column =              \
            YYRHSLOC (Rhs, 0).last_column;                              \
        }                                                               \
    while (0)
#endif

#define YYRHSLOC(Rhs, K) ((Rhs)[K])


/* Enable debugging if requested.  */
#if YYDEBUG

# ifndef YYFPRINTF
#  include <stdio.h> /* INFRINGES ON USER NAME SPACE */
#  define YYFPRINTF fprintf
# endif

# define YYDPRINTF(Args)                        \
do {                                            \
  if (yydebug)                                  \
    YYFPRINTF Args;                             \
} while (0)


/* YYLOCATION_PRINT -- Print the location on the stream.
   This macro was not mandated originally: define only if we know
   we won't break user code: when these are the locations we know.  */

# ifndef YYLOCATION_PRINT

#  if defined YY_LOCATION_PRINT

   /* Temporary convenience wrapper in case some people defined the
      undocumented and private YY_LOCATION_PRINT macros.  */
#   define YYLOCATION_PRINT(File, Loc)  YY_LOCATION_PRINT(File, *(Loc))

#  elif defined YYLTYPE_IS_TRIVIAL && YYLTYPE_IS_TRIVIAL

/* Print *YYLOCP on YYO.  Private, do not rely on its existence. */

YY_ATTRIBUTE_UNUSED
static int
yy_location_print_ (FILE *yyo, YYLTYPE const * const yylocp)
{
  int res = 0;
  int end_col = 0 != yylocp->last_column ? yylocp->last_column - 1 : 0;
  if (0 <= yylocp->first_line)
    {
      res += YYFPRINTF (yyo, "%d", yylocp->first_line);
      if (0 <= yylocp->first_column)
        res += YYFPRINTF (yyo, ".%d", yylocp->first_column);
    }
  if (0 <= yylocp->last_line)
    {
      if (yylocp->first_line < yylocp->last_line)
        {
          res += YYFPRINTF (yyo, "-%d", yylocp->last_line);
          if (0 <= end_col)
            res += YYFPRINTF (yyo, ".%d", end_col);
        }
      else if (0 <= end_col && yylocp->first_column < end_col)
        res += YYFPRINTF (yyo, "-%d", end_col);
    }
  return res;
}

#   define YYLOCATION_PRINT  yy_location_print_

    /* Temporary convenience wrapper in case some people defined the
       undocumented and private YY_LOCATION_PRINT macros.  */
#   define YY_LOCATION_PRINT(File, Loc)  YYLOCATION_PRINT(File, &(Loc))

#  else

#   define YYLOCATION_PRINT(File, Loc) ((void) 0)
    /* Temporary convenience wrapper in case some people defined the
       undocumented and private YY_LOCATION_PRINT macros.  */
#   define YY_LOCATION_PRINT  YYLOCATION_PRINT

#  endif
# endif /* !defined YYLOCATION_PRINT */


# define YY_SYMBOL_PRINT(Title, Kind, Value, Location)                    \
do {                                                                      \
  if (yydebug)                                                            \
    {                                                                     \
      YYFPRINTF (stderr, "%s ", Title);                                   \
      yy_symbol_print (stderr,                                            \
                  Kind, Value, Location, pc, scanner); \
      YYFPRINTF (stderr, "\n");                                           \
    }                                                                     \
} while (0)


/*-----------------------------------.
| Print this symbol's value on YYO.  |
`-----------------------------------*/

static void
yy_symbol_value_print (FILE *yyo,
                       yysymbol_kind_t yykind, YYSTYPE const * const yyvaluep, YYLTYPE const * const yylocationp, struct cc_parse_ctx *pc, yyscan_t scanner)
{
  FILE *yyoutput = yyo;
  YY_USE (yyoutput);
  YY_USE (yylocationp);
  YY_USE (pc);
  YY_USE (scanner);
  if (!yyvaluep)
    return;
  YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
  YY_USE (yykind);
  YY_IGNORE_MAYBE_UNINITIALIZED_END
}


/*---------------------------.
| Print this symbol on YYO.  |
`---------------------------*/

static void
yy_symbol_print (FILE *yyo,
                 yysymbol_kind_t yykind, YYSTYPE const * const yyvaluep, YYLTYPE const * const yylocationp, struct cc_parse_ctx *pc, yyscan_t scanner)
{
  YYFPRINTF (yyo, "%s %s (",
             yykind < YYNTOKENS ? "token" : "nterm", yysymbol_name (yykind));

  YYLOCATION_PRINT (yyo, yylocationp);
  YYFPRINTF (yyo, ": ");
  yy_symbol_value_print (yyo, yykind, yyvaluep, yylocationp, pc, scanner);
  YYFPRINTF (yyo, ")");
}

/*------------------------------------------------------------------.
| yy_stack_print -- Print the state stack from its BOTTOM up to its |
| TOP (included).                                                   |
`------------------------------------------------------------------*/

static void
yy_stack_print (yy_state_t *yybottom, yy_state_t *yytop)
{
  YYFPRINTF (stderr, "Stack now");
  for (; yybottom <= yytop; yybottom++)
    {
      int yybot = *yybottom;
      YYFPRINTF (stderr, " %d", yybot);
    }
  YYFPRINTF (stderr, "\n");
}

# define YY_STACK_PRINT(Bottom, Top)                            \
do {                                                            \
  if (yydebug)                                                  \
    yy_stack_print ((Bottom), (Top));                           \
} while (0)


/*------------------------------------------------.
| Report that the YYRULE is going to be reduced.  |
`------------------------------------------------*/

static void
yy_reduce_print (yy_state_t *yyssp, YYSTYPE *yyvsp, YYLTYPE *yylsp,
                 int yyrule, struct cc_parse_ctx *pc, yyscan_t scanner)
{
  int yylno = yyrline[yyrule];
  int yynrhs = yyr2[yyrule];
  int yyi;
  YYFPRINTF (stderr, "Reducing stack by rule %d (line %d):\n",
             yyrule - 1, yylno);
  /* The symbols being reduced.  */
  for (yyi = 0; yyi < yynrhs; yyi++)
    {
      YYFPRINTF (stderr, "   $%d = ", yyi + 1);
      yy_symbol_print (stderr,
                       YY_ACCESSING_SYMBOL (+yyssp[yyi + 1 - yynrhs]),
                       &yyvsp[(yyi + 1) - (yynrhs)],
                       &(yylsp[(yyi + 1) - (yynrhs)]), pc, scanner);
      YYFPRINTF (stderr, "\n");
    }
}

# define YY_REDUCE_PRINT(Rule)          \
do {                                    \
  if (yydebug)                          \
    yy_reduce_print (yyssp, yyvsp, yylsp, Rule, pc, scanner); \
} while (0)

/* Nonzero means print parse trace.  It is left uninitialized so that
   multiple parsers can coexist.  */
int yydebug;
#else /* !YYDEBUG */
# define YYDPRINTF(Args) ((void) 0)
# define YY_SYMBOL_PRINT(Title, Kind, Value, Location)
# define YY_STACK_PRINT(Bottom, Top)
# define YY_REDUCE_PRINT(Rule)
#endif /* !YYDEBUG */


/* YYINITDEPTH -- initial size of the parser's stacks.  */
#ifndef YYINITDEPTH
# define YYINITDEPTH 200
#endif

/* YYMAXDEPTH -- maximum size the stacks can grow to (effective only
   if the built-in stack extension method is used).

   Do not make this value too large; the results are undefined if
   YYSTACK_ALLOC_MAXIMUM < YYSTACK_BYTES (YYMAXDEPTH)
   evaluated with infinite-precision integer arithmetic.  */

#ifndef YYMAXDEPTH
# define YYMAXDEPTH 10000
#endif
/* Parser data structure.  */
struct yypstate
  {
    /* Number of syntax errors so far.  */
    int yynerrs;

    yy_state_fast_t yystate;
    /* Number of tokens to shift before error messages enabled.  */
    int yyerrstatus;

    /* Refer to the stacks through separate pointers, to allow yyoverflow
       to reallocate them elsewhere.  */

    /* Their size.  */
    YYPTRDIFF_T yystacksize;

    /* The state stack: array, bottom, top.  */
    yy_state_t yyssa[YYINITDEPTH];
    yy_state_t *yyss;
    yy_state_t *yyssp;

    /* The semantic value stack: array, bottom, top.  */
    YYSTYPE yyvsa[YYINITDEPTH];
    YYSTYPE *yyvs;
    YYSTYPE *yyvsp;

    /* The location stack: array, bottom, top.  */
    YYLTYPE yylsa[YYINITDEPTH];
    YYLTYPE *yyls;
    YYLTYPE *yylsp;
    /* Whether this instance has not started parsing yet.
     * If 2, it corresponds to a finished parsing.  */
    int yynew;
  };


/* Context of a parse error.  */
typedef struct
{
  yypstate* yyps;
  yysymbol_kind_t yytoken;
  YYLTYPE *yylloc;
} yypcontext_t;

/* Put in YYARG at most YYARGN of the expected tokens given the
   current YYCTX, and return the number of tokens stored in YYARG.  If
   YYARG is null, return the number of expected tokens (guaranteed to
   be less than YYNTOKENS).  Return YYENOMEM on memory exhaustion.
   Return 0 if there are more than YYARGN expected tokens, yet fill
   YYARG up to YYARGN. */
static int
yypstate_expected_tokens (yypstate *yyps,
                          yysymbol_kind_t yyarg[], int yyargn)
{
  /* Actual size of YYARG. */
  int yycount = 0;
  int yyn = yypact[+*yyps->yyssp];
  if (!yypact_value_is_default (yyn))
    {
      /* Start YYX at -YYN if negative to avoid negative indexes in
         YYCHECK.  In other words, skip the first -YYN actions for
         this state because they are default actions.  */
      int yyxbegin = yyn < 0 ? -yyn : 0;
      /* Stay within bounds of both yycheck and yytname.  */
      int yychecklim = YYLAST - yyn + 1;
      int yyxend = yychecklim < YYNTOKENS ? yychecklim : YYNTOKENS;
      int yyx;
      for (yyx = yyxbegin; yyx < yyxend; ++yyx)
        if (yycheck[yyx + yyn] == yyx && yyx != YYSYMBOL_YYerror
            && !yytable_value_is_error (yytable[yyx + yyn]))
          {
            if (!yyarg)
              ++yycount;
            else if (yycount == yyargn)
              return 0;
            else
              yyarg[yycount++] = YY_CAST (yysymbol_kind_t, yyx);
          }
    }
  if (yyarg && yycount == 0 && 0 < yyargn)
    yyarg[0] = YYSYMBOL_YYEMPTY;
  return yycount;
}


/* Similar to the previous function.  */
static int
yypcontext_expected_tokens (const yypcontext_t *yyctx,
                            yysymbol_kind_t yyarg[], int yyargn)
{
  return yypstate_expected_tokens (yyctx->yyps, yyarg, yyargn);
}


/* The kind of the lookahead of this context.  */
static yysymbol_kind_t
yypcontext_token (const yypcontext_t *yyctx) YY_ATTRIBUTE_UNUSED;

static yysymbol_kind_t
yypcontext_token (const yypcontext_t *yyctx)
{
  return yyctx->yytoken;
}

/* The location of the lookahead of this context.  */
static YYLTYPE *
yypcontext_location (const yypcontext_t *yyctx) YY_ATTRIBUTE_UNUSED;

static YYLTYPE *
yypcontext_location (const yypcontext_t *yyctx)
{
  return yyctx->yylloc;
}

/* User defined function to report a syntax error.  */
static int
yyreport_syntax_error (const yypcontext_t *yyctx, struct cc_parse_ctx *pc, yyscan_t scanner);

/*-----------------------------------------------.
| Release the memory associated to this symbol.  |
`-----------------------------------------------*/

static void
yydestruct (const char *yymsg,
            yysymbol_kind_t yykind, YYSTYPE *yyvaluep, YYLTYPE *yylocationp, struct cc_parse_ctx *pc, yyscan_t scanner)
{
  YY_USE (yyvaluep);
  YY_USE (yylocationp);
  YY_USE (pc);
  YY_USE (scanner);
  if (!yymsg)
    yymsg = "Deleting";
  YY_SYMBOL_PRINT (yymsg, yykind, yyvaluep, yylocationp);

  YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
  YY_USE (yykind);
  YY_IGNORE_MAYBE_UNINITIALIZED_END
}





#define yynerrs yyps->yynerrs
#define yystate yyps->yystate
#define yyerrstatus yyps->yyerrstatus
#define yyssa yyps->yyssa
#define yyss yyps->yyss
#define yyssp yyps->yyssp
#define yyvsa yyps->yyvsa
#define yyvs yyps->yyvs
#define yyvsp yyps->yyvsp
#define yylsa yyps->yylsa
#define yyls yyps->yyls
#define yylsp yyps->yylsp
#define yystacksize yyps->yystacksize

/* Initialize the parser data structure.  */
static void
yypstate_clear (yypstate *yyps)
{
  yynerrs = 0;
  yystate = 0;
  yyerrstatus = 0;

  yyssp = yyss;
  yyvsp = yyvs;
  yylsp = yyls;

  /* Initialize the state stack, in case yypcontext_expected_tokens is
     called before the first call to yyparse. */
  *yyssp = 0;
  yyps->yynew = 1;
}

/* Initialize the parser data structure.  */
yypstate *
yypstate_new (void)
{
  yypstate *yyps;
  yyps = YY_CAST (yypstate *, YYMALLOC (sizeof *yyps));
  if (!yyps)
    return YY_NULLPTR;
  yystacksize = YYINITDEPTH;
  yyss = yyssa;
  yyvs = yyvsa;
  yyls = yylsa;
  yypstate_clear (yyps);
  return yyps;
}

void
yypstate_delete (yypstate *yyps)
{
  if (yyps)
    {
#ifndef yyoverflow
      /* If the stack was reallocated but the parse did not complete, then the
         stack still needs to be freed.  */
      if (yyss != yyssa)
        YYSTACK_FREE (yyss);
#endif
      YYFREE (yyps);
    }
}



/*---------------.
| yypush_parse.  |
`---------------*/

int
yypush_parse (yypstate *yyps,
              int yypushed_char, YYSTYPE const *yypushed_val, YYLTYPE *yypushed_loc, struct cc_parse_ctx *pc, yyscan_t scanner)
{
/* Lookahead token kind.  */
int yychar;


/* The semantic value of the lookahead symbol.  */
/* Default value used for initialization, for pacifying older GCCs
   or non-GCC compilers.  */
YY_INITIAL_VALUE (static YYSTYPE yyval_default;)
YYSTYPE yylval YY_INITIAL_VALUE (= yyval_default);

/* Location data for the lookahead symbol.  */
static YYLTYPE yyloc_default
# if defined YYLTYPE_IS_TRIVIAL && YYLTYPE_IS_TRIVIAL
  = { 1, 1, 1, 1 }
# endif
;
YYLTYPE yylloc = yyloc_default;

  int yyn;
  /* The return value of yyparse.  */
  int yyresult;
  /* Lookahead symbol kind.  */
  yysymbol_kind_t yytoken = YYSYMBOL_YYEMPTY;
  /* The variables used to return semantic value and location from the
     action routines.  */
  YYSTYPE yyval;
  YYLTYPE yyloc;

  /* The locations where the error started and ended.  */
  YYLTYPE yyerror_range[3];



#define YYPOPSTACK(N)   (yyvsp -= (N), yyssp -= (N), yylsp -= (N))

  /* The number of symbols on the RHS of the reduced rule.
     Keep to zero when no symbol should be popped.  */
  int yylen = 0;

  switch (yyps->yynew)
    {
    case 0:
      yyn = yypact[yystate];
      goto yyread_pushed_token;

    case 2:
      yypstate_clear (yyps);
      break;

    default:
      break;
    }

  YYDPRINTF ((stderr, "Starting parse\n"));

  yychar = YYEMPTY; /* Cause a token to be read.  */

  yylsp[0] = *yypushed_loc;
  goto yysetstate;


/*------------------------------------------------------------.
| yynewstate -- push a new state, which is found in yystate.  |
`------------------------------------------------------------*/
yynewstate:
  /* In all cases, when you get here, the value and location stacks
     have just been pushed.  So pushing a state here evens the stacks.  */
  yyssp++;


/*--------------------------------------------------------------------.
| yysetstate -- set current state (the top of the stack) to yystate.  |
`--------------------------------------------------------------------*/
yysetstate:
  YYDPRINTF ((stderr, "Entering state %d\n", yystate));
  YY_ASSERT (0 <= yystate && yystate < YYNSTATES);
  YY_IGNORE_USELESS_CAST_BEGIN
  *yyssp = YY_CAST (yy_state_t, yystate);
  YY_IGNORE_USELESS_CAST_END
  YY_STACK_PRINT (yyss, yyssp);

  if (yyss + yystacksize - 1 <= yyssp)
#if !defined yyoverflow && !defined YYSTACK_RELOCATE
    YYNOMEM;
#else
    {
      /* Get the current used size of the three stacks, in elements.  */
      YYPTRDIFF_T yysize = yyssp - yyss + 1;

# if defined yyoverflow
      {
        /* Give user a chance to reallocate the stack.  Use copies of
           these so that the &'s don't force the real ones into
           memory.  */
        yy_state_t *yyss1 = yyss;
        YYSTYPE *yyvs1 = yyvs;
        YYLTYPE *yyls1 = yyls;

        /* Each stack pointer address is followed by the size of the
           data in use in that stack, in bytes.  This used to be a
           conditional around just the two extra args, but that might
           be undefined if yyoverflow is a macro.  */
        yyoverflow (YY_("memory exhausted"),
                    &yyss1, yysize * YYSIZEOF (*yyssp),
                    &yyvs1, yysize * YYSIZEOF (*yyvsp),
                    &yyls1, yysize * YYSIZEOF (*yylsp),
                    &yystacksize);
        yyss = yyss1;
        yyvs = yyvs1;
        yyls = yyls1;
      }
# else /* defined YYSTACK_RELOCATE */
      /* Extend the stack our own way.  */
      if (YYMAXDEPTH <= yystacksize)
        YYNOMEM;
      yystacksize *= 2;
      if (YYMAXDEPTH < yystacksize)
        yystacksize = YYMAXDEPTH;

      {
        yy_state_t *yyss1 = yyss;
        union yyalloc *yyptr =
          YY_CAST (union yyalloc *,
                   YYSTACK_ALLOC (YY_CAST (YYSIZE_T, YYSTACK_BYTES (yystacksize))));
        if (! yyptr)
          YYNOMEM;
        YYSTACK_RELOCATE (yyss_alloc, yyss);
        YYSTACK_RELOCATE (yyvs_alloc, yyvs);
        YYSTACK_RELOCATE (yyls_alloc, yyls);
#  undef YYSTACK_RELOCATE
        if (yyss1 != yyssa)
          YYSTACK_FREE (yyss1);
      }
# endif

      yyssp = yyss + yysize - 1;
      yyvsp = yyvs + yysize - 1;
      yylsp = yyls + yysize - 1;

      YY_IGNORE_USELESS_CAST_BEGIN
      YYDPRINTF ((stderr, "Stack size increased to %ld\n",
                  YY_CAST (long, yystacksize)));
      YY_IGNORE_USELESS_CAST_END

      if (yyss + yystacksize - 1 <= yyssp)
        YYABORT;
    }
#endif /* !defined yyoverflow && !defined YYSTACK_RELOCATE */


  if (yystate == YYFINAL)
    YYACCEPT;

  goto yybackup;


/*-----------.
| yybackup.  |
`-----------*/
yybackup:
  /* Do appropriate processing given the current state.  Read a
     lookahead token if we need one and don't already have one.  */

  /* First try to decide what to do without reference to lookahead token.  */
  yyn = yypact[yystate];
  if (yypact_value_is_default (yyn))
    goto yydefault;

  /* Not known => get a lookahead token if don't already have one.  */

  /* YYCHAR is either empty, or end-of-input, or a valid lookahead.  */
  if (yychar == YYEMPTY)
    {
      if (!yyps->yynew)
        {
          YYDPRINTF ((stderr, "Return for a new token:\n"));
          yyresult = YYPUSH_MORE;
          goto yypushreturn;
        }
      yyps->yynew = 0;
yyread_pushed_token:
      YYDPRINTF ((stderr, "Reading a token\n"));
      yychar = yypushed_char;
      if (yypushed_val)
        yylval = *yypushed_val;
      if (yypushed_loc)
        yylloc = *yypushed_loc;
    }

  if (yychar <= YYEOF)
    {
      yychar = YYEOF;
      yytoken = YYSYMBOL_YYEOF;
      YYDPRINTF ((stderr, "Now at end of input.\n"));
    }
  else if (yychar == YYerror)
    {
      /* The scanner already issued an error message, process directly
         to error recovery.  But do not keep the error token as
         lookahead, it is too special and may lead us to an endless
         loop in error recovery. */
      yychar = YYUNDEF;
      yytoken = YYSYMBOL_YYerror;
      yyerror_range[1] = yylloc;
      goto yyerrlab1;
    }
  else
    {
      yytoken = YYTRANSLATE (yychar);
      YY_SYMBOL_PRINT ("Next token is", yytoken, &yylval, &yylloc);
    }

  /* If the proper action on seeing token YYTOKEN is to reduce or to
     detect an error, take that action.  */
  yyn += yytoken;
  if (yyn < 0 || YYLAST < yyn || yycheck[yyn] != yytoken)
    goto yydefault;
  yyn = yytable[yyn];
  if (yyn <= 0)
    {
      if (yytable_value_is_error (yyn))
        goto yyerrlab;
      yyn = -yyn;
      goto yyreduce;
    }

  /* Count tokens shifted since error; after three, turn off error
     status.  */
  if (yyerrstatus)
    yyerrstatus--;

  /* Shift the lookahead token.  */
  YY_SYMBOL_PRINT ("Shifting", yytoken, &yylval, &yylloc);
  yystate = yyn;
  YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
  *++yyvsp = yylval;
  YY_IGNORE_MAYBE_UNINITIALIZED_END
  *++yylsp = yylloc;

  /* Discard the shifted token.  */
  yychar = YYEMPTY;
  goto yynewstate;


/*-----------------------------------------------------------.
| yydefault -- do the default action for the current state.  |
`-----------------------------------------------------------*/
yydefault:
  yyn = yydefact[yystate];
  if (yyn == 0)
    goto yyerrlab;
  goto yyreduce;


/*-----------------------------.
| yyreduce -- do a reduction.  |
`-----------------------------*/
yyreduce:
  /* yyn is the number of a rule to reduce with.  */
  yylen = yyr2[yyn];

  /* If YYLEN is nonzero, implement the default value of the action:
     '$$ = $1'.

     Otherwise, the following line sets YYVAL to garbage.
     This behavior is undocumented and Bison
     users should not rely upon it.  Assigning to YYVAL
     unconditionally makes the parser a bit smaller, and it avoids a
     GCC warning that YYVAL may be used uninitialized.  */
  yyval = yyvsp[1-yylen];

  /* Default location. */
  YYLLOC_DEFAULT (yyloc, (yylsp - yylen), yylen);
  yyerror_range[1] = yyloc;
  YY_REDUCE_PRINT (yyn);
  switch (yyn)
    {
  case 3: /* file: file item  */
#line 118 "../compiler/parse.y"
                { cc_parse_pending_check(pc); }
#line 1974 "compiler/sipcc-parse.c"
    break;

  case 4: /* item: "listen" "identifier" "address"  */
#line 123 "../compiler/parse.y"
                { if (cc_parse_policy_only(pc, (yylsp[-2]), "listen"))
			cc_parse_listen(pc, (yyloc), (yyvsp[-1].name), (yylsp[-1]), (yyvsp[0].name), (yylsp[0])); }
#line 1981 "compiler/sipcc-parse.c"
    break;

  case 5: /* item: "domain" "string"  */
#line 126 "../compiler/parse.y"
                { if (cc_parse_policy_only(pc, (yylsp[-1]), "domain"))
			cc_parse_domain(pc, (yylsp[0]), (yyvsp[0].str).s, (yyvsp[0].str).len); }
#line 1988 "compiler/sipcc-parse.c"
    break;

  case 6: /* item: "define" "identifier" '=' literal  */
#line 129 "../compiler/parse.y"
                { if (cc_parse_policy_only(pc, (yylsp[-3]), "define"))
			cc_parse_define(pc, (yylsp[-2]), (yyvsp[-2].name), (yyvsp[0].expr)); }
#line 1995 "compiler/sipcc-parse.c"
    break;

  case 7: /* item: "route" "identifier" block  */
#line 132 "../compiler/parse.y"
                { cc_parse_route(pc, (yyloc), (yyvsp[-1].name), (yylsp[-1]), NULL, (yylsp[-1]), (yyvsp[0].stmt)); }
#line 2001 "compiler/sipcc-parse.c"
    break;

  case 8: /* item: "route" "identifier" "identifier" block  */
#line 134 "../compiler/parse.y"
                { cc_parse_timer(pc, cc_parse_route(pc, (yyloc), (yyvsp[-2].name), (yylsp[-2]), (yyvsp[-1].name), (yylsp[-1]), (yyvsp[0].stmt)),
				 NULL, (yylsp[-1]), 0, NULL, (yylsp[-1])); }
#line 2008 "compiler/sipcc-parse.c"
    break;

  case 9: /* item: "route" "identifier" "identifier" '.' "identifier" block  */
#line 137 "../compiler/parse.y"
                { cc_parse_route(pc, (yyloc), (yyvsp[-4].name), (yylsp[-4]), cc_parse_dotted((yyvsp[-3].name), (yyvsp[-1].name)), cc_loc_span((yylsp[-3]), (yylsp[-1])), (yyvsp[0].stmt)); }
#line 2014 "compiler/sipcc-parse.c"
    break;

  case 10: /* item: "event" "identifier" '(' params_opt ')' doc_opt ';'  */
#line 139 "../compiler/parse.y"
                { cc_parse_event(pc, (yylsp[-5]), (yyvsp[-5].name), (yyvsp[-3].params), (yyvsp[-1].name)); }
#line 2020 "compiler/sipcc-parse.c"
    break;

  case 11: /* item: "route" "identifier" "identifier" "identifier" "integer" "identifier" block  */
#line 141 "../compiler/parse.y"
                { cc_parse_timer(pc, cc_parse_route(pc, (yyloc), (yyvsp[-5].name), (yylsp[-5]), (yyvsp[-4].name), (yylsp[-4]), (yyvsp[0].stmt)),
				 (yyvsp[-3].name), (yylsp[-3]), (yyvsp[-2].ival), (yyvsp[-1].name), cc_loc_span((yylsp[-2]), (yylsp[-1]))); }
#line 2027 "compiler/sipcc-parse.c"
    break;

  case 12: /* item: '@' "identifier" annot_args_opt  */
#line 144 "../compiler/parse.y"
                { cc_parse_annotate_item(pc, (yylsp[-2]), (yylsp[-1]), (yyvsp[-1].name), (yyvsp[0].names)); }
#line 2033 "compiler/sipcc-parse.c"
    break;

  case 13: /* item: "include" "string"  */
#line 146 "../compiler/parse.y"
                { if (cc_parse_policy_only(pc, (yylsp[-1]), "include"))
			cc_parse_include_note(pc, (yylsp[0]), cc_strndup((yyvsp[0].str).s, (yyvsp[0].str).len)); }
#line 2040 "compiler/sipcc-parse.c"
    break;

  case 14: /* item: "database" "string"  */
#line 149 "../compiler/parse.y"
                { if (cc_parse_policy_only(pc, (yylsp[-1]), "database"))
			cc_parse_database(pc, (yylsp[0]), cc_strndup((yyvsp[0].str).s, (yyvsp[0].str).len)); }
#line 2047 "compiler/sipcc-parse.c"
    break;

  case 15: /* item: "use" "identifier" '{' use_items '}'  */
#line 152 "../compiler/parse.y"
                { if (cc_parse_policy_only(pc, (yylsp[-4]), "use"))
			cc_parse_use(pc, (yylsp[-3]), (yyvsp[-3].name), (yyvsp[-1].uses).first); }
#line 2054 "compiler/sipcc-parse.c"
    break;

  case 16: /* item: "use" "identifier" ';'  */
#line 155 "../compiler/parse.y"
                { if (cc_parse_policy_only(pc, (yylsp[-2]), "use"))
			cc_parse_use(pc, (yylsp[-1]), (yyvsp[-1].name), NULL); }
#line 2061 "compiler/sipcc-parse.c"
    break;

  case 17: /* item: "setting" "identifier" '.' "identifier" ':' type '=' literal doc_opt ';'  */
#line 158 "../compiler/parse.y"
                { if (cc_parse_stdlib_only(pc, (yylsp[-9]), "setting"))
			cc_parse_setting(pc, cc_loc_span((yylsp[-8]), (yylsp[-6])), (yyvsp[-8].name), (yyvsp[-6].name), (yyvsp[-4].tref), (yyvsp[-2].expr), (yyvsp[-1].name)); }
#line 2068 "compiler/sipcc-parse.c"
    break;

  case 18: /* item: "setting" "identifier" '.' "identifier" ':' type '=' literal "identifier" '(' args ')' doc_opt ';'  */
#line 161 "../compiler/parse.y"
                { if (cc_parse_stdlib_only(pc, (yylsp[-13]), "setting"))
			cc_parse_setting_values(cc_parse_setting(pc, cc_loc_span((yylsp[-12]), (yylsp[-10])), (yyvsp[-12].name), (yyvsp[-10].name),
								 (yyvsp[-8].tref), (yyvsp[-6].expr), (yyvsp[-1].name)), (yyvsp[-5].name), (yylsp[-5]), (yyvsp[-3].args)); }
#line 2076 "compiler/sipcc-parse.c"
    break;

  case 19: /* item: "route" "identifier" '(' params_opt ')' block  */
#line 165 "../compiler/parse.y"
                { cc_parse_route_sig(pc, cc_parse_route(pc, (yyloc), (yyvsp[-4].name), (yylsp[-4]), NULL, (yylsp[-4]), (yyvsp[0].stmt)), (yyvsp[-2].params),
				     (struct cc_type_ref){ CC_TY_VOID, CC_RK_NAMED, CC_TY_ERROR }, (yylsp[-1])); }
#line 2083 "compiler/sipcc-parse.c"
    break;

  case 20: /* item: "route" "identifier" '(' params_opt ')' ':' type block  */
#line 168 "../compiler/parse.y"
                { cc_parse_route_sig(pc, cc_parse_route(pc, (yyloc), (yyvsp[-6].name), (yylsp[-6]), NULL, (yylsp[-6]), (yyvsp[0].stmt)), (yyvsp[-4].params), (yyvsp[-1].tref), (yylsp[-1])); }
#line 2089 "compiler/sipcc-parse.c"
    break;

  case 21: /* item: "flag" "identifier"  */
#line 170 "../compiler/parse.y"
                { cc_parse_flag(pc, (yylsp[0]), (yyvsp[0].name), false); }
#line 2095 "compiler/sipcc-parse.c"
    break;

  case 22: /* item: "bflag" "identifier"  */
#line 172 "../compiler/parse.y"
                { cc_parse_flag(pc, (yylsp[0]), (yyvsp[0].name), true); }
#line 2101 "compiler/sipcc-parse.c"
    break;

  case 23: /* item: "avp" "identifier" ':' "identifier"  */
#line 174 "../compiler/parse.y"
                { cc_parse_avp(pc, (yylsp[-2]), (yyvsp[-2].name), (yyvsp[0].name), (yylsp[0]), false); }
#line 2107 "compiler/sipcc-parse.c"
    break;

  case 24: /* item: "dlgvar" "identifier" ':' "identifier"  */
#line 176 "../compiler/parse.y"
                { cc_parse_avp(pc, (yylsp[-2]), (yyvsp[-2].name), (yyvsp[0].name), (yylsp[0]), true); }
#line 2113 "compiler/sipcc-parse.c"
    break;

  case 25: /* item: "profile" "identifier"  */
#line 178 "../compiler/parse.y"
                { cc_parse_profile(pc, (yylsp[0]), (yyvsp[0].name), NULL, (yylsp[0])); }
#line 2119 "compiler/sipcc-parse.c"
    break;

  case 26: /* item: "profile" "identifier" ':' "identifier"  */
#line 180 "../compiler/parse.y"
                { cc_parse_profile(pc, (yylsp[-2]), (yyvsp[-2].name), (yyvsp[0].name), (yylsp[0])); }
#line 2125 "compiler/sipcc-parse.c"
    break;

  case 27: /* item: "module" "identifier" module_deps_opt ';'  */
#line 182 "../compiler/parse.y"
                { if (cc_parse_stdlib_only(pc, (yylsp[-3]), "module"))
			cc_parse_module(pc, (yylsp[-3]), (yyvsp[-2].name), (yylsp[-2]), (yyvsp[-1].moddecl)); }
#line 2132 "compiler/sipcc-parse.c"
    break;

  case 28: /* item: "module" "domain" module_deps_opt ';'  */
#line 185 "../compiler/parse.y"
                { if (cc_parse_stdlib_only(pc, (yylsp[-3]), "module"))
			cc_parse_module(pc, (yylsp[-3]), "domain", (yylsp[-2]), (yyvsp[-1].moddecl)); }
#line 2139 "compiler/sipcc-parse.c"
    break;

  case 29: /* item: "fn" "identifier" '(' params_opt ')' ':' type "in" '(' kinds ')' marks_opt "calls" "identifier" doc_opt ';'  */
#line 188 "../compiler/parse.y"
                { if (cc_parse_stdlib_only(pc, (yylsp[-15]), "fn"))
			cc_parse_fn(pc, (yylsp[-14]), (yyvsp[-14].name), (yyvsp[-12].params), (yyvsp[-9].tref), (yyvsp[-6].mask), (yyvsp[-4].mask), (yyvsp[-2].name), (yyvsp[-1].name)); }
#line 2146 "compiler/sipcc-parse.c"
    break;

  case 30: /* item: "pv" pv_name ':' type rw_opt "in" '(' kinds ')' "calls" "identifier" doc_opt ';'  */
#line 191 "../compiler/parse.y"
                { if (cc_parse_stdlib_only(pc, (yylsp[-12]), "pv"))
			cc_parse_pv(pc, (yylsp[-11]), (yyvsp[-11].name), NULL, (yyvsp[-9].tref), (yyvsp[-8].flag), (yyvsp[-5].mask), (yyvsp[-2].name), (yyvsp[-1].name)); }
#line 2153 "compiler/sipcc-parse.c"
    break;

  case 31: /* item: "pv" "pseudo-variable with argument" ':' type rw_opt "in" '(' kinds ')' pv_args_opt "calls" "identifier" doc_opt ';'  */
#line 194 "../compiler/parse.y"
                { if (cc_parse_stdlib_only(pc, (yylsp[-13]), "pv"))
			cc_parse_pv(pc, (yylsp[-12]), (yyvsp[-12].pvarg).name, (yyvsp[-12].pvarg).arg, (yyvsp[-10].tref), (yyvsp[-9].flag), (yyvsp[-6].mask), (yyvsp[-2].name), (yyvsp[-1].name));
		  if ((yyvsp[-4].names))
			cc_parse_pv_args(pc, (yylsp[-4]), (yyvsp[-12].pvarg).name, (yyvsp[-4].names)); }
#line 2162 "compiler/sipcc-parse.c"
    break;

  case 32: /* item: "status" "identifier" doc_opt ';'  */
#line 199 "../compiler/parse.y"
                { if (cc_parse_stdlib_only(pc, (yylsp[-3]), "status"))
			cc_parse_status(pc, (yylsp[-2]), (yyvsp[-2].name), (yyvsp[-1].name)); }
#line 2169 "compiler/sipcc-parse.c"
    break;

  case 33: /* item: "const" "identifier" ':' type '=' const_value doc_opt ';'  */
#line 202 "../compiler/parse.y"
                { if (cc_parse_stdlib_only(pc, (yylsp[-7]), "const"))
			cc_parse_const(pc, (yylsp[-6]), (yyvsp[-6].name), (yyvsp[-4].tref), (yyvsp[-2].expr), (yyvsp[-1].name)); }
#line 2176 "compiler/sipcc-parse.c"
    break;

  case 36: /* annot_args_opt: %empty  */
#line 209 "../compiler/parse.y"
                               { (yyval.names) = NULL; }
#line 2182 "compiler/sipcc-parse.c"
    break;

  case 37: /* annot_args_opt: '(' names ')'  */
#line 210 "../compiler/parse.y"
                               { (yyval.names) = (yyvsp[-1].names); }
#line 2188 "compiler/sipcc-parse.c"
    break;

  case 38: /* names: "identifier"  */
#line 214 "../compiler/parse.y"
                               { (yyval.names) = cc_parse_name_add(NULL, (yyvsp[0].name), (yylsp[0])); }
#line 2194 "compiler/sipcc-parse.c"
    break;

  case 39: /* names: names ',' "identifier"  */
#line 215 "../compiler/parse.y"
                               { (yyval.names) = cc_parse_name_add((yyvsp[-2].names), (yyvsp[0].name), (yylsp[0])); }
#line 2200 "compiler/sipcc-parse.c"
    break;

  case 40: /* module_deps_opt: %empty  */
#line 219 "../compiler/parse.y"
                               { (yyval.moddecl) = cc_alloc(sizeof *(yyval.moddecl)); }
#line 2206 "compiler/sipcc-parse.c"
    break;

  case 41: /* module_deps_opt: module_deps_opt "identifier" '(' names ')'  */
#line 221 "../compiler/parse.y"
                { (yyval.moddecl) = cc_parse_module_deps((yyvsp[-4].moddecl), (yyvsp[-3].name), (yylsp[-3]), (yyvsp[-1].names)); }
#line 2212 "compiler/sipcc-parse.c"
    break;

  case 42: /* pv_args_opt: %empty  */
#line 226 "../compiler/parse.y"
                               { (yyval.names) = NULL; }
#line 2218 "compiler/sipcc-parse.c"
    break;

  case 43: /* pv_args_opt: "identifier" '(' names ')'  */
#line 228 "../compiler/parse.y"
                { (yyval.names) = cc_parse_pv_one_of(pc, (yyvsp[-3].name), (yylsp[-3]), (yyvsp[-1].names)); }
#line 2224 "compiler/sipcc-parse.c"
    break;

  case 44: /* marks_opt: %empty  */
#line 232 "../compiler/parse.y"
                               { (yyval.mask) = 0; }
#line 2230 "compiler/sipcc-parse.c"
    break;

  case 45: /* marks_opt: "identifier" '(' names ')'  */
#line 233 "../compiler/parse.y"
                               { (yyval.mask) = cc_parse_marks(pc, (yyvsp[-3].name), (yylsp[-3]), (yyvsp[-1].names)); }
#line 2236 "compiler/sipcc-parse.c"
    break;

  case 46: /* use_items: %empty  */
#line 237 "../compiler/parse.y"
                               { (yyval.uses).first = (yyval.uses).last = NULL; }
#line 2242 "compiler/sipcc-parse.c"
    break;

  case 47: /* use_items: use_items "identifier" '=' literal ';'  */
#line 239 "../compiler/parse.y"
                { (yyval.uses) = cc_parse_use_add((yyvsp[-4].uses), (yyvsp[-3].name), (yylsp[-3]), (yyvsp[-1].expr)); }
#line 2248 "compiler/sipcc-parse.c"
    break;

  case 48: /* use_items: use_items error ';'  */
#line 240 "../compiler/parse.y"
                               { (yyval.uses) = (yyvsp[-2].uses); }
#line 2254 "compiler/sipcc-parse.c"
    break;

  case 49: /* literal: "integer"  */
#line 245 "../compiler/parse.y"
                { (yyval.expr) = cc_expr_new(E_INT, (yyloc)); (yyval.expr)->u.ival = (yyvsp[0].ival); }
#line 2260 "compiler/sipcc-parse.c"
    break;

  case 50: /* literal: '-' "integer"  */
#line 247 "../compiler/parse.y"
                { (yyval.expr) = cc_expr_new(E_INT, (yyloc)); (yyval.expr)->u.ival = -(yyvsp[0].ival); }
#line 2266 "compiler/sipcc-parse.c"
    break;

  case 51: /* literal: "string"  */
#line 249 "../compiler/parse.y"
                { (yyval.expr) = cc_parse_str((yyvsp[0].str).s, (yyvsp[0].str).len, false, (yyloc)); }
#line 2272 "compiler/sipcc-parse.c"
    break;

  case 52: /* literal: "true"  */
#line 251 "../compiler/parse.y"
                { (yyval.expr) = cc_expr_new(E_BOOL, (yyloc)); (yyval.expr)->u.ival = 1; }
#line 2278 "compiler/sipcc-parse.c"
    break;

  case 53: /* literal: "false"  */
#line 253 "../compiler/parse.y"
                { (yyval.expr) = cc_expr_new(E_BOOL, (yyloc)); (yyval.expr)->u.ival = 0; }
#line 2284 "compiler/sipcc-parse.c"
    break;

  case 54: /* block: '{' stmts '}'  */
#line 258 "../compiler/parse.y"
                { (yyval.stmt) = cc_stmt_new(S_BLOCK, (yylsp[-2])); (yyval.stmt)->u.block.first = (yyvsp[-1].slist).first; }
#line 2290 "compiler/sipcc-parse.c"
    break;

  case 55: /* block: '{' stmts error '}'  */
#line 260 "../compiler/parse.y"
                { (yyval.stmt) = cc_stmt_new(S_BLOCK, (yylsp[-3])); (yyval.stmt)->u.block.first = (yyvsp[-2].slist).first; }
#line 2296 "compiler/sipcc-parse.c"
    break;

  case 56: /* stmts: %empty  */
#line 265 "../compiler/parse.y"
                { (yyval.slist).first = (yyval.slist).last = NULL; }
#line 2302 "compiler/sipcc-parse.c"
    break;

  case 57: /* stmts: stmts stmt  */
#line 267 "../compiler/parse.y"
                { (yyval.slist) = cc_parse_stmt_add((yyvsp[-1].slist), (yyvsp[0].stmt)); }
#line 2308 "compiler/sipcc-parse.c"
    break;

  case 58: /* stmt: "if" '(' expr ')' stmt  */
#line 272 "../compiler/parse.y"
                { (yyval.stmt) = cc_parse_if((yylsp[-4]), (yyvsp[-2].expr), (yyvsp[0].stmt), NULL); }
#line 2314 "compiler/sipcc-parse.c"
    break;

  case 59: /* stmt: "if" '(' expr ')' stmt "else" stmt  */
#line 274 "../compiler/parse.y"
                { (yyval.stmt) = cc_parse_if((yylsp[-6]), (yyvsp[-4].expr), (yyvsp[-2].stmt), (yyvsp[0].stmt)); }
#line 2320 "compiler/sipcc-parse.c"
    break;

  case 61: /* stmt: "exit" ';'  */
#line 277 "../compiler/parse.y"
                { (yyval.stmt) = cc_stmt_new(S_EXIT, (yylsp[-1])); }
#line 2326 "compiler/sipcc-parse.c"
    break;

  case 62: /* stmt: "drop" ';'  */
#line 279 "../compiler/parse.y"
                { (yyval.stmt) = cc_stmt_new(S_DROP, (yylsp[-1])); }
#line 2332 "compiler/sipcc-parse.c"
    break;

  case 63: /* stmt: "return" ';'  */
#line 281 "../compiler/parse.y"
                { (yyval.stmt) = cc_stmt_new(S_RETURN, (yylsp[-1])); }
#line 2338 "compiler/sipcc-parse.c"
    break;

  case 64: /* stmt: "return" expr ';'  */
#line 283 "../compiler/parse.y"
                { (yyval.stmt) = cc_stmt_new(S_RETURN, (yylsp[-2])); (yyval.stmt)->u.ret.value = (yyvsp[-1].expr); }
#line 2344 "compiler/sipcc-parse.c"
    break;

  case 65: /* stmt: "break" ';'  */
#line 285 "../compiler/parse.y"
                { (yyval.stmt) = cc_stmt_new(S_BREAK, (yylsp[-1])); }
#line 2350 "compiler/sipcc-parse.c"
    break;

  case 66: /* stmt: '@' "identifier" annot_args_opt stmt  */
#line 287 "../compiler/parse.y"
                { (yyval.stmt) = cc_parse_annotate_stmt(pc, (yylsp[-3]), (yylsp[-2]), (yyvsp[-2].name), (yyvsp[-1].names), (yyvsp[0].stmt)); }
#line 2356 "compiler/sipcc-parse.c"
    break;

  case 67: /* stmt: "while" '(' expr ')' stmt  */
#line 289 "../compiler/parse.y"
                { (yyval.stmt) = cc_parse_while((yylsp[-4]), (yyvsp[-2].expr), (yyvsp[0].stmt), CC_WHILE_MAX_DEFAULT, (yylsp[-4])); }
#line 2362 "compiler/sipcc-parse.c"
    break;

  case 68: /* stmt: "while" '(' expr ')' "max" "integer" stmt  */
#line 291 "../compiler/parse.y"
                { (yyval.stmt) = cc_parse_while((yylsp[-6]), (yyvsp[-4].expr), (yyvsp[0].stmt), (yyvsp[-1].ival), (yylsp[-1])); }
#line 2368 "compiler/sipcc-parse.c"
    break;

  case 69: /* stmt: "switch" '(' expr ')' '{' cases '}'  */
#line 293 "../compiler/parse.y"
                { (yyval.stmt) = cc_parse_switch((yylsp[-6]), (yyvsp[-4].expr), (yyvsp[-1].cases).first); }
#line 2374 "compiler/sipcc-parse.c"
    break;

  case 70: /* stmt: "var" "identifier" ':' "identifier" ';'  */
#line 295 "../compiler/parse.y"
                { (yyval.stmt) = cc_parse_var(pc, cc_loc_span((yylsp[-4]), (yylsp[-1])), (yyvsp[-3].name), (yylsp[-3]), (yyvsp[-1].name), (yylsp[-1]), NULL); }
#line 2380 "compiler/sipcc-parse.c"
    break;

  case 71: /* stmt: "var" "identifier" ':' "identifier" '=' expr ';'  */
#line 297 "../compiler/parse.y"
                { (yyval.stmt) = cc_parse_var(pc, cc_loc_span((yylsp[-6]), (yylsp[-3])), (yyvsp[-5].name), (yylsp[-5]), (yyvsp[-3].name), (yylsp[-3]), (yyvsp[-1].expr)); }
#line 2386 "compiler/sipcc-parse.c"
    break;

  case 72: /* stmt: "identifier" '=' expr ';'  */
#line 299 "../compiler/parse.y"
                { (yyval.stmt) = cc_parse_assign(cc_loc_span((yylsp[-3]), (yylsp[-1])), (yyvsp[-3].name), NULL, (yylsp[-3]), (yyvsp[-1].expr), true); }
#line 2392 "compiler/sipcc-parse.c"
    break;

  case 73: /* stmt: "pseudo-variable with argument" '=' expr ';'  */
#line 301 "../compiler/parse.y"
                { (yyval.stmt) = cc_parse_assign(cc_loc_span((yylsp[-3]), (yylsp[-1])), (yyvsp[-3].pvarg).name, (yyvsp[-3].pvarg).arg, (yylsp[-3]), (yyvsp[-1].expr), false); }
#line 2398 "compiler/sipcc-parse.c"
    break;

  case 74: /* stmt: "route" '(' "identifier" ')' ';'  */
#line 303 "../compiler/parse.y"
                { (yyval.stmt) = cc_parse_route_call(cc_loc_span((yylsp[-4]), (yylsp[-1])), (yyvsp[-2].name), (yylsp[-2])); }
#line 2404 "compiler/sipcc-parse.c"
    break;

  case 75: /* stmt: "pseudo-variable" '=' expr ';'  */
#line 305 "../compiler/parse.y"
                { (yyval.stmt) = cc_parse_assign(cc_loc_span((yylsp[-3]), (yylsp[-1])), (yyvsp[-3].name), NULL, (yylsp[-3]), (yyvsp[-1].expr), false); }
#line 2410 "compiler/sipcc-parse.c"
    break;

  case 76: /* stmt: call ';'  */
#line 307 "../compiler/parse.y"
                { (yyval.stmt) = cc_stmt_new(S_EXPR, (yylsp[-1])); (yyval.stmt)->u.expr = (yyvsp[-1].expr); }
#line 2416 "compiler/sipcc-parse.c"
    break;

  case 77: /* stmt: error ';'  */
#line 309 "../compiler/parse.y"
                { (yyval.stmt) = NULL; }
#line 2422 "compiler/sipcc-parse.c"
    break;

  case 78: /* stmt: error block  */
#line 311 "../compiler/parse.y"
                { (yyval.stmt) = NULL; }
#line 2428 "compiler/sipcc-parse.c"
    break;

  case 79: /* cases: %empty  */
#line 316 "../compiler/parse.y"
                { (yyval.cases).first = (yyval.cases).last = NULL; }
#line 2434 "compiler/sipcc-parse.c"
    break;

  case 80: /* cases: cases "case" expr ':'  */
#line 318 "../compiler/parse.y"
                { (yyval.cases) = cc_parse_case_label((yyvsp[-3].cases), (yyvsp[-1].expr), (yylsp[-2])); }
#line 2440 "compiler/sipcc-parse.c"
    break;

  case 81: /* cases: cases "default" ':'  */
#line 320 "../compiler/parse.y"
                { (yyval.cases) = cc_parse_case_label((yyvsp[-2].cases), NULL, (yylsp[-1])); }
#line 2446 "compiler/sipcc-parse.c"
    break;

  case 82: /* cases: cases stmt  */
#line 322 "../compiler/parse.y"
                { (yyval.cases) = cc_parse_case_stmt(pc, (yyvsp[-1].cases), (yyvsp[0].stmt)); }
#line 2452 "compiler/sipcc-parse.c"
    break;

  case 83: /* call: "identifier" '(' args_opt ')'  */
#line 327 "../compiler/parse.y"
                { (yyval.expr) = cc_parse_call((yyloc), (yyvsp[-3].name), (yyvsp[-1].args)); }
#line 2458 "compiler/sipcc-parse.c"
    break;

  case 84: /* args_opt: %empty  */
#line 331 "../compiler/parse.y"
                    { (yyval.args) = NULL; }
#line 2464 "compiler/sipcc-parse.c"
    break;

  case 86: /* args: expr  */
#line 336 "../compiler/parse.y"
                                 { (yyval.args) = cc_parse_arg_add(NULL, NULL, (yyvsp[0].expr)); }
#line 2470 "compiler/sipcc-parse.c"
    break;

  case 87: /* args: "identifier" ':' expr  */
#line 337 "../compiler/parse.y"
                                 { (yyval.args) = cc_parse_arg_add(NULL, (yyvsp[-2].name), (yyvsp[0].expr)); }
#line 2476 "compiler/sipcc-parse.c"
    break;

  case 88: /* args: args ',' expr  */
#line 338 "../compiler/parse.y"
                                 { (yyval.args) = cc_parse_arg_add((yyvsp[-2].args), NULL, (yyvsp[0].expr)); }
#line 2482 "compiler/sipcc-parse.c"
    break;

  case 89: /* args: args ',' "identifier" ':' expr  */
#line 339 "../compiler/parse.y"
                                  { (yyval.args) = cc_parse_arg_add((yyvsp[-4].args), (yyvsp[-2].name), (yyvsp[0].expr)); }
#line 2488 "compiler/sipcc-parse.c"
    break;

  case 90: /* expr: expr "||" expr  */
#line 343 "../compiler/parse.y"
                          { (yyval.expr) = cc_parse_binary(B_OR, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2494 "compiler/sipcc-parse.c"
    break;

  case 91: /* expr: expr "&&" expr  */
#line 344 "../compiler/parse.y"
                          { (yyval.expr) = cc_parse_binary(B_AND, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2500 "compiler/sipcc-parse.c"
    break;

  case 92: /* expr: expr "==" expr  */
#line 345 "../compiler/parse.y"
                          { (yyval.expr) = cc_parse_binary(B_EQ, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2506 "compiler/sipcc-parse.c"
    break;

  case 93: /* expr: expr "!=" expr  */
#line 346 "../compiler/parse.y"
                          { (yyval.expr) = cc_parse_binary(B_NE, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2512 "compiler/sipcc-parse.c"
    break;

  case 94: /* expr: expr '<' expr  */
#line 347 "../compiler/parse.y"
                          { (yyval.expr) = cc_parse_binary(B_LT, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2518 "compiler/sipcc-parse.c"
    break;

  case 95: /* expr: expr '>' expr  */
#line 348 "../compiler/parse.y"
                          { (yyval.expr) = cc_parse_binary(B_GT, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2524 "compiler/sipcc-parse.c"
    break;

  case 96: /* expr: expr "<=" expr  */
#line 349 "../compiler/parse.y"
                          { (yyval.expr) = cc_parse_binary(B_LE, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2530 "compiler/sipcc-parse.c"
    break;

  case 97: /* expr: expr ">=" expr  */
#line 350 "../compiler/parse.y"
                          { (yyval.expr) = cc_parse_binary(B_GE, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2536 "compiler/sipcc-parse.c"
    break;

  case 98: /* expr: expr '+' expr  */
#line 351 "../compiler/parse.y"
                          { (yyval.expr) = cc_parse_binary(B_ADD, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2542 "compiler/sipcc-parse.c"
    break;

  case 99: /* expr: expr '-' expr  */
#line 352 "../compiler/parse.y"
                          { (yyval.expr) = cc_parse_binary(B_SUB, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2548 "compiler/sipcc-parse.c"
    break;

  case 100: /* expr: expr '*' expr  */
#line 353 "../compiler/parse.y"
                          { (yyval.expr) = cc_parse_binary(B_MUL, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2554 "compiler/sipcc-parse.c"
    break;

  case 101: /* expr: expr '/' expr  */
#line 354 "../compiler/parse.y"
                          { (yyval.expr) = cc_parse_binary(B_DIV, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2560 "compiler/sipcc-parse.c"
    break;

  case 102: /* expr: expr '%' expr  */
#line 355 "../compiler/parse.y"
                          { (yyval.expr) = cc_parse_binary(B_MOD, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2566 "compiler/sipcc-parse.c"
    break;

  case 103: /* expr: expr "=~" expr  */
#line 356 "../compiler/parse.y"
                          { (yyval.expr) = cc_parse_binary(B_MATCH, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2572 "compiler/sipcc-parse.c"
    break;

  case 104: /* expr: expr "!~" expr  */
#line 357 "../compiler/parse.y"
                           { (yyval.expr) = cc_parse_binary(B_NMATCH, (yyvsp[-2].expr), (yyvsp[0].expr), (yyloc)); }
#line 2578 "compiler/sipcc-parse.c"
    break;

  case 105: /* expr: "pseudo-variable with argument"  */
#line 359 "../compiler/parse.y"
                { (yyval.expr) = cc_parse_pvarg((yyvsp[0].pvarg).name, (yyvsp[0].pvarg).arg, (yyloc)); }
#line 2584 "compiler/sipcc-parse.c"
    break;

  case 106: /* expr: '!' expr  */
#line 361 "../compiler/parse.y"
                { (yyval.expr) = cc_parse_unary(U_NOT, (yyvsp[0].expr), (yyloc)); }
#line 2590 "compiler/sipcc-parse.c"
    break;

  case 107: /* expr: '-' expr  */
#line 363 "../compiler/parse.y"
                { (yyval.expr) = cc_parse_unary(U_NEG, (yyvsp[0].expr), (yyloc)); }
#line 2596 "compiler/sipcc-parse.c"
    break;

  case 108: /* expr: '(' expr ')'  */
#line 364 "../compiler/parse.y"
                          { (yyval.expr) = (yyvsp[-1].expr); }
#line 2602 "compiler/sipcc-parse.c"
    break;

  case 109: /* expr: "integer"  */
#line 366 "../compiler/parse.y"
                { (yyval.expr) = cc_expr_new(E_INT, (yyloc)); (yyval.expr)->u.ival = (yyvsp[0].ival); }
#line 2608 "compiler/sipcc-parse.c"
    break;

  case 110: /* expr: "string"  */
#line 368 "../compiler/parse.y"
                { (yyval.expr) = cc_parse_str((yyvsp[0].str).s, (yyvsp[0].str).len, (yyvsp[0].str).tmpl, (yyloc)); }
#line 2614 "compiler/sipcc-parse.c"
    break;

  case 111: /* expr: "true"  */
#line 370 "../compiler/parse.y"
                { (yyval.expr) = cc_expr_new(E_BOOL, (yyloc)); (yyval.expr)->u.ival = 1; }
#line 2620 "compiler/sipcc-parse.c"
    break;

  case 112: /* expr: "false"  */
#line 372 "../compiler/parse.y"
                { (yyval.expr) = cc_expr_new(E_BOOL, (yyloc)); (yyval.expr)->u.ival = 0; }
#line 2626 "compiler/sipcc-parse.c"
    break;

  case 113: /* expr: "pseudo-variable"  */
#line 374 "../compiler/parse.y"
                { (yyval.expr) = cc_expr_new(E_PV, (yyloc)); (yyval.expr)->u.pv.name = (yyvsp[0].name); }
#line 2632 "compiler/sipcc-parse.c"
    break;

  case 114: /* expr: "identifier"  */
#line 376 "../compiler/parse.y"
                { (yyval.expr) = cc_expr_new(E_IDENT, (yyloc)); (yyval.expr)->u.ident.name = (yyvsp[0].name); }
#line 2638 "compiler/sipcc-parse.c"
    break;

  case 116: /* params_opt: %empty  */
#line 381 "../compiler/parse.y"
                    { (yyval.params) = NULL; }
#line 2644 "compiler/sipcc-parse.c"
    break;

  case 118: /* params: param  */
#line 386 "../compiler/parse.y"
                             { (yyval.params) = cc_parse_param_add(NULL, (yyvsp[0].param)); }
#line 2650 "compiler/sipcc-parse.c"
    break;

  case 119: /* params: params ',' param  */
#line 387 "../compiler/parse.y"
                             { (yyval.params) = cc_parse_param_add((yyvsp[-2].params), (yyvsp[0].param)); }
#line 2656 "compiler/sipcc-parse.c"
    break;

  case 120: /* param: "identifier" ':' type  */
#line 392 "../compiler/parse.y"
                { (yyval.param) = cc_parse_param((yyvsp[-2].name), (yyvsp[0].tref), (yylsp[-2])); }
#line 2662 "compiler/sipcc-parse.c"
    break;

  case 121: /* param: "identifier" ':' type '=' literal  */
#line 394 "../compiler/parse.y"
                { (yyval.param) = cc_parse_param_default(pc, cc_parse_param((yyvsp[-4].name), (yyvsp[-2].tref), (yylsp[-4])), (yylsp[-1]), (yyvsp[0].expr)); }
#line 2668 "compiler/sipcc-parse.c"
    break;

  case 122: /* type: "identifier"  */
#line 398 "../compiler/parse.y"
                        { (yyval.tref) = cc_parse_type(pc, (yyvsp[0].name), (yylsp[0]), false); }
#line 2674 "compiler/sipcc-parse.c"
    break;

  case 123: /* type: "route" "identifier"  */
#line 399 "../compiler/parse.y"
                        { (yyval.tref) = cc_parse_type(pc, (yyvsp[0].name), (yylsp[0]), true); }
#line 2680 "compiler/sipcc-parse.c"
    break;

  case 124: /* type: "flag"  */
#line 400 "../compiler/parse.y"
                        { (yyval.tref) = (struct cc_type_ref){ CC_TY_FLAG, CC_RK_NAMED, CC_TY_ERROR }; }
#line 2686 "compiler/sipcc-parse.c"
    break;

  case 125: /* type: "bflag"  */
#line 401 "../compiler/parse.y"
                        { (yyval.tref) = (struct cc_type_ref){ CC_TY_BFLAG, CC_RK_NAMED, CC_TY_ERROR }; }
#line 2692 "compiler/sipcc-parse.c"
    break;

  case 126: /* type: "avp"  */
#line 402 "../compiler/parse.y"
                        { (yyval.tref) = (struct cc_type_ref){ CC_TY_AVP, CC_RK_NAMED, CC_TY_ERROR }; }
#line 2698 "compiler/sipcc-parse.c"
    break;

  case 127: /* type: "avp" "identifier"  */
#line 403 "../compiler/parse.y"
                        { (yyval.tref) = cc_parse_avp_type(pc, (yyvsp[0].name), (yylsp[0])); }
#line 2704 "compiler/sipcc-parse.c"
    break;

  case 128: /* type: "profile"  */
#line 404 "../compiler/parse.y"
                        { (yyval.tref) = (struct cc_type_ref){ CC_TY_PROFILE, CC_RK_NAMED, CC_TY_ERROR }; }
#line 2710 "compiler/sipcc-parse.c"
    break;

  case 129: /* kinds: "identifier"  */
#line 408 "../compiler/parse.y"
                             { (yyval.mask) = cc_parse_kind(pc, (yyvsp[0].name), (yylsp[0])); }
#line 2716 "compiler/sipcc-parse.c"
    break;

  case 130: /* kinds: "event"  */
#line 409 "../compiler/parse.y"
                             { (yyval.mask) = cc_parse_kind(pc, "event", (yylsp[0])); }
#line 2722 "compiler/sipcc-parse.c"
    break;

  case 131: /* kinds: kinds ',' "identifier"  */
#line 410 "../compiler/parse.y"
                             { (yyval.mask) = (yyvsp[-2].mask) | cc_parse_kind(pc, (yyvsp[0].name), (yylsp[0])); }
#line 2728 "compiler/sipcc-parse.c"
    break;

  case 132: /* kinds: kinds ',' "event"  */
#line 411 "../compiler/parse.y"
                             { (yyval.mask) = (yyvsp[-2].mask) | cc_parse_kind(pc, "event", (yylsp[0])); }
#line 2734 "compiler/sipcc-parse.c"
    break;

  case 133: /* rw_opt: %empty  */
#line 415 "../compiler/parse.y"
                    { (yyval.flag) = false; }
#line 2740 "compiler/sipcc-parse.c"
    break;

  case 134: /* rw_opt: "rw"  */
#line 416 "../compiler/parse.y"
                    { (yyval.flag) = true; }
#line 2746 "compiler/sipcc-parse.c"
    break;

  case 135: /* doc_opt: %empty  */
#line 420 "../compiler/parse.y"
                       { (yyval.name) = NULL; }
#line 2752 "compiler/sipcc-parse.c"
    break;

  case 136: /* doc_opt: "doc" "string"  */
#line 421 "../compiler/parse.y"
                       { (yyval.name) = cc_strndup((yyvsp[0].str).s, (yyvsp[0].str).len); }
#line 2758 "compiler/sipcc-parse.c"
    break;


#line 2762 "compiler/sipcc-parse.c"

      default: break;
    }
  /* User semantic actions sometimes alter yychar, and that requires
     that yytoken be updated with the new translation.  We take the
     approach of translating immediately before every use of yytoken.
     One alternative is translating here after every semantic action,
     but that translation would be missed if the semantic action invokes
     YYABORT, YYACCEPT, or YYERROR immediately after altering yychar or
     if it invokes YYBACKUP.  In the case of YYABORT or YYACCEPT, an
     incorrect destructor might then be invoked immediately.  In the
     case of YYERROR or YYBACKUP, subsequent parser actions might lead
     to an incorrect destructor call or verbose syntax error message
     before the lookahead is translated.  */
  YY_SYMBOL_PRINT ("-> $$ =", YY_CAST (yysymbol_kind_t, yyr1[yyn]), &yyval, &yyloc);

  YYPOPSTACK (yylen);
  yylen = 0;

  *++yyvsp = yyval;
  *++yylsp = yyloc;

  /* Now 'shift' the result of the reduction.  Determine what state
     that goes to, based on the state we popped back to and the rule
     number reduced by.  */
  {
    const int yylhs = yyr1[yyn] - YYNTOKENS;
    const int yyi = yypgoto[yylhs] + *yyssp;
    yystate = (0 <= yyi && yyi <= YYLAST && yycheck[yyi] == *yyssp
               ? yytable[yyi]
               : yydefgoto[yylhs]);
  }

  goto yynewstate;


/*--------------------------------------.
| yyerrlab -- here on detecting error.  |
`--------------------------------------*/
yyerrlab:
  /* Make sure we have latest lookahead translation.  See comments at
     user semantic actions for why this is necessary.  */
  yytoken = yychar == YYEMPTY ? YYSYMBOL_YYEMPTY : YYTRANSLATE (yychar);
  /* If not already recovering from an error, report this error.  */
  if (!yyerrstatus)
    {
      ++yynerrs;
      {
        yypcontext_t yyctx
          = {yyps, yytoken, &yylloc};
        if (yyreport_syntax_error (&yyctx, pc, scanner) == 2)
          YYNOMEM;
      }
    }

  yyerror_range[1] = yylloc;
  if (yyerrstatus == 3)
    {
      /* If just tried and failed to reuse lookahead token after an
         error, discard it.  */

      if (yychar <= YYEOF)
        {
          /* Return failure if at end of input.  */
          if (yychar == YYEOF)
            YYABORT;
        }
      else
        {
          yydestruct ("Error: discarding",
                      yytoken, &yylval, &yylloc, pc, scanner);
          yychar = YYEMPTY;
        }
    }

  /* Else will try to reuse lookahead token after shifting the error
     token.  */
  goto yyerrlab1;


/*---------------------------------------------------.
| yyerrorlab -- error raised explicitly by YYERROR.  |
`---------------------------------------------------*/
yyerrorlab:
  /* Pacify compilers when the user code never invokes YYERROR and the
     label yyerrorlab therefore never appears in user code.  */
  if (0)
    YYERROR;
  ++yynerrs;

  /* Do not reclaim the symbols of the rule whose action triggered
     this YYERROR.  */
  YYPOPSTACK (yylen);
  yylen = 0;
  YY_STACK_PRINT (yyss, yyssp);
  yystate = *yyssp;
  goto yyerrlab1;


/*-------------------------------------------------------------.
| yyerrlab1 -- common code for both syntax error and YYERROR.  |
`-------------------------------------------------------------*/
yyerrlab1:
  yyerrstatus = 3;      /* Each real token shifted decrements this.  */

  /* Pop stack until we find a state that shifts the error token.  */
  for (;;)
    {
      yyn = yypact[yystate];
      if (!yypact_value_is_default (yyn))
        {
          yyn += YYSYMBOL_YYerror;
          if (0 <= yyn && yyn <= YYLAST && yycheck[yyn] == YYSYMBOL_YYerror)
            {
              yyn = yytable[yyn];
              if (0 < yyn)
                break;
            }
        }

      /* Pop the current state because it cannot handle the error token.  */
      if (yyssp == yyss)
        YYABORT;

      yyerror_range[1] = *yylsp;
      yydestruct ("Error: popping",
                  YY_ACCESSING_SYMBOL (yystate), yyvsp, yylsp, pc, scanner);
      YYPOPSTACK (1);
      yystate = *yyssp;
      YY_STACK_PRINT (yyss, yyssp);
    }

  YY_IGNORE_MAYBE_UNINITIALIZED_BEGIN
  *++yyvsp = yylval;
  YY_IGNORE_MAYBE_UNINITIALIZED_END

  yyerror_range[2] = yylloc;
  ++yylsp;
  YYLLOC_DEFAULT (*yylsp, yyerror_range, 2);

  /* Shift the error token.  */
  YY_SYMBOL_PRINT ("Shifting", YY_ACCESSING_SYMBOL (yyn), yyvsp, yylsp);

  yystate = yyn;
  goto yynewstate;


/*-------------------------------------.
| yyacceptlab -- YYACCEPT comes here.  |
`-------------------------------------*/
yyacceptlab:
  yyresult = 0;
  goto yyreturnlab;


/*-----------------------------------.
| yyabortlab -- YYABORT comes here.  |
`-----------------------------------*/
yyabortlab:
  yyresult = 1;
  goto yyreturnlab;


/*-----------------------------------------------------------.
| yyexhaustedlab -- YYNOMEM (memory exhaustion) comes here.  |
`-----------------------------------------------------------*/
yyexhaustedlab:
  yyerror (&yylloc, pc, scanner, YY_("memory exhausted"));
  yyresult = 2;
  goto yyreturnlab;


/*----------------------------------------------------------.
| yyreturnlab -- parsing is finished, clean up and return.  |
`----------------------------------------------------------*/
yyreturnlab:
  if (yychar != YYEMPTY)
    {
      /* Make sure we have latest lookahead translation.  See comments at
         user semantic actions for why this is necessary.  */
      yytoken = YYTRANSLATE (yychar);
      yydestruct ("Cleanup: discarding lookahead",
                  yytoken, &yylval, &yylloc, pc, scanner);
    }
  /* Do not reclaim the symbols of the rule whose action triggered
     this YYABORT or YYACCEPT.  */
  YYPOPSTACK (yylen);
  YY_STACK_PRINT (yyss, yyssp);
  while (yyssp != yyss)
    {
      yydestruct ("Cleanup: popping",
                  YY_ACCESSING_SYMBOL (+*yyssp), yyvsp, yylsp, pc, scanner);
      YYPOPSTACK (1);
    }
  yyps->yynew = 2;
  goto yypushreturn;


/*-------------------------.
| yypushreturn -- return.  |
`-------------------------*/
yypushreturn:

  return yyresult;
}
#undef yynerrs
#undef yystate
#undef yyerrstatus
#undef yyssa
#undef yyss
#undef yyssp
#undef yyvsa
#undef yyvs
#undef yyvsp
#undef yylsa
#undef yyls
#undef yylsp
#undef yystacksize
#line 433 "../compiler/parse.y"


/* How a grammar symbol reads in a message: keywords and punctuation
 * quoted ('if', ';'), token classes as words (identifier, string). */
static const char *cc_parse_symbol_text(yysymbol_kind_t sym, char *buf, size_t n)
{
	const char *name = yysymbol_name(sym);
	size_t len = strlen(name);

	if (sym == YYSYMBOL_IDENT || sym == YYSYMBOL_PVAR || sym == YYSYMBOL_ADDR ||
	    sym == YYSYMBOL_PVARG ||
	    sym == YYSYMBOL_INT || sym == YYSYMBOL_STRING || sym == YYSYMBOL_YYEOF ||
	    sym == YYSYMBOL_YYUNDEF || sym == YYSYMBOL_YYerror) {
		if (len >= 2 && name[0] == '"')
			snprintf(buf, n, "%.*s", (int)len - 2, name + 1);
		else
			snprintf(buf, n, "%s", name);
	} else if (len >= 2 && name[0] == '"') {
		snprintf(buf, n, "'%.*s'", (int)len - 2, name + 1);
	} else {
		snprintf(buf, n, "%s", name);
	}
	return buf;
}

static bool cc_parse_is_closer(yysymbol_kind_t sym)
{
	const char *name = yysymbol_name(sym);

	return strcmp(name, "')'") == 0 || strcmp(name, "';'") == 0 ||
	       strcmp(name, "'}'") == 0;
}

/* The keywords that can start a top-level item here, for "expected ...":
 * taken from the grammar's expected tokens, without those of the other
 * kind of file (fn, pv, const and setting belong to stdlib files), so a
 * new item is listed without anyone updating a message. */
static const char *cc_parse_item_words(const struct cc_parse_ctx *pc,
				       const yysymbol_kind_t *expected, int n)
{
	static const yysymbol_kind_t stdlib_only[] = {
		YYSYMBOL_FN, YYSYMBOL_PV, YYSYMBOL_CONST, YYSYMBOL_SETTING,
	};
	const char *words[YYNTOKENS];
	int k = 0;
	size_t len = 1;

	for (int i = 0; i < n; i++) {
		const char *name = yysymbol_name(expected[i]);
		bool in_stdlib = false;
		if (expected[i] < YYSYMBOL_LISTEN || expected[i] > YYSYMBOL_SETTING)
			continue;     /* not a keyword: punctuation, token classes */
		for (size_t j = 0; j < sizeof stdlib_only / sizeof stdlib_only[0]; j++)
			in_stdlib |= expected[i] == stdlib_only[j];
		if (in_stdlib != (pc->mode == CC_SRC_STDLIB))
			continue;
		words[k++] = name;
		len += strlen(name) + 6;
	}
	char *buf = cc_alloc(len), *o = buf;
	for (int i = 0; i < k; i++)
		o += sprintf(o, "%s'%s'", i == 0 ? "" : i == k - 1 ? " or " : ", ", words[i]);
	return buf;
}

/* A top-level item inside a block, or the end of the file with a block
 * open: the real mistake is a '}' missing somewhere above, and what the
 * parser expected at this token would only mislead. Reports it at the
 * first word of the item, says which '{' is likely unclosed, and makes
 * the syntax errors that follow (the rest of the file is parsed as part of
 * the unclosed block) count without being printed. */
static bool cc_parse_unclosed(struct cc_parse_ctx *pc, yysymbol_kind_t tok,
			      struct cc_loc eof_loc)
{
	static const char *const items[] = {
		"listen", "domain", "define", "route", "include", "use", "database",
		"flag", "bflag", "avp", "dlgvar", "profile", "fn", "pv", "const", "setting", NULL,
	};
	struct cc_loc at = pc->last_loc;
	const char *word = pc->last_text;
	int wlen = pc->last_len;

	if (pc->nbraces == 0 || pc->syntax_errors != 1)
		return false;
	if (tok != YYSYMBOL_YYEOF) {
		/* The item's first word begins its line at column 1: the
		 * lookahead, or the word before it on the same line. */
		if (at.col != 1) {
			if (pc->prev_loc.col != 1 || pc->prev_loc.line != at.line)
				return false;
			at = pc->prev_loc;
			word = pc->prev_text;
			wlen = pc->prev_len;
		}
		bool item = false;
		for (int i = 0; items[i] && word; i++)
			item |= (int)strlen(items[i]) == wlen && memcmp(items[i], word, (size_t)wlen) == 0;
		if (!item)
			return false;
		at.len = wlen;
		cc_diag_report(CC_D_SYNTAX, at, "expected '}' before '%.*s': a block above is not closed",
			       wlen, word);
	} else {
		cc_diag_report(CC_D_SYNTAX, eof_loc, "unexpected end of file: a block is not closed");
	}
	if (pc->brace_suspect.line > 0)
		cc_diag_note(pc->brace_suspect,
			     "this '{' is likely the unclosed one: the '}' taken for it is "
			     "indented differently");
	else
		cc_diag_note(pc->braces[pc->nbraces - 1].loc, "this '{' is not closed");
	pc->unclosed_reported = true;
	return true;
}

/* Report a syntax error as "unexpected X, expected A, B or C", quoting
 * the offending identifier or pseudo-variable. When many tokens could
 * follow, only the closing ones are named (a missing ')' or ';' is the
 * usual mistake). */
static int yyreport_syntax_error(const yypcontext_t *ctx, struct cc_parse_ctx *pc,
				 yyscan_t scanner)
{
	enum { MAX_LISTED = 4 };
	yysymbol_kind_t expected[YYNTOKENS];
	yysymbol_kind_t tok = yypcontext_token(ctx);
	char msg[512], sym[64];
	size_t off = 0;
	int n;

	(void)scanner;
	pc->syntax_errors++;
	if (tok == YYSYMBOL_YYUNDEF || pc->unclosed_reported)
		return 0;
	if (cc_parse_unclosed(pc, tok, *yypcontext_location(ctx)))
		return 0;
	off += (size_t)snprintf(msg + off, sizeof msg - off, "unexpected %s",
				cc_parse_symbol_text(tok, sym, sizeof sym));
	if ((tok == YYSYMBOL_IDENT || tok == YYSYMBOL_PVAR) && pc->last_text)
		off += (size_t)snprintf(msg + off, sizeof msg - off, " '%.*s'",
					pc->last_len, pc->last_text);
	n = yypcontext_expected_tokens(ctx, expected, YYNTOKENS);
	for (int i = 0; i < n; i++) {
		if (expected[i] != YYSYMBOL_LISTEN && expected[i] != YYSYMBOL_FN)
			continue;
		cc_diag_report(CC_D_SYNTAX, *yypcontext_location(ctx), "%s, expected %s", msg,
			       cc_parse_item_words(pc, expected, n));
		return 0;
	}
	if (n > MAX_LISTED) {
		int k = 0;
		for (int i = 0; i < n; i++)
			if (cc_parse_is_closer(expected[i]))
				expected[k++] = expected[i];
		n = k;
	}
	if (n > 0) {
		off += (size_t)snprintf(msg + off, sizeof msg - off, ", expected ");
		for (int i = 0; i < n && off < sizeof msg; i++) {
			const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
			off += (size_t)snprintf(msg + off, sizeof msg - off, "%s%s", sep,
						cc_parse_symbol_text(expected[i], sym, sizeof sym));
		}
	}
	/* A missing ';' or ')' at the end of a line belongs after the last
	 * token of that line, not on the next one. */
	if (n == 1 && cc_parse_is_closer(expected[0]) && pc->prev_loc.line > 0 &&
	    pc->prev_loc.line < yypcontext_location(ctx)->line) {
		struct cc_loc at = pc->prev_loc;
		at.col += at.len;
		at.len = 1;
		cc_diag_report(CC_D_SYNTAX, at, "expected %s",
			       cc_parse_symbol_text(expected[0], sym, sizeof sym));
		return 0;
	}
	cc_diag_report(CC_D_SYNTAX, *yypcontext_location(ctx), "%s", msg);
	return 0;
}

static void yyerror(YYLTYPE *loc, struct cc_parse_ctx *pc, yyscan_t scanner,
		    const char *msg)
{
	(void)scanner;
	pc->syntax_errors++;
	cc_diag_report(CC_D_SYNTAX, *loc, "%s", msg);
}
