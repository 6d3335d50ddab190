/* The host's API for modules, in one header: the module interface and
 * its state slots (module.h), the database, its worker, cached tables and
 * change hooks (modules.h, db/db_cache.h), settings (settings.h), the
 * control socket (ctl.h), the ban list of the transports (net/ban.h),
 * the routing context, replies and waiting
 * (proxy.h), requests of its own (uac.h), events for the policy's event
 * routes (event.h), a module's rounds on the shared store
 * (store_sync.h), timers and statistics (core/timer.h, core/stats.h),
 * and the prototypes generated from the declarations (policy_abi.h,
 * policy_fns.h). A module includes this and its own headers, never the
 * host's internals (proxy_int.h). */
#ifndef SIPCC_PROXY_HOST_H
#define SIPCC_PROXY_HOST_H

#include "core/stats.h"
#include "core/timer.h"
#include "db/db_cache.h"
#include "net/ban.h"
#include "proxy/proxy.h"
#include "proxy/policy_abi.h"
#include "proxy/policy.h"
#include "proxy/module.h"
#include "proxy/modules.h"
#include "proxy/store_sync.h"
#include "proxy/settings.h"
#include "proxy/ctl.h"
#include "proxy/uac.h"
#include "proxy/event.h"
#include "proxy/policy_fns.h"

#endif
