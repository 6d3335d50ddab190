/* The worker the caller runs on (see worker.h). */
#include "core/worker.h"

SIP_PER_WORKER unsigned sip_worker_id;
unsigned sip_workers_n = 1;
