/* Events: what a module tells the policy has happened (a contact was
 * registered, a gateway went down), handled by the policy's event routes
 * (route event MODULE.NAME { ... }, OpenSIPS event_route, Kamailio
 * event_route).
 *
 * A module declares each of its events in its .sipi, with typed
 * parameters:
 *
 *     event contact_inserted(aor: str, contact: str, expires: int)
 *       doc "...";
 *
 * and raises it with the function generated from that declaration into
 * proxy/policy_fns.h (sipcc doc --c-header):
 *
 *     sipcc_event_registrar_contact_inserted(aor, contact, expires);
 *
 * whose C types follow the declaration's (sip_str for str, int64_t for
 * int and bool), so a module cannot raise an event with values the
 * policy's routes would read otherwise. It calls proxy_event_raise().
 *
 * Raising copies the values and returns: the routes run later, from the
 * loop's top level (a timer of the wheel, within one tick), in the order
 * the policy defines them, one event after the other in the order raised.
 * So a module may raise from anywhere (in the middle of a request's
 * processing, from a database completion) and never runs policy code
 * inside its own. An event route has no message, like a timer route; it
 * may wait (an HTTP request, a database query): the next routes of that
 * event run when it is done, and the events raised meanwhile run beside
 * it. */
#ifndef SIPCC_PROXY_EVENT_H
#define SIPCC_PROXY_EVENT_H

#include <stdbool.h>
#include "core/timer.h"
#include "proxy/policy_abi.h"

/* Raise event name ("registrar.contact_inserted") with its n values, in
 * the declaration's order (copied). SIP_OK when routes will run;
 * SIP_DECLINED when the policy has no route for it (nothing is done);
 * SIP_ELIMIT when too many events wait to run (the event is dropped and
 * counted, a warning logged); SIP_ESTATE once the proxy is stopping;
 * SIP_NOMEM. */
int proxy_event_raise(const char *name, const struct sipcc_event_val *v, unsigned n);
/* True when the policy has a route for event name. */
bool proxy_event_wanted(const char *name);
/* Events dropped because too many waited to run. */
unsigned long proxy_event_dropped(void);

/* The host: keep an event route sipcc_reg_route() was given; run the
 * events raised from now on (and those raised before) on wheel w; stop. */
void proxy_event_route_add(const char *name, sipcc_route_fn fn);
void proxy_events_start(sip_timer_wheel *w);
void proxy_events_stop(void);

#endif
