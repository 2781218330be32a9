/* Resources and statistics on cgroup v1 hierarchies: the controllers that
 * hk_cg_dir() says live on v1 (every one of them on a v1 host, most of them
 * on a hybrid one). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups.h"
#include "log.h"
#include "utils.h"

/* The directory of controller c if v1 serves it, else NULL. */
static const char *v1dir(const struct hk_cgroup *cg, enum hk_cg_controller c)
{
  bool v2;
  const char *d = hk_cg_dir(cg, c, &v2);
  return d && !v2 ? d : NULL;
}

/* Kernel memory limits are deprecated: newer kernels refuse them. */
static int set_optional(const char *dir, const char *file, const char *what, const char *json,
                        int64_t v, hk_error_t **err)
{
  hk_error_t *e = NULL;

  if (!hk_cg_exists(dir, file)) {
    hk_warn("%s: %s: not supported by this kernel (no %s); ignored", what, json, file);
    return 0;
  }
  if (hk_cg_set(dir, file, what, json, &e, "%lld", (long long)v) == 0)
    return 0;
  if (e->code == EOPNOTSUPP || e->code == 524 /* ENOTSUPP */) {
    hk_warn("%s; ignored", e->msg);
    hk_error_free(e);
    return 0;
  }
  *err = e;
  return -1;
}

static int memory(const char *dir, const struct hk_memory *m, bool update, const char *what,
                  hk_error_t **err)
{
  bool swap_first = false, has_swap = m->has_swap && m->swap != 0; /* 0: unset */
  uint64_t cur;

  if (update && m->has_limit && m->limit > 0 && m->has_check_before_update &&
      m->check_before_update && hk_cg_read_u64(dir, "memory.usage_in_bytes", &cur) &&
      (uint64_t)m->limit < cur)
    return hk_error_plain(err, EBUSY,
                         "%s: linux.resources.memory.limit: %lld is below the current usage %llu "
                         "(checkBeforeUpdate)",
                         what, (long long)m->limit, (unsigned long long)cur);
  /* memsw (memory+swap) may never be below the memory limit: raise it
   * first when it grows. */
  if (has_swap && hk_cg_read_u64(dir, "memory.limit_in_bytes", &cur))
    swap_first = m->swap == -1 || (m->swap >= 0 && (uint64_t)m->swap >= cur);
  if (has_swap && !hk_cg_exists(dir, "memory.memsw.limit_in_bytes")) {
    if (m->swap != 0 && !(m->has_limit && m->swap == m->limit) && m->swap != -1)
      return hk_error_plain(err, ENOTSUP,
                           "%s: linux.resources.memory.swap: swap accounting is off on this host",
                           what);
  } else if (has_swap && swap_first &&
             hk_cg_set(dir, "memory.memsw.limit_in_bytes", what, "linux.resources.memory.swap",
                       err, "%lld", (long long)m->swap) < 0)
    return -1;
  if (m->has_limit && m->limit && hk_cg_set(dir, "memory.limit_in_bytes", what,
                                "linux.resources.memory.limit", err, "%lld",
                                (long long)m->limit) < 0)
    return -1;
  if (has_swap && !swap_first && hk_cg_exists(dir, "memory.memsw.limit_in_bytes") &&
      hk_cg_set(dir, "memory.memsw.limit_in_bytes", what, "linux.resources.memory.swap", err,
                "%lld", (long long)m->swap) < 0)
    return -1;
  if (m->has_reservation && m->reservation &&
      hk_cg_set(dir, "memory.soft_limit_in_bytes", what, "linux.resources.memory.reservation",
                err, "%lld", (long long)m->reservation) < 0)
    return -1;
  if (m->has_kernel && set_optional(dir, "memory.kmem.limit_in_bytes", what,
                                    "linux.resources.memory.kernel", m->kernel, err) < 0)
    return -1;
  if (m->has_kernel_tcp &&
      set_optional(dir, "memory.kmem.tcp.limit_in_bytes", what,
                   "linux.resources.memory.kernelTCP", m->kernel_tcp, err) < 0)
    return -1;
  if (m->has_swappiness &&
      hk_cg_set(dir, "memory.swappiness", what, "linux.resources.memory.swappiness", err,
                "%llu", (unsigned long long)m->swappiness) < 0)
    return -1;
  if (m->has_disable_oom_killer &&
      hk_cg_set(dir, "memory.oom_control", what, "linux.resources.memory.disableOOMKiller", err,
                "%d", m->disable_oom_killer ? 1 : 0) < 0)
    return -1;
  /* Kernels since 5.19 always use the hierarchy and refuse 0. */
  if (m->has_use_hierarchy &&
      hk_cg_set(dir, "memory.use_hierarchy", what, "linux.resources.memory.useHierarchy", err,
                "%d", m->use_hierarchy ? 1 : 0) < 0)
    return -1;
  return 0;
}

static int cpu(const char *dir, const struct hk_cpu *c, const char *what, hk_error_t **err)
{
  hk_error_t *e = NULL;

  if (c->has_shares && c->shares &&
      hk_cg_set(dir, "cpu.shares", what, "linux.resources.cpu.shares", err, "%llu",
                (unsigned long long)c->shares) < 0)
    return -1;
  /* The kernel checks quota against period: if the period cannot go first,
   * the quota can. */
  if (c->has_period && hk_cg_set(dir, "cpu.cfs_period_us", what, "linux.resources.cpu.period",
                                 &e, "%llu", (unsigned long long)c->period) < 0) {
    if (!c->has_quota) {
      *err = e;
      return -1;
    }
    hk_error_free(e);
    if (hk_cg_set(dir, "cpu.cfs_quota_us", what, "linux.resources.cpu.quota", err, "%lld",
                  (long long)c->quota) < 0 ||
        hk_cg_set(dir, "cpu.cfs_period_us", what, "linux.resources.cpu.period", err, "%llu",
                  (unsigned long long)c->period) < 0)
      return -1;
  } else if (c->has_quota &&
             hk_cg_set(dir, "cpu.cfs_quota_us", what, "linux.resources.cpu.quota", err, "%lld",
                       (long long)(c->quota > 0 ? c->quota : -1)) < 0)
    return -1;
  if (c->has_burst && hk_cg_set(dir, "cpu.cfs_burst_us", what, "linux.resources.cpu.burst", err,
                                "%llu", (unsigned long long)c->burst) < 0)
    return -1;
  if (c->has_realtime_period &&
      hk_cg_set(dir, "cpu.rt_period_us", what, "linux.resources.cpu.realtimePeriod", err, "%llu",
                (unsigned long long)c->realtime_period) < 0)
    return -1;
  if (c->has_realtime_runtime &&
      hk_cg_set(dir, "cpu.rt_runtime_us", what, "linux.resources.cpu.realtimeRuntime", err,
                "%lld", (long long)c->realtime_runtime) < 0)
    return -1;
  if (c->has_idle && hk_cg_set(dir, "cpu.idle", what, "linux.resources.cpu.idle", err, "%lld",
                               (long long)c->idle) < 0)
    return -1;
  return 0;
}

static int throttle(const char *dir, const char *file, const char *json,
                    const struct hk_throttle_list *l, const char *what, hk_error_t **err)
{
  for (size_t i = 0; i < l->len; i++)
    if (hk_cg_set(dir, file, what, json, err, "%lld:%lld %llu", (long long)l->items[i].major,
                  (long long)l->items[i].minor, (unsigned long long)l->items[i].rate) < 0)
      return -1;
  return 0;
}

static int blkio(const char *dir, const struct hk_block_io *b, const char *what,
                 hk_error_t **err)
{
  /* CFQ had blkio.weight; with BFQ the file is blkio.bfq.weight. */
  const char *wfile = hk_cg_exists(dir, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
  const char *wdev =
      hk_cg_exists(dir, "blkio.weight_device") ? "blkio.weight_device" : "blkio.bfq.weight_device";

  if (b->has_weight && b->weight &&
      hk_cg_set(dir, wfile, what, "linux.resources.blockIO.weight", err, "%u", b->weight) < 0)
    return -1;
  if (b->has_leaf_weight && b->leaf_weight &&
      hk_cg_set(dir, "blkio.leaf_weight", what, "linux.resources.blockIO.leafWeight", err, "%u",
                b->leaf_weight) < 0)
    return -1;
  for (size_t i = 0; i < b->weight_device_len; i++) {
    const struct hk_weight_device *w = &b->weight_device[i];
    if (w->has_weight && hk_cg_set(dir, wdev, what, "linux.resources.blockIO.weightDevice", err,
                                   "%lld:%lld %u", (long long)w->major, (long long)w->minor,
                                   w->weight) < 0)
      return -1;
    if (w->has_leaf_weight &&
        hk_cg_set(dir, "blkio.leaf_weight_device", what, "linux.resources.blockIO.weightDevice",
                  err, "%lld:%lld %u", (long long)w->major, (long long)w->minor,
                  w->leaf_weight) < 0)
      return -1;
  }
  if (throttle(dir, "blkio.throttle.read_bps_device", "linux.resources.blockIO.throttleReadBpsDevice",
               &b->throttle_read_bps, what, err) < 0 ||
      throttle(dir, "blkio.throttle.write_bps_device",
               "linux.resources.blockIO.throttleWriteBpsDevice", &b->throttle_write_bps, what,
               err) < 0 ||
      throttle(dir, "blkio.throttle.read_iops_device",
               "linux.resources.blockIO.throttleReadIOPSDevice", &b->throttle_read_iops, what,
               err) < 0 ||
      throttle(dir, "blkio.throttle.write_iops_device",
               "linux.resources.blockIO.throttleWriteIOPSDevice", &b->throttle_write_iops, what,
               err) < 0)
    return -1;
  return 0;
}

/* "c 1:3 rwm"; a missing type, number or access means all. */
static void rule_text(const struct hk_device_cgroup *d, char *buf, size_t len)
{
  char ma[24] = "*", mi[24] = "*";

  if (d->has_major && d->major >= 0)
    snprintf(ma, sizeof(ma), "%lld", (long long)d->major);
  if (d->has_minor && d->minor >= 0)
    snprintf(mi, sizeof(mi), "%lld", (long long)d->minor);
  if (d->type == NULL || strcmp(d->type, "a") == 0)
    snprintf(buf, len, "a");
  else
    snprintf(buf, len, "%s %s:%s %s", d->type, ma, mi, d->access && *d->access ? d->access : "rwm");
}

/* The kernel takes one rule per write(2), so each of devices.allow and
 * devices.deny is opened once for all the rules (a dozen by default). */
static int devices(const char *dir, const struct hk_cg_rules *r, const char *what,
                   hk_error_t **err)
{
  static const char *const files[2] = {"devices.deny", "devices.allow"};
  int fds[2] = {-1, -1}, ret = 0;

  for (size_t i = 0; i < r->len && ret == 0; i++) {
    int k = r->v[i].allow ? 1 : 0;
    char rule[80];
    size_t n;

    rule_text(&r->v[i], rule, sizeof(rule));
    n = strlen(rule);
    if (fds[k] < 0) {
      _cleanup_free_ char *path = hk_xasprintf("%s/%s", dir, files[k]);
      const char *rel;
      int at = hk_cg_at(path, &rel);
      fds[k] = openat(at, rel, O_WRONLY | O_CLOEXEC);
      if (fds[k] < 0)
        ret = hk_error_make(err, errno, "%s: linux.resources.devices: open `%s`", what, path);
    }
    if (ret == 0 && write(fds[k], rule, n) != (ssize_t)n)
      ret = hk_error_make(err, errno, "%s: linux.resources.devices: write \"%s\" to `%s/%s`", what,
                          rule, dir, files[k]);
  }
  for (int k = 0; k < 2; k++)
    if (fds[k] >= 0)
      close(fds[k]);
  return ret;
}

int hk_cg_v1_apply(struct hk_cgroup *cg, const struct hk_resources *res,
                   const struct hk_cg_rules *rules, bool update, const char *what,
                   hk_error_t **err)
{
  const char *d;

  if (res->has_memory && (d = v1dir(cg, HK_CG_MEMORY)) &&
      memory(d, &res->memory, update, what, err) < 0)
    return -1;
  if (res->has_cpu && (d = v1dir(cg, HK_CG_CPU)) && cpu(d, &res->cpu, what, err) < 0)
    return -1;
  if (res->has_block_io && (d = v1dir(cg, HK_CG_BLKIO)) && blkio(d, &res->block_io, what, err) < 0)
    return -1;
  if ((d = v1dir(cg, HK_CG_HUGETLB))) {
    for (size_t i = 0; i < res->hugepage_limits_len; i++) {
      _cleanup_free_ char *f =
          hk_xasprintf("hugetlb.%s.limit_in_bytes", res->hugepage_limits[i].page_size);
      if (hk_cg_set(d, f, what, "linux.resources.hugepageLimits", err, "%llu",
                    (unsigned long long)res->hugepage_limits[i].limit) < 0)
        return -1;
    }
  }
  if (res->has_network && res->network.has_class_id && (d = v1dir(cg, HK_CG_NET_CLS)) &&
      hk_cg_set(d, "net_cls.classid", what, "linux.resources.network.classID", err, "%u",
                res->network.class_id) < 0)
    return -1;
  if (res->has_network && (d = v1dir(cg, HK_CG_NET_PRIO))) {
    for (size_t i = 0; i < res->network.priorities_len; i++)
      if (hk_cg_set(d, "net_prio.ifpriomap", what, "linux.resources.network.priorities", err,
                    "%s %u", res->network.priorities[i].name,
                    res->network.priorities[i].priority) < 0)
        return -1;
  }
  if (rules->len && cg->v1[HK_CG_DEVICES] &&
      devices(cg->v1[HK_CG_DEVICES], rules, what, err) < 0)
    return -1;
  return 0;
}

/* ---- statistics ---- */

static uint64_t u64(const char *dir, const char *file)
{
  uint64_t v = 0;
  if (dir)
    hk_cg_read_u64(dir, file, &v);
  return v;
}

static void mem_entry(const char *dir, const char *prefix, struct hk_cg_memory_entry *e)
{
  char f[64];
  snprintf(f, sizeof(f), "%s.usage_in_bytes", prefix);
  e->usage = u64(dir, f);
  snprintf(f, sizeof(f), "%s.max_usage_in_bytes", prefix);
  e->max = u64(dir, f);
  snprintf(f, sizeof(f), "%s.limit_in_bytes", prefix);
  e->limit = u64(dir, f);
  snprintf(f, sizeof(f), "%s.failcnt", prefix);
  e->failcnt = u64(dir, f);
}

/* "key value" lines into a kv list. */
static void raw_stats(const char *dir, const char *file, struct hk_kv_list *kv)
{
  _cleanup_free_ char *s = hk_cg_read(dir, file);
  char *line, *save = NULL;
  size_t cap = 0;

  if (s == NULL)
    return;
  for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *sp = strchr(line, ' ');
    if (sp == NULL)
      continue;
    *sp = '\0';
    if (kv->len == cap) {
      cap = cap ? cap * 2 : 64;
      kv->items = hk_xrealloc(kv->items, cap * sizeof(*kv->items));
    }
    kv->items[kv->len].key = hk_xstrdup(line);
    kv->items[kv->len++].value = hk_xstrdup(sp + 1);
  }
}

/* A blkio statistics file: "8:0 Read 4096" lines, or "8:0 4096" (sectors,
 * time), ending with a "Total N" line that is skipped. */
static void blkio_list(const char *dir, const char *file, struct hk_cg_blkio_list *l)
{
  _cleanup_free_ char *s = hk_cg_read(dir, file);
  char *line, *save = NULL;

  if (s == NULL)
    return;
  for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    struct hk_cg_blkio_entry e = {0};
    unsigned long long ma, mi, v;
    char word[16];
    int n = sscanf(line, "%llu:%llu %15s %llu", &ma, &mi, word, &v);
    if (n == 4)
      snprintf(e.op, sizeof(e.op), "%s", word);
    else if (n == 3 && sscanf(word, "%llu", &v) == 1)
      e.op[0] = '\0';
    else
      continue;
    e.major = ma, e.minor = mi, e.value = v;
    l->items = hk_xrealloc(l->items, (l->len + 1) * sizeof(*l->items));
    l->items[l->len++] = e;
  }
}

/* Which blkio files hold the statistics depends on the I/O scheduler: BFQ
 * (with or without its debug files), CFQ, else only the throttling layer's
 * counters.  As runc, the first group whose first file has entries wins. */
static void blkio_stats(const char *dir, struct hk_cgroup_stats *st)
{
  struct source {
    const char *file;
    struct hk_cg_blkio_list *list;
  };
  const struct source bfq_debug[] = {
      {"blkio.bfq.sectors_recursive", &st->sectors},
      {"blkio.bfq.io_service_time_recursive", &st->io_service_time},
      {"blkio.bfq.io_wait_time_recursive", &st->io_wait_time},
      {"blkio.bfq.io_merged_recursive", &st->io_merged},
      {"blkio.bfq.io_queued_recursive", &st->io_queued},
      {"blkio.bfq.time_recursive", &st->io_time},
      {"blkio.bfq.io_serviced_recursive", &st->io_serviced},
      {"blkio.bfq.io_service_bytes_recursive", &st->io_service_bytes},
      {NULL, NULL}};
  const struct source bfq[] = {{"blkio.bfq.io_serviced_recursive", &st->io_serviced},
                               {"blkio.bfq.io_service_bytes_recursive", &st->io_service_bytes},
                               {NULL, NULL}};
  const struct source cfq[] = {{"blkio.sectors_recursive", &st->sectors},
                               {"blkio.io_service_time_recursive", &st->io_service_time},
                               {"blkio.io_wait_time_recursive", &st->io_wait_time},
                               {"blkio.io_merged_recursive", &st->io_merged},
                               {"blkio.io_queued_recursive", &st->io_queued},
                               {"blkio.time_recursive", &st->io_time},
                               {"blkio.io_serviced_recursive", &st->io_serviced},
                               {"blkio.io_service_bytes_recursive", &st->io_service_bytes},
                               {NULL, NULL}};
  const struct source throttle[] = {
      {"blkio.throttle.io_serviced_recursive", &st->io_serviced},
      {"blkio.throttle.io_service_bytes_recursive", &st->io_service_bytes},
      {NULL, NULL}};
  const struct source base[] = {{"blkio.throttle.io_serviced", &st->io_serviced},
                                {"blkio.throttle.io_service_bytes", &st->io_service_bytes},
                                {NULL, NULL}};
  const struct source *groups[] = {bfq_debug, bfq, cfq, throttle, base};

  for (size_t g = 0; g < HK_ARRAY_SIZE(groups); g++) {
    blkio_list(dir, groups[g][0].file, groups[g][0].list);
    if (groups[g][0].list->len == 0)
      continue;
    for (const struct source *s = &groups[g][1]; s->file; s++)
      blkio_list(dir, s->file, s->list);
    return;
  }
}

/* "0-3,5" into a list of numbers. */
static void cpu_list(const char *dir, const char *file, uint16_t **out, size_t *len)
{
  _cleanup_free_ char *s = hk_cg_read(dir, file);
  char *tok, *save = NULL;

  if (s == NULL)
    return;
  for (tok = strtok_r(s, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save)) {
    unsigned lo, hi;
    int n = sscanf(tok, "%u-%u", &lo, &hi);
    if (n == 1)
      hi = lo;
    else if (n != 2)
      continue;
    if (hi > UINT16_MAX || lo > hi)
      continue;
    for (unsigned v = lo; v <= hi; v++) {
      *out = hk_xrealloc(*out, (*len + 1) * sizeof(**out));
      (*out)[(*len)++] = (uint16_t)v;
    }
  }
}

static void cpuset_stats(const char *d, struct hk_cg_cpuset_stats *c)
{
  _cleanup_free_ char *relax = hk_cg_read(d, "cpuset.sched_relax_domain_level");

  cpu_list(d, "cpuset.cpus", &c->cpus, &c->cpus_len);
  cpu_list(d, "cpuset.mems", &c->mems, &c->mems_len);
  c->cpu_exclusive = u64(d, "cpuset.cpu_exclusive");
  c->mem_hardwall = u64(d, "cpuset.mem_hardwall");
  c->mem_exclusive = u64(d, "cpuset.mem_exclusive");
  c->memory_migrate = u64(d, "cpuset.memory_migrate");
  c->memory_spread_page = u64(d, "cpuset.memory_spread_page");
  c->memory_spread_slab = u64(d, "cpuset.memory_spread_slab");
  c->memory_pressure = u64(d, "cpuset.memory_pressure");
  c->sched_load_balance = u64(d, "cpuset.sched_load_balance");
  c->sched_relax_domain_level = relax ? strtoll(relax, NULL, 10) : 0;
}

/* cpuacct.usage_all: a "cpu user system" header, then one line per cpu. */
static void percpu_modes(const char *d, struct hk_cgroup_stats *st)
{
  _cleanup_free_ char *s = hk_cg_read(d, "cpuacct.usage_all");
  char *line, *save = NULL;

  if (s == NULL)
    return;
  for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    unsigned cpu;
    unsigned long long user, sys;
    if (sscanf(line, "%u %llu %llu", &cpu, &user, &sys) != 3)
      continue;
    st->cpu_percpu_user =
        hk_xrealloc(st->cpu_percpu_user, (st->cpu_percpu_user_len + 1) * sizeof(uint64_t));
    st->cpu_percpu_user[st->cpu_percpu_user_len++] = user;
    st->cpu_percpu_kernel =
        hk_xrealloc(st->cpu_percpu_kernel, (st->cpu_percpu_kernel_len + 1) * sizeof(uint64_t));
    st->cpu_percpu_kernel[st->cpu_percpu_kernel_len++] = sys;
  }
}

void hk_cg_v1_stats(const struct hk_cgroup *cg, struct hk_cgroup_stats *st)
{
  const char *d;
  long tck = sysconf(_SC_CLK_TCK);

  if ((d = v1dir(cg, HK_CG_CPUACCT))) {
    _cleanup_free_ char *pc = hk_cg_read(d, "cpuacct.usage_percpu");
    _cleanup_free_ char *stat = hk_cg_read(d, "cpuacct.stat");
    unsigned long long u = 0, k = 0;
    st->cpu_total = u64(d, "cpuacct.usage");
    for (char *p = pc, *end; p && *p;) {
      unsigned long long v = strtoull(p, &end, 10);
      if (end == p)
        break;
      st->cpu_percpu = hk_xrealloc(st->cpu_percpu, (st->cpu_percpu_len + 1) * sizeof(uint64_t));
      st->cpu_percpu[st->cpu_percpu_len++] = v;
      p = end;
    }
    if (stat && sscanf(stat, "user %llu\nsystem %llu", &u, &k) == 2 && tck > 0) {
      st->cpu_user = u * (1000000000ULL / tck);
      st->cpu_kernel = k * (1000000000ULL / tck);
    }
    percpu_modes(d, st);
  }
  if ((d = v1dir(cg, HK_CG_CPUSET)))
    cpuset_stats(d, &st->cpuset);
  if ((d = v1dir(cg, HK_CG_CPU))) {
    _cleanup_free_ char *s = hk_cg_read(d, "cpu.stat");
    const char *p;
    if (s && (p = strstr(s, "nr_periods ")))
      st->throttling_periods = strtoull(p + 11, NULL, 10);
    if (s && (p = strstr(s, "nr_throttled ")))
      st->throttled_periods = strtoull(p + 13, NULL, 10);
    if (s && (p = strstr(s, "throttled_time ")))
      st->throttled_time = strtoull(p + 15, NULL, 10);
  }
  if ((d = v1dir(cg, HK_CG_MEMORY))) {
    mem_entry(d, "memory", &st->memory_usage);
    mem_entry(d, "memory.memsw", &st->memory_swap);
    mem_entry(d, "memory.kmem", &st->memory_kernel);
    mem_entry(d, "memory.kmem.tcp", &st->memory_kernel_tcp);
    st->memory_use_hierarchy = u64(d, "memory.use_hierarchy") == 1;
    raw_stats(d, "memory.stat", &st->memory_raw);
    for (size_t i = 0; i < st->memory_raw.len; i++)
      if (strcmp(st->memory_raw.items[i].key, "cache") == 0)
        st->memory_cache = strtoull(st->memory_raw.items[i].value, NULL, 10);
  }
  if ((d = v1dir(cg, HK_CG_BLKIO)))
    blkio_stats(d, st);
  if ((d = v1dir(cg, HK_CG_HUGETLB))) {
    char sizes[8][16];
    size_t n = hk_cg_hugepage_sizes(sizes, 8);
    st->hugetlb = hk_xmalloc0((n ? n : 1) * sizeof(*st->hugetlb));
    for (size_t i = 0; i < n; i++) {
      char f[64];
      struct hk_cg_hugetlb *h = &st->hugetlb[st->hugetlb_len++];
      snprintf(h->size, sizeof(h->size), "%s", sizes[i]);
      snprintf(f, sizeof(f), "hugetlb.%s.usage_in_bytes", sizes[i]);
      h->usage = u64(d, f);
      snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", sizes[i]);
      h->max = u64(d, f);
      snprintf(f, sizeof(f), "hugetlb.%s.failcnt", sizes[i]);
      h->failcnt = u64(d, f);
    }
  }
}
