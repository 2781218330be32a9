/* Scheduling and placement of the container's process: process.scheduler,
 * ioPriority and execCPUAffinity, linux.memoryPolicy and personality. */
#ifndef HK_SCHEDULING_H
#define HK_SCHEDULING_H

#include "error.h"
#include "oci-specs/spec.h"

/* Check every name and list, in the parent, before anything is spawned.
 * `what` ("config.json") prefixes the errors.  p or lx may be NULL. */
int hk_sched_check(const struct hk_process *p, const struct hk_linux *lx, const char *what,
                   hk_error_t **err);

/* In the process, before exec: personality, memory policy, scheduler, I/O
 * priority (checked names only). */
int hk_sched_apply(const struct hk_process *p, const struct hk_linux *lx, hk_error_t **err);

/* The CPUs of the calling process, from a list like "0-3,7"; NULL: no-op. */
int hk_sched_affinity(const char *list, hk_error_t **err);

#endif
