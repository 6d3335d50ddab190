/* A Bison parser, made by GNU Bison 3.8.2.  */

/* Bison interface for Yacc-like parsers in C

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

/* DO NOT RELY ON FEATURES THAT ARE NOT DOCUMENTED in the manual,
   especially those whose name start with YY_ or yy_.  They are
   private implementation details that can be changed or removed.  */

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

#line 58 "compiler/sipcc-parse.h"

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

#line 208 "compiler/sipcc-parse.h"

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

#line 241 "compiler/sipcc-parse.h"

#endif /* !YY_YY_COMPILER_SIPCC_PARSE_H_INCLUDED  */
