/* How the process is scheduled and placed: process.scheduler,
 * process.ioPriority, process.execCPUAffinity, linux.memoryPolicy and
 * linux.personality.  Names are checked by the parent before anything is
 * spawned; the child only makes the system calls. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "scheduling.h"
#include "utils.h"

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#define SCHED_ISO_ 4 /* reserved by the kernel; accepted by the spec, refused there */

struct sched_attr_ {
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

struct name_value {
  const char *name;
  long value;
};

static const struct name_value policies[] = {
    {"SCHED_OTHER", SCHED_OTHER}, {"SCHED_FIFO", SCHED_FIFO},   {"SCHED_RR", SCHED_RR},
    {"SCHED_BATCH", SCHED_BATCH}, {"SCHED_ISO", SCHED_ISO_},    {"SCHED_IDLE", SCHED_IDLE},
    {"SCHED_DEADLINE", SCHED_DEADLINE},
};

static const struct name_value sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01}, {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},    {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},   {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

static const struct name_value io_classes[] = {
    {"IOPRIO_CLASS_RT", 1}, {"IOPRIO_CLASS_BE", 2}, {"IOPRIO_CLASS_IDLE", 3}};

static const struct name_value mpol_modes[] = {
    {"MPOL_DEFAULT", 0},    {"MPOL_PREFERRED", 1},      {"MPOL_BIND", 2},
    {"MPOL_INTERLEAVE", 3}, {"MPOL_LOCAL", 4},          {"MPOL_PREFERRED_MANY", 5},
    {"MPOL_WEIGHTED_INTERLEAVE", 6},
};

static const struct name_value mpol_flags[] = {
    {"MPOL_F_NUMA_BALANCING", 1 << 13},
    {"MPOL_F_RELATIVE_NODES", 1 << 14},
    {"MPOL_F_STATIC_NODES", 1 << 15},
};

static const struct name_value domains[] = {{"LINUX", PER_LINUX}, {"LINUX32", PER_LINUX32}};

static bool lookup(const struct name_value *t, size_t n, const char *name, long *v)
{
  for (size_t i = 0; name && i < n; i++)
    if (strcmp(t[i].name, name) == 0) {
      *v = t[i].value;
      return true;
    }
  return false;
}

#define LOOKUP(t, name, v) lookup(t, HK_ARRAY_SIZE(t), name, v)

/* "0-3,7" into a bit set of `bits` bits; false when malformed or too big. */
static bool parse_list(const char *s, unsigned long *set, size_t bits)
{
  const size_t w = 8 * sizeof(unsigned long);

  memset(set, 0, bits / 8);
  if (s == NULL || *s == '\0')
    return false;
  while (*s) {
    char *end;
    unsigned long a = strtoul(s, &end, 10), b = a;
    if (end == s)
      return false;
    if (*end == '-') {
      s = end + 1;
      b = strtoul(s, &end, 10);
      if (end == s || b < a)
        return false;
    }
    if (b >= bits)
      return false;
    for (unsigned long i = a; i <= b; i++)
      set[i / w] |= 1UL << (i % w);
    if (*end == ',')
      end++;
    else if (*end != '\0')
      return false;
    s = end;
  }
  return true;
}

#define NODE_BITS 1024
#define CPU_BITS CPU_SETSIZE

int hk_sched_check(const struct hk_process *p, const struct hk_linux *lx, const char *what,
                   hk_error_t **err)
{
  long v = 0;
  unsigned long set[CPU_BITS / (8 * sizeof(unsigned long))];

  if (p && p->has_scheduler) {
    const struct hk_scheduler *s = &p->scheduler;
    if (!LOOKUP(policies, s->policy, &v))
      return hk_error_plain(err, EINVAL, "%s: process.scheduler.policy: unknown policy \"%s\"", what,
                           s->policy ? s->policy : "");
    for (size_t i = 0; s->flags.v && s->flags.v[i]; i++)
      if (!LOOKUP(sched_flags, s->flags.v[i], &v))
        return hk_error_plain(err, EINVAL, "%s: process.scheduler.flags[%zu]: unknown flag \"%s\"",
                             what, i, s->flags.v[i]);
    if (s->nice < -20 || s->nice > 19)
      return hk_error_plain(err, EINVAL, "%s: process.scheduler.nice: %d is not in -20..19", what,
                           s->nice);
  }
  if (p && p->has_io_priority) {
    if (!LOOKUP(io_classes, p->io_priority.class_, &v))
      return hk_error_plain(err, EINVAL, "%s: process.ioPriority.class: unknown class \"%s\"", what,
                           p->io_priority.class_ ? p->io_priority.class_ : "");
    if (p->io_priority.priority < 0 || p->io_priority.priority > 7)
      return hk_error_plain(err, EINVAL, "%s: process.ioPriority.priority: %d is not in 0..7", what,
                           p->io_priority.priority);
  }
  if (p && p->has_exec_cpu_affinity) {
    const struct hk_exec_cpu_affinity *a = &p->exec_cpu_affinity;
    if (a->initial && !parse_list(a->initial, set, CPU_BITS))
      return hk_error_plain(err, EINVAL, "%s: process.execCPUAffinity.initial: bad CPU list \"%s\"",
                           what, a->initial);
    if (a->final && !parse_list(a->final, set, CPU_BITS))
      return hk_error_plain(err, EINVAL, "%s: process.execCPUAffinity.final: bad CPU list \"%s\"",
                           what, a->final);
  }
  if (lx && lx->has_memory_policy) {
    const struct hk_memory_policy *m = &lx->memory_policy;
    unsigned long nodes[NODE_BITS / (8 * sizeof(unsigned long))];
    if (!LOOKUP(mpol_modes, m->mode, &v))
      return hk_error_plain(err, EINVAL, "%s: linux.memoryPolicy.mode: unknown mode \"%s\"", what,
                           m->mode ? m->mode : "");
    for (size_t i = 0; m->flags.v && m->flags.v[i]; i++)
      if (!LOOKUP(mpol_flags, m->flags.v[i], &v))
        return hk_error_plain(err, EINVAL, "%s: linux.memoryPolicy.flags[%zu]: unknown flag \"%s\"",
                             what, i, m->flags.v[i]);
    if (m->nodes && *m->nodes && !parse_list(m->nodes, nodes, NODE_BITS))
      return hk_error_plain(err, EINVAL, "%s: linux.memoryPolicy.nodes: bad node list \"%s\"", what,
                           m->nodes);
  }
  if (lx && lx->has_personality) {
    if (!LOOKUP(domains, lx->personality.domain, &v))
      return hk_error_plain(err, EINVAL,
                           "%s: linux.personality.domain: \"%s\" is not LINUX or LINUX32", what,
                           lx->personality.domain ? lx->personality.domain : "");
    if (lx->personality.flags.v && lx->personality.flags.v[0])
      return hk_error_plain(err, EINVAL, "%s: linux.personality.flags[0]: unknown flag \"%s\"",
                           what, lx->personality.flags.v[0]);
  }
  return 0;
}

int hk_sched_affinity(const char *list, hk_error_t **err)
{
  cpu_set_t set;

  if (list == NULL)
    return 0;
  CPU_ZERO(&set);
  if (!parse_list(list, (unsigned long *)&set, CPU_BITS))
    return hk_error_plain(err, EINVAL, "execCPUAffinity: bad CPU list \"%s\"", list);
  if (sched_setaffinity(0, sizeof(set), &set) < 0)
    return hk_error_make(err, errno, "execCPUAffinity: set CPUs \"%s\"", list);
  return 0;
}

int hk_sched_apply(const struct hk_process *p, const struct hk_linux *lx, hk_error_t **err)
{
  long v = 0;

  if (lx && lx->has_personality) {
    LOOKUP(domains, lx->personality.domain, &v);
    if (personality((unsigned long)v) < 0)
      return hk_error_make(err, errno, "linux.personality: %s", lx->personality.domain);
  }
  if (lx && lx->has_memory_policy) {
    const struct hk_memory_policy *m = &lx->memory_policy;
    unsigned long nodes[NODE_BITS / (8 * sizeof(unsigned long))] = {0};
    long mode = 0, f = 0;
    LOOKUP(mpol_modes, m->mode, &mode);
    for (size_t i = 0; m->flags.v && m->flags.v[i]; i++) {
      LOOKUP(mpol_flags, m->flags.v[i], &f);
      mode |= f;
    }
    if (m->nodes && *m->nodes)
      parse_list(m->nodes, nodes, NODE_BITS);
    if (syscall(SYS_set_mempolicy, mode, m->nodes && *m->nodes ? nodes : NULL,
                m->nodes && *m->nodes ? NODE_BITS + 1 : 0) < 0)
      return hk_error_make(err, errno, "linux.memoryPolicy: set_mempolicy(%s)", m->mode);
  }
  if (p && p->has_scheduler) {
    const struct hk_scheduler *s = &p->scheduler;
    struct sched_attr_ a = {.size = sizeof(a)};
    LOOKUP(policies, s->policy, &v);
    a.sched_policy = (uint32_t)v;
    for (size_t i = 0; s->flags.v && s->flags.v[i]; i++) {
      long f = 0;
      LOOKUP(sched_flags, s->flags.v[i], &f);
      a.sched_flags |= (uint64_t)f;
    }
    a.sched_nice = s->nice;
    a.sched_priority = (uint32_t)s->priority;
    a.sched_runtime = s->runtime;
    a.sched_deadline = s->deadline;
    a.sched_period = s->period;
    if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
      return hk_error_make(err, errno, "process.scheduler: sched_setattr(%s)", s->policy);
  }
  if (p && p->has_io_priority) {
    LOOKUP(io_classes, p->io_priority.class_, &v);
    if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0,
                (int)((v << 13) | p->io_priority.priority)) < 0)
      return hk_error_make(err, errno, "process.ioPriority: ioprio_set(%s, %d)",
                           p->io_priority.class_, p->io_priority.priority);
  }
  return 0;
}
