/* AVPs and flags of the policy (stdlib/script.sipi), and the language
 * helpers for $avp(name) (policy_abi.h). */
#include "script/script.h"

#include <string.h>
#include "core/log.h"
#include "proxy/proxy.h"
#include "proxy/policy_fns.h"

static struct script_vars *script_vars_new(sip_arena *a)
{
	struct script_vars *v = sip_arena_alloc(a, sizeof *v);
	if (!v)
		return NULL;
	memset(v, 0, sizeof *v);
	v->arena = a;
	return v;
}

/* Copy from's values into to's arena, keeping their order. */
static void script_vars_copy(struct script_vars *to, const struct script_vars *from)
{
	struct script_avp **tail = &to->avps;
	to->flags = from->flags;
	to->bflags = from->bflags;
	memcpy(to->br_bflags, from->br_bflags, sizeof to->br_bflags);
	for (const struct script_avp *a = from->avps; a; a = a->next) {
		struct script_avp *c = sip_arena_alloc(to->arena, sizeof *c);
		if (!c)
			break;
		*c = *a;
		c->sval = a->sval.len ? sip_arena_strdup(to->arena, a->sval) : SIP_STR_NULL;
		c->next = NULL;
		*tail = c;
		tail = &c->next;
	}
}

void script_txn_bind(struct sip_ctx *ctx)
{
	txn *t = ctx->txn;
	if (!t || t->u_script)
		return;
	struct script_vars *v = script_vars_new(&t->arena);
	if (!v) {
		LOG_WARN("no memory for the transaction's AVPs and flags");
		return;
	}
	if (ctx->script)
		script_vars_copy(v, ctx->script);
	t->u_script = v;
	ctx->script = v;
}

struct script_vars *script_vars_get(struct sip_ctx *ctx)
{
	if (ctx->txn) {
		if (!ctx->txn->u_script)
			script_txn_bind(ctx);
		if (ctx->txn->u_script)
			return ctx->script = ctx->txn->u_script;
	}
	if (!ctx->script)
		ctx->script = script_vars_new(ctx->arena);
	return ctx->script;
}

static void avp_push(struct sip_ctx *ctx, int64_t idx, int64_t iv, sip_str sv)
{
	struct script_vars *v = script_vars_get(ctx);
	if (!v)
		return;
	struct script_avp *a = sip_arena_alloc(v->arena, sizeof *a);
	if (!a)
		return;
	a->idx = idx;
	a->ival = iv;
	a->sval = sv.len ? sip_arena_strdup(v->arena, sv) : SIP_STR_NULL;
	a->next = v->avps;
	v->avps = a;
}

static const struct script_avp *avp_find(struct sip_ctx *ctx, int64_t idx, int64_t nth)
{
	struct script_vars *v = script_vars_get(ctx);
	for (const struct script_avp *a = v ? v->avps : NULL; a; a = a->next)
		if (a->idx == idx && nth-- == 0)
			return a;
	return NULL;
}

void sipcc_avp_push_str(struct sip_ctx *ctx, int64_t idx, const char *s, size_t len)
{
	avp_push(ctx, idx, 0, sip_str_make(s, len));
}

void sipcc_avp_push_int(struct sip_ctx *ctx, int64_t idx, int64_t v)
{
	avp_push(ctx, idx, v, SIP_STR_NULL);
}

void sipcc_avp_get_str(struct sip_ctx *ctx, sip_str *out, int64_t idx)
{
	const struct script_avp *a = avp_find(ctx, idx, 0);
	*out = a ? a->sval : SIP_STR_NULL;
}

int64_t sipcc_avp_get_int(struct sip_ctx *ctx, int64_t idx)
{
	const struct script_avp *a = avp_find(ctx, idx, 0);
	return a ? a->ival : 0;
}

int64_t sipcc_fn_avp_count(struct sip_ctx *ctx, int64_t idx)
{
	struct script_vars *v = script_vars_get(ctx);
	int64_t n = 0;
	for (const struct script_avp *a = v ? v->avps : NULL; a; a = a->next)
		n += a->idx == idx;
	return n;
}

void sipcc_fn_avp_delete(struct sip_ctx *ctx, int64_t idx)
{
	struct script_vars *v = script_vars_get(ctx);
	if (!v)
		return;
	for (struct script_avp **p = &v->avps; *p;) {
		if ((*p)->idx == idx)
			*p = (*p)->next;
		else
			p = &(*p)->next;
	}
}

/* The nth value, newest first, as text (ints in decimal). */
void sipcc_fn_avp_value(struct sip_ctx *ctx, sip_str *out, int64_t idx, int64_t nth)
{
	const struct script_avp *a = nth >= 0 ? avp_find(ctx, idx, nth) : NULL;
	if (!a)
		*out = SIP_STR_NULL;
	else if (a->sval.len)
		*out = a->sval;
	else
		*out = sip_arena_printf(ctx->arena, "%lld", (long long)a->ival);
}

static uint64_t flag_bit(int64_t idx)
{
	return idx >= 0 && idx < 64 ? (uint64_t)1 << idx : 0;
}

void sipcc_fn_setflag(struct sip_ctx *ctx, int64_t idx)
{
	struct script_vars *v = script_vars_get(ctx);
	if (v)
		v->flags |= flag_bit(idx);
}

void sipcc_fn_resetflag(struct sip_ctx *ctx, int64_t idx)
{
	struct script_vars *v = script_vars_get(ctx);
	if (v)
		v->flags &= ~flag_bit(idx);
}

int64_t sipcc_fn_isflagset(struct sip_ctx *ctx, int64_t idx)
{
	struct script_vars *v = script_vars_get(ctx);
	return v && (v->flags & flag_bit(idx));
}

/* The branch flags a bflag function works on: in a reply route those of
 * the reply's branch, else the current ones. */
static uint64_t *bflags_of(struct sip_ctx *ctx)
{
	struct script_vars *v = script_vars_get(ctx);
	if (!v)
		return NULL;
	if (ctx->branch && ctx->branch->idx < TXN_MAX_BRANCHES)
		return &v->br_bflags[ctx->branch->idx];
	return &v->bflags;
}

uint64_t script_bflags(struct sip_ctx *ctx)
{
	if (!ctx->script && !(ctx->txn && ctx->txn->u_script))
		return 0;
	uint64_t *f = bflags_of(ctx);
	return f ? *f : 0;
}

void script_bflags_set(struct sip_ctx *ctx, uint64_t f)
{
	if (!f && !ctx->script && !(ctx->txn && ctx->txn->u_script))
		return;
	uint64_t *p = bflags_of(ctx);
	if (p)
		*p = f;
	else if (f)
		LOG_WARN("no memory for the branch flags");
}

void script_branch_keep(struct sip_ctx *ctx, unsigned idx)
{
	if (idx >= TXN_MAX_BRANCHES || (!ctx->script && !(ctx->txn && ctx->txn->u_script)))
		return;
	struct script_vars *v = script_vars_get(ctx);
	if (v)
		v->br_bflags[idx] = v->bflags;
}

void script_failure_enter(struct sip_ctx *ctx)
{
	txn *s = ctx->txn;
	if (!s || !s->u_script)
		return;
	struct script_vars *v = s->u_script;
	for (unsigned i = 0; i < s->n_branches && i < TXN_MAX_BRANCHES; i++)
		if (s->br_code[i] == s->best_status) {
			v->bflags = v->br_bflags[i];
			break;
		}
}

void sipcc_fn_setbflag(struct sip_ctx *ctx, int64_t idx)
{
	uint64_t *f = bflags_of(ctx);
	if (f)
		*f |= flag_bit(idx);
}

void sipcc_fn_resetbflag(struct sip_ctx *ctx, int64_t idx)
{
	uint64_t *f = bflags_of(ctx);
	if (f)
		*f &= ~flag_bit(idx);
}

int64_t sipcc_fn_isbflagset(struct sip_ctx *ctx, int64_t idx)
{
	uint64_t *f = bflags_of(ctx);
	return f && (*f & flag_bit(idx));
}
