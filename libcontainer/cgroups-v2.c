/* Resources and statistics on cgroup v2: the controllers that hk_cg_dir()
 * says live on the unified hierarchy (all of them on a pure v2 host), the
 * `unified` key/values, and the device program. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups.h"
#include "log.h"
#include "utils.h"

static const char *v2dir(const struct hk_cgroup *cg, enum hk_cg_controller c)
{
  bool v2;
  const char *d = hk_cg_dir(cg, c, &v2);
  return d && v2 ? d : NULL;
}

/* cpu.shares [2, 262144] onto cpu.weight [1, 10000], linearly, as runc and
 * crun (before 1.23) do. */
uint64_t hk_cg_shares_to_weight(uint64_t shares)
{
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

/* blkio.weight [10, 1000] onto io.weight [1, 10000]. */
uint64_t hk_cg_blkio_to_io_weight(uint64_t weight)
{
  if (weight == 0)
    return 0;
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  return 1 + ((weight - 10) * 9999) / 990;
}

static void ignored(const char *what, const char *json)
{
  hk_warn("%s: %s: cgroup v2 has no such setting; ignored", what, json);
}

static int memory(const char *dir, const struct hk_memory *m, bool update, const char *what,
                  hk_error_t **err)
{
  uint64_t cur;

  if (update && m->has_limit && m->limit > 0 && m->has_check_before_update &&
      m->check_before_update && hk_cg_read_u64(dir, "memory.current", &cur) &&
      (uint64_t)m->limit < cur)
    return hk_error_plain(err, EBUSY,
                         "%s: linux.resources.memory.limit: %lld is below the current usage %llu "
                         "(checkBeforeUpdate)",
                         what, (long long)m->limit, (unsigned long long)cur);
  /* The spec's swap is memory+swap; v2's memory.swap.max is swap alone. */
  if (m->has_swap && m->swap != 0) {
    char v[32] = "max";
    if (m->swap != -1) {
      if (!m->has_limit || m->limit <= 0)
        return hk_error_plain(err, EINVAL,
                             "%s: linux.resources.memory.swap: needs a memory.limit on cgroup v2",
                             what);
      if (m->swap < m->limit)
        return hk_error_plain(err, EINVAL,
                             "%s: linux.resources.memory.swap: %lld is below memory.limit %lld "
                             "(swap is memory+swap)",
                             what, (long long)m->swap, (long long)m->limit);
      snprintf(v, sizeof(v), "%lld", (long long)(m->swap - m->limit));
    }
    if (!hk_cg_exists(dir, "memory.swap.max")) {
      if (strcmp(v, "0") != 0 && strcmp(v, "max") != 0)
        return hk_error_plain(err, ENOTSUP,
                             "%s: linux.resources.memory.swap: swap accounting is off on this host",
                             what);
    } else if (hk_cg_set(dir, "memory.swap.max", what, "linux.resources.memory.swap", err, "%s", v) < 0)
      return -1;
  }
  if (m->has_limit && m->limit && hk_cg_set(dir, "memory.max", what, "linux.resources.memory.limit", err,
                                m->limit > 0 ? "%lld" : "max", (long long)m->limit) < 0)
    return -1;
  if (m->has_reservation && m->reservation &&
      hk_cg_set(dir, "memory.low", what, "linux.resources.memory.reservation", err,
                m->reservation > 0 ? "%lld" : "0", (long long)m->reservation) < 0)
    return -1;
  if (m->has_kernel)
    ignored(what, "linux.resources.memory.kernel");
  if (m->has_kernel_tcp)
    ignored(what, "linux.resources.memory.kernelTCP");
  if (m->has_swappiness && m->swappiness != 60)
    ignored(what, "linux.resources.memory.swappiness");
  if (m->has_disable_oom_killer && m->disable_oom_killer)
    ignored(what, "linux.resources.memory.disableOOMKiller");
  return 0;
}

static int cpu(const char *dir, const struct hk_cpu *c, const char *what, hk_error_t **err)
{
  if (c->has_shares && c->shares &&
      hk_cg_set(dir, "cpu.weight", what, "linux.resources.cpu.shares", err, "%llu",
                (unsigned long long)hk_cg_shares_to_weight(c->shares)) < 0)
    return -1;
  if (c->has_quota || c->has_period) {
    char quota[32] = "max";
    unsigned long long period = c->has_period ? c->period : 100000;
    _cleanup_free_ char *cur = hk_cg_read(dir, "cpu.max");
    if (c->has_quota && c->quota > 0)
      snprintf(quota, sizeof(quota), "%lld", (long long)c->quota);
    else if (!c->has_quota && cur) /* keep the quota, change the period */
      sscanf(cur, "%31s", quota);
    if (!c->has_period && cur)
      sscanf(cur, "%*s %llu", &period);
    if (hk_cg_set(dir, "cpu.max", what, "linux.resources.cpu.quota", err, "%s %llu", quota, period) < 0)
      return -1;
  }
  if (c->has_burst && hk_cg_set(dir, "cpu.max.burst", what, "linux.resources.cpu.burst", err,
                                "%llu", (unsigned long long)c->burst) < 0)
    return -1;
  if ((c->has_realtime_runtime && c->realtime_runtime) ||
      (c->has_realtime_period && c->realtime_period))
    return hk_error_plain(err, ENOTSUP,
                         "%s: linux.resources.cpu.realtimeRuntime/realtimePeriod: cgroup v2 has "
                         "no realtime cpu limits",
                         what);
  if (c->has_idle && hk_cg_set(dir, "cpu.idle", what, "linux.resources.cpu.idle", err, "%lld",
                               (long long)c->idle) < 0)
    return -1;
  return 0;
}

static int io_max(const char *dir, const char *key, const char *json,
                  const struct hk_throttle_list *l, const char *what, hk_error_t **err)
{
  for (size_t i = 0; i < l->len; i++)
    if (hk_cg_set(dir, "io.max", what, json, err, "%lld:%lld %s=%llu",
                  (long long)l->items[i].major, (long long)l->items[i].minor, key,
                  (unsigned long long)l->items[i].rate) < 0)
      return -1;
  return 0;
}

static int io(const char *dir, const struct hk_block_io *b, const char *what, hk_error_t **err)
{
  /* BFQ takes the v1 range as is; io.weight needs the conversion. */
  bool bfq = hk_cg_exists(dir, "io.bfq.weight");
  const char *wfile = bfq ? "io.bfq.weight" : "io.weight";

  if (b->has_weight && b->weight &&
      hk_cg_set(dir, wfile, what, "linux.resources.blockIO.weight", err, "%llu",
                bfq ? (unsigned long long)b->weight
                    : (unsigned long long)hk_cg_blkio_to_io_weight(b->weight)) < 0)
    return -1;
  if (b->has_leaf_weight && b->leaf_weight)
    ignored(what, "linux.resources.blockIO.leafWeight");
  for (size_t i = 0; i < b->weight_device_len; i++) {
    const struct hk_weight_device *w = &b->weight_device[i];
    if (w->has_weight &&
        hk_cg_set(dir, wfile, what, "linux.resources.blockIO.weightDevice", err,
                  "%lld:%lld %llu", (long long)w->major, (long long)w->minor,
                  bfq ? (unsigned long long)w->weight
                      : (unsigned long long)hk_cg_blkio_to_io_weight(w->weight)) < 0)
      return -1;
  }
  if (io_max(dir, "rbps", "linux.resources.blockIO.throttleReadBpsDevice", &b->throttle_read_bps,
             what, err) < 0 ||
      io_max(dir, "wbps", "linux.resources.blockIO.throttleWriteBpsDevice",
             &b->throttle_write_bps, what, err) < 0 ||
      io_max(dir, "riops", "linux.resources.blockIO.throttleReadIOPSDevice",
             &b->throttle_read_iops, what, err) < 0 ||
      io_max(dir, "wiops", "linux.resources.blockIO.throttleWriteIOPSDevice",
             &b->throttle_write_iops, what, err) < 0)
    return -1;
  return 0;
}

/* A `unified` key names a file of the container's cgroup2 directory:
 * "<controller>.<name>" of a controller it has, or "cgroup.<name>". */
static int unified(struct hk_cgroup *cg, const struct hk_kv_list *kv, const char *what,
                   hk_error_t **err)
{
  for (size_t i = 0; i < kv->len; i++) {
    const char *k = kv->items[i].key;
    const char *dot = strchr(k, '.');
    bool ok = false;

    if (cg->v2 == NULL)
      return hk_error_plain(err, ENOTSUP,
                           "%s: linux.resources.unified: this host has no cgroup v2 hierarchy", what);
    if (dot && dot != k && !strchr(k, '/') && strlen(k) < 128) {
      _cleanup_free_ char *ctl = hk_xasprintf("%.*s", (int)(dot - k), k);
      if (strcmp(ctl, "cgroup") == 0)
        ok = true;
      for (int c = 0; c < HK_CG_COUNT && !ok; c++) {
        const char *n = hk_cg_name(c, true);
        ok = n && strcmp(n, ctl) == 0 && (cg->v2_mask & (1u << c));
      }
      /* cpu.pressure and friends exist without the controller. */
      ok = ok || (strcmp(dot, ".pressure") == 0);
    }
    if (!ok || !hk_cg_exists(cg->v2, k))
      return hk_error_plain(err, EINVAL,
                           "%s: linux.resources.unified.%s: no such cgroup v2 file in `%s`%s", what,
                           k, cg->v2, ok ? "" : " (or its controller is not enabled there)");
    if (hk_cg_write(cg->v2, k, kv->items[i].value, err) < 0)
      return hk_error_wrap(err, "%s: linux.resources.unified.%s", what, k);
  }
  return 0;
}

int hk_cg_v2_apply(struct hk_cgroup *cg, const struct hk_resources *res,
                   const struct hk_cg_rules *rules, bool update, const char *what,
                   hk_error_t **err)
{
  const char *d;

  if (res->has_memory && (d = v2dir(cg, HK_CG_MEMORY)) &&
      memory(d, &res->memory, update, what, err) < 0)
    return -1;
  if (res->has_cpu && (d = v2dir(cg, HK_CG_CPU)) && cpu(d, &res->cpu, what, err) < 0)
    return -1;
  if (res->has_block_io && (d = v2dir(cg, HK_CG_BLKIO)) && io(d, &res->block_io, what, err) < 0)
    return -1;
  if ((d = v2dir(cg, HK_CG_HUGETLB))) {
    for (size_t i = 0; i < res->hugepage_limits_len; i++) {
      const struct hk_hugepage_limit *h = &res->hugepage_limits[i];
      _cleanup_free_ char *f = hk_xasprintf("hugetlb.%s.max", h->page_size);
      _cleanup_free_ char *r = hk_xasprintf("hugetlb.%s.rsvd.max", h->page_size);
      if (hk_cg_set(d, f, what, "linux.resources.hugepageLimits", err, "%llu",
                    (unsigned long long)h->limit) < 0)
        return -1;
      if (hk_cg_exists(d, r) && hk_cg_set(d, r, what, "linux.resources.hugepageLimits", err,
                                          "%llu", (unsigned long long)h->limit) < 0)
        return -1;
    }
  }
  if (res->unified.len && unified(cg, &res->unified, what, err) < 0)
    return -1;
  if (rules->len && cg->v1[HK_CG_DEVICES] == NULL && cg->v2 &&
      hk_cg_bpf_devices(cg->v2, rules->v, rules->len, err) < 0)
    return hk_error_wrap(err, "%s: linux.resources.devices", what);
  return 0;
}

/* ---- statistics ---- */

static uint64_t key_u64(const char *text, const char *key)
{
  size_t n = strlen(key);
  for (const char *p = text; p && (p = strstr(p, key)); p += n)
    if ((p == text || p[-1] == '\n') && p[n] == ' ')
      return strtoull(p + n + 1, NULL, 10);
  return 0;
}

static uint64_t u64(const char *dir, const char *file)
{
  uint64_t v = 0;
  hk_cg_read_u64(dir, file, &v);
  return v;
}

static void add_io(struct hk_cg_blkio_list *l, unsigned long long ma, unsigned long long mi,
                   const char *op, uint64_t v)
{
  struct hk_cg_blkio_entry *e;
  l->items = hk_xrealloc(l->items, (l->len + 1) * sizeof(*l->items));
  e = &l->items[l->len++];
  memset(e, 0, sizeof(*e));
  e->major = ma, e->minor = mi, e->value = v;
  snprintf(e->op, sizeof(e->op), "%s", op);
}

void hk_cg_v2_stats(const struct hk_cgroup *cg, struct hk_cgroup_stats *st)
{
  const char *d;

  if (cg->v2 && cg->v1[HK_CG_CPU] == NULL && cg->v1[HK_CG_CPUACCT] == NULL) {
    _cleanup_free_ char *s = hk_cg_read(cg->v2, "cpu.stat");
    if (s) {
      st->cpu_total = key_u64(s, "usage_usec") * 1000;
      st->cpu_user = key_u64(s, "user_usec") * 1000;
      st->cpu_kernel = key_u64(s, "system_usec") * 1000;
      st->throttling_periods = key_u64(s, "nr_periods");
      st->throttled_periods = key_u64(s, "nr_throttled");
      st->throttled_time = key_u64(s, "throttled_usec") * 1000;
    }
  }
  if ((d = v2dir(cg, HK_CG_MEMORY))) {
    _cleanup_free_ char *ev = hk_cg_read(d, "memory.events");
    _cleanup_free_ char *s = hk_cg_read(d, "memory.stat");
    st->memory_usage.usage = u64(d, "memory.current");
    st->memory_usage.max = u64(d, "memory.peak");
    st->memory_usage.limit = u64(d, "memory.max");
    st->memory_usage.failcnt = ev ? key_u64(ev, "max") : 0;
    /* v2 counts swap alone; report memory+swap, as v1's memsw (and runc). */
    if (hk_cg_read_u64(d, "memory.swap.current", &st->memory_swap.usage)) {
      st->memory_swap.usage += st->memory_usage.usage;
      st->memory_swap.limit = u64(d, "memory.swap.max");
      if (st->memory_swap.limit != UINT64_MAX && st->memory_usage.limit != UINT64_MAX)
        st->memory_swap.limit += st->memory_usage.limit;
      else
        st->memory_swap.limit = UINT64_MAX;
    }
    st->memory_use_hierarchy = true;
    if (s) {
      char *line, *save = NULL;
      for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' ');
        if (sp == NULL)
          continue;
        *sp = '\0';
        st->memory_raw.items =
            hk_xrealloc(st->memory_raw.items, (st->memory_raw.len + 1) * sizeof(struct hk_kv));
        st->memory_raw.items[st->memory_raw.len].key = hk_xstrdup(line);
        st->memory_raw.items[st->memory_raw.len++].value = hk_xstrdup(sp + 1);
        if (strcmp(line, "file") == 0)
          st->memory_cache = strtoull(sp + 1, NULL, 10);
      }
    }
  }
  if ((d = v2dir(cg, HK_CG_BLKIO))) {
    _cleanup_free_ char *s = hk_cg_read(d, "io.stat");
    char *line, *save = NULL;
    for (line = s ? strtok_r(s, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
      unsigned long long ma, mi, rb = 0, wb = 0, ri = 0, wi = 0;
      const char *p;
      if (sscanf(line, "%llu:%llu", &ma, &mi) != 2)
        continue;
      if ((p = strstr(line, "rbytes=")))
        rb = strtoull(p + 7, NULL, 10);
      if ((p = strstr(line, "wbytes=")))
        wb = strtoull(p + 7, NULL, 10);
      if ((p = strstr(line, "rios=")))
        ri = strtoull(p + 5, NULL, 10);
      if ((p = strstr(line, "wios=")))
        wi = strtoull(p + 5, NULL, 10);
      add_io(&st->io_service_bytes, ma, mi, "Read", rb);
      add_io(&st->io_service_bytes, ma, mi, "Write", wb);
      add_io(&st->io_serviced, ma, mi, "Read", ri);
      add_io(&st->io_serviced, ma, mi, "Write", wi);
    }
  }
  if ((d = v2dir(cg, HK_CG_HUGETLB))) {
    char sizes[8][16];
    size_t n = hk_cg_hugepage_sizes(sizes, 8);
    st->hugetlb = hk_xmalloc0((n ? n : 1) * sizeof(*st->hugetlb));
    for (size_t i = 0; i < n; i++) {
      char f[64];
      _cleanup_free_ char *ev = NULL;
      struct hk_cg_hugetlb *h = &st->hugetlb[st->hugetlb_len++];
      snprintf(h->size, sizeof(h->size), "%s", sizes[i]);
      snprintf(f, sizeof(f), "hugetlb.%s.current", sizes[i]);
      h->usage = u64(d, f);
      /* hugetlb.<size>.max is the limit: v2 keeps no peak usage. */
      snprintf(f, sizeof(f), "hugetlb.%s.events", sizes[i]);
      ev = hk_cg_read(d, f);
      h->failcnt = ev ? key_u64(ev, "max") : 0;
    }
  }
}
