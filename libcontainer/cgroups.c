/* The cgroup manager: layout detection, where the container's cgroup goes,
 * creating, entering, freezing, listing, signalling and removing it.  The
 * resource writers are in cgroups-v1.c and cgroups-v2.c. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroups.h"
#include "log.h"
#include "utils.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define CGROUP_ROOT "/sys/fs/cgroup"
#define UNIFIED_KEY "unified"

static const char *const v1_names[HK_CG_COUNT] = {
    [HK_CG_CPU] = "cpu",         [HK_CG_CPUACCT] = "cpuacct", [HK_CG_CPUSET] = "cpuset",
    [HK_CG_MEMORY] = "memory",   [HK_CG_PIDS] = "pids",       [HK_CG_BLKIO] = "blkio",
    [HK_CG_HUGETLB] = "hugetlb", [HK_CG_DEVICES] = "devices", [HK_CG_FREEZER] = "freezer",
    [HK_CG_NET_CLS] = "net_cls", [HK_CG_NET_PRIO] = "net_prio", [HK_CG_RDMA] = "rdma",
    [HK_CG_PERF_EVENT] = "perf_event", [HK_CG_MISC] = "misc", [HK_CG_SYSTEMD] = "name=systemd",
};

/* On v2, cpuacct is part of cpu, and devices/freezer are not controllers. */
static const char *const v2_names[HK_CG_COUNT] = {
    [HK_CG_CPU] = "cpu",       [HK_CG_CPUSET] = "cpuset",   [HK_CG_MEMORY] = "memory",
    [HK_CG_PIDS] = "pids",     [HK_CG_BLKIO] = "io",        [HK_CG_HUGETLB] = "hugetlb",
    [HK_CG_RDMA] = "rdma",     [HK_CG_PERF_EVENT] = "perf_event", [HK_CG_MISC] = "misc",
};

const char *hk_cg_name(enum hk_cg_controller c, bool v2)
{
  return v2 ? v2_names[c] : v1_names[c];
}

const char *hk_cg_dir(const struct hk_cgroup *cg, enum hk_cg_controller c, bool *is_v2)
{
  if (cg->v1[c]) {
    if (is_v2)
      *is_v2 = false;
    return cg->v1[c];
  }
  if (cg->v2 && (cg->v2_mask & (1u << c))) {
    if (is_v2)
      *is_v2 = true;
    return cg->v2;
  }
  return NULL;
}

/* ---- layout ---- */

static bool is_fs(const char *path, long magic)
{
  _cleanup_close_ int fd = hk_cg_open(path, O_PATH);
  struct statfs sf;
  return fd >= 0 && fstatfs(fd, &sf) == 0 && sf.f_type == magic;
}

int hk_cgroup_detect(enum hk_cgroup_layout *layout, hk_error_t **err)
{
  const char *rel;
  int fd = hk_cg_at(CGROUP_ROOT, &rel);
  struct statfs sf;

  if (fd == AT_FDCWD || fstatfs(fd, &sf) < 0)
    return hk_error_make(err, errno, "statfs `" CGROUP_ROOT "`");
  if (sf.f_type == CGROUP2_SUPER_MAGIC)
    *layout = HK_CGROUP_UNIFIED;
  else if (is_fs(CGROUP_ROOT "/unified", CGROUP2_SUPER_MAGIC))
    *layout = HK_CGROUP_HYBRID;
  else
    *layout = HK_CGROUP_LEGACY;
  return 0;
}

/* Where we are, from one read of /proc/self/cgroup ("3:cpu,cpuacct:/a/b",
 * "0::/c"): our cgroup in each v1 hierarchy the kernel has, and on v2. */
struct own_cgroups {
  char *v1[HK_CG_COUNT];
  char *v2;
};

static void own_cgroups_read(struct own_cgroups *o)
{
  _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
  char line[4096];

  memset(o, 0, sizeof(*o));
  while (f && fgets(line, sizeof(line), f)) {
    char *ctl = strchr(line, ':'), *path, *tok, *save = NULL;
    if (ctl == NULL || (path = strchr(++ctl, ':')) == NULL)
      continue;
    *path++ = '\0';
    path[strcspn(path, "\n")] = '\0';
    if (strcmp(line, "0:") == 0 && *ctl == '\0') {
      free(o->v2);
      o->v2 = hk_xstrdup(path);
      continue;
    }
    for (tok = strtok_r(ctl, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
      for (int c = 0; c < HK_CG_COUNT; c++)
        if (o->v1[c] == NULL && strcmp(tok, v1_names[c]) == 0)
          o->v1[c] = hk_xstrdup(path);
  }
}

static void own_cgroups_clear(struct own_cgroups *o)
{
  for (int c = 0; c < HK_CG_COUNT; c++)
    free(o->v1[c]);
  free(o->v2);
}

/* "a/../b", "//", a trailing "/.": a cgroup path must be plain. */
static bool path_is_plain(const char *p)
{
  for (const char *s = p; *s;) {
    size_t n;
    while (*s == '/')
      s++;
    n = strcspn(s, "/");
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
      return false;
    s += n;
  }
  return true;
}

/* The path below a hierarchy's root: absolute paths as given, relative ones
 * below our own cgroup there (as runc).  No path means /<id>, as crun: on
 * cgroup v2 a cgroup below ours could get no controllers, since ours holds
 * a process (husk itself) and v2 allows no controllers below those. */
static char *below_root(const struct hk_cgroup_request *req, const char *own)
{
  const char *p = req->cgroups_path;
  if (p == NULL)
    return hk_xasprintf("/%s", req->id);
  if (p[0] == '/')
    return hk_xstrdup(p);
  if (own == NULL || strcmp(own, "/") == 0)
    own = "";
  return hk_xasprintf("%s/%s", own, p);
}

static int check_request(const struct hk_cgroup_request *req, hk_error_t **err)
{
  const char *p = req->cgroups_path;

  if (req->systemd) {
    /* Without systemd there is nobody to ask for a unit. */
    if (access("/run/systemd/system", F_OK) < 0)
      return hk_error_plain(err, ENOTSUP,
                           "--systemd-cgroup: systemd is not running on this host (no "
                           "/run/systemd/system); drop the flag to use cgroupfs");
    return hk_error_plain(err, ENOTSUP,
                         "--systemd-cgroup: the systemd cgroup driver is not supported yet; "
                         "drop the flag to use cgroupfs");
  }
  if (p == NULL)
    return 0;
  if (p[0] == '\0' || strlen(p) >= 4096 || !path_is_plain(p))
    return hk_error_plain(err, EINVAL, "%s: linux.cgroupsPath: invalid path \"%s\"",
                         req->config_name, p);
  if (p[0] != '/' && strchr(p, ':') && !req->systemd)
    return hk_error_plain(err, EINVAL,
                         "%s: linux.cgroupsPath: \"%s\" is a systemd slice:prefix:name path; "
                         "use --systemd-cgroup or a cgroupfs path",
                         req->config_name, p);
  return 0;
}

/* Which controllers `res` needs (1 << HK_CG_x). */
static unsigned needed(const struct hk_resources *res)
{
  unsigned m = 0;
  if (res == NULL)
    return 0;
  if (res->has_memory)
    m |= 1u << HK_CG_MEMORY;
  if (res->has_cpu) {
    const struct hk_cpu *c = &res->cpu;
    if ((c->has_shares && c->shares) || c->has_quota || c->has_period || c->has_burst ||
        c->has_realtime_runtime || c->has_realtime_period || c->has_idle)
      m |= 1u << HK_CG_CPU;
    if ((c->cpus && *c->cpus) || (c->mems && *c->mems))
      m |= 1u << HK_CG_CPUSET;
  }
  if (res->has_pids)
    m |= 1u << HK_CG_PIDS;
  if (res->has_block_io) {
    const struct hk_block_io *b = &res->block_io;
    if ((b->has_weight && b->weight) || (b->has_leaf_weight && b->leaf_weight) ||
        b->weight_device_len || b->throttle_read_bps.len || b->throttle_write_bps.len ||
        b->throttle_read_iops.len || b->throttle_write_iops.len)
      m |= 1u << HK_CG_BLKIO;
  }
  if (res->hugepage_limits_len)
    m |= 1u << HK_CG_HUGETLB;
  if (res->has_network && res->network.has_class_id)
    m |= 1u << HK_CG_NET_CLS;
  if (res->has_network && res->network.priorities_len)
    m |= 1u << HK_CG_NET_PRIO;
  if (res->rdma_len)
    m |= 1u << HK_CG_RDMA;
  return m;
}

static const char *const resource_path[HK_CG_COUNT] = {
    [HK_CG_CPU] = "linux.resources.cpu",
    [HK_CG_CPUSET] = "linux.resources.cpu.cpus/mems",
    [HK_CG_MEMORY] = "linux.resources.memory",
    [HK_CG_PIDS] = "linux.resources.pids",
    [HK_CG_BLKIO] = "linux.resources.blockIO",
    [HK_CG_HUGETLB] = "linux.resources.hugepageLimits",
    [HK_CG_NET_CLS] = "linux.resources.network.classID",
    [HK_CG_NET_PRIO] = "linux.resources.network.priorities",
    [HK_CG_RDMA] = "linux.resources.rdma",
};

/* The controllers the cgroup2 directory `dir` offers. */
static unsigned v2_available(const char *dir)
{
  _cleanup_free_ char *s = hk_cg_read(dir, "cgroup.controllers");
  unsigned m = 0;
  char *tok, *save = NULL;

  if (s == NULL)
    return 0;
  for (tok = strtok_r(s, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
    for (int c = 0; c < HK_CG_COUNT; c++)
      if (v2_names[c] && strcmp(tok, v2_names[c]) == 0)
        m |= 1u << c;
  return m;
}

/* mkdir -p below `root`; the last component must be new or an empty cgroup
 * (no processes): two containers never share one. */
/* The topmost directories a failing create made (parents included), so
 * that it leaves nothing behind; a successful one keeps its parents. */
struct made {
  char *top[HK_CG_COUNT + 1];
  size_t n;
};

static int remove_tree(const char *path);

static int make_dirs(const char *root, const char *rel, bool *created, struct made *made,
                     hk_error_t **err)
{
  _cleanup_free_ char *path = hk_xasprintf("%s%s", root, rel);
  size_t rootlen = strlen(root);
  bool first = true;
  const char *rel_path;
  int dirfd = hk_cg_at(path, &rel_path);

  *created = false;
  for (char *s = path + rootlen + 1; ; s++) {
    bool last = (*s == '\0');
    if (*s != '/' && !last)
      continue;
    *s = '\0';
    if (mkdirat(dirfd, rel_path, 0755) == 0) {
      *created = last;
      if (first && made->n < HK_ARRAY_SIZE(made->top))
        made->top[made->n++] = hk_xstrdup(path);
      first = false;
    } else if (errno != EEXIST)
      return hk_error_make(err, errno, "create cgroup `%s`", path);
    if (last)
      break;
    *s = '/';
  }
  if (!*created) {
    _cleanup_free_ char *procs = hk_cg_read(path, "cgroup.procs");
    if (procs && procs[0] != '\0')
      return hk_error_plain(err, EBUSY, "cgroup `%s` already has processes", path);
  }
  return 0;
}

/* A new v1 cpuset is empty and takes no task until cpus and mems are set:
 * copy them from the parent, down from the first ancestor that has them. */
static int cpuset_init(const char *dir, hk_error_t **err)
{
  static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
  _cleanup_free_ char *parent = hk_xstrdup(dir);
  char *slash = strrchr(parent, '/');
  bool parent_ready = false;

  if (slash == NULL)
    return 0;
  *slash = '\0';
  for (size_t i = 0; i < HK_ARRAY_SIZE(files); i++) {
    _cleanup_free_ char *v = hk_cg_read(dir, files[i]);
    _cleanup_free_ char *pv = NULL;

    if (v == NULL || (v[0] != '\0' && v[0] != '\n'))
      continue;
    pv = hk_cg_read(parent, files[i]);
    if (pv && (pv[0] == '\0' || pv[0] == '\n') && !parent_ready) {
      /* An empty parent (one husk made, nested) first gets its own. */
      if (cpuset_init(parent, err) < 0)
        return -1;
      parent_ready = true;
      free(pv);
      pv = hk_cg_read(parent, files[i]);
    }
    if (pv && hk_cg_write(dir, files[i], pv, err) < 0)
      return -1;
  }
  return 0;
}

static bool has_word(const char *list, const char *word)
{
  size_t n = strlen(word);
  for (const char *p = list; p && (p = strstr(p, word)); p += n)
    if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
      return true;
  return false;
}

/* Make the controllers in `want` available in the container's cgroup2
 * directory: enable them in each ancestor's cgroup.subtree_control, from
 * the hierarchy root down to the parent of root+rel. */
static int v2_enable(const char *root, const char *rel, unsigned want, unsigned root_avail,
                     hk_error_t **err)
{
  _cleanup_free_ char *dir = hk_xstrdup(root);
  const char *s = rel;
  bool at_root = true;

  for (;;) {
    _cleanup_free_ char *cur = hk_cg_read(dir, "cgroup.subtree_control");
    unsigned avail = (at_root ? root_avail : v2_available(dir)) & want;
    char buf[256] = "";
    const char *next;

    for (int c = 0; c < HK_CG_COUNT; c++) {
      size_t n = strlen(buf);
      if ((avail & (1u << c)) && !has_word(cur, v2_names[c]))
        snprintf(buf + n, sizeof(buf) - n, "%s+%s", n ? " " : "", v2_names[c]);
    }
    if (buf[0] && hk_cg_write(dir, "cgroup.subtree_control", buf, err) < 0) {
      if ((*err)->code == EBUSY)
        return hk_error_wrap(err, "enable cgroup v2 controllers in `%s`, which holds processes "
                             "(cgroup v2 allows no controllers below a cgroup with processes: "
                             "use an absolute linux.cgroupsPath outside it)", dir);
      return hk_error_wrap(err, "enable cgroup v2 controllers");
    }
    while (*s == '/')
      s++;
    next = s + strcspn(s, "/");
    if (*next == '\0')
      return 0; /* s is the container's own directory */
    {
      char *d = hk_xasprintf("%s/%.*s", dir, (int)(next - s), s);
      free(dir);
      dir = d;
    }
    at_root = false;
    s = next;
  }
}

int hk_cgroup_create(const struct hk_cgroup_request *req, const struct hk_resources *res,
                     struct hk_cgroup **out, hk_error_t **err)
{
  _cleanup_cgroup_ struct hk_cgroup *cg = hk_xmalloc0(sizeof(*cg));
  unsigned want = needed(res), v1_have = 0, v2_want, v2_root_avail = 0;
  _cleanup_free_ char *v2_rel = NULL, *v2_root = NULL;
  __attribute__((cleanup(own_cgroups_clear))) struct own_cgroups own = {0};
  bool created;
  struct made made = {0};

  if (check_request(req, err) < 0 || hk_cgroup_detect(&cg->layout, err) < 0)
    return -1;
  own_cgroups_read(&own);
  if (cg->layout != HK_CGROUP_UNIFIED) {
    /* A v1 hierarchy the kernel has lists us in /proc/self/cgroup; it
     * must also be mounted where we look for it. */
    for (int c = 0; c < HK_CG_COUNT; c++) {
      const char *name = c == HK_CG_SYSTEMD ? "systemd" : v1_names[c];
      _cleanup_free_ char *mnt = NULL;
      if (own.v1[c] == NULL)
        continue;
      mnt = hk_xasprintf(CGROUP_ROOT "/%s", name);
      if (is_fs(mnt, CGROUP_SUPER_MAGIC))
        v1_have |= 1u << c;
    }
  }
  if (cg->layout != HK_CGROUP_LEGACY) {
    v2_root = hk_xstrdup(cg->layout == HK_CGROUP_UNIFIED ? CGROUP_ROOT : CGROUP_ROOT "/unified");
    v2_rel = below_root(req, own.v2);
    v2_root_avail = v2_available(v2_root);
  }
  /* What v2 must serve: whatever v1 does not; refuse what nobody has. */
  v2_want = want & ~v1_have;
  for (int c = 0; c < HK_CG_COUNT; c++)
    if ((v2_want & (1u << c)) && !(v2_root_avail & (1u << c)))
      return hk_error_plain(err, ENOTSUP, "%s: %s: the %s cgroup controller is not available "
                            "on this host", req->config_name, resource_path[c], v1_names[c]);
  *out = NULL;
  for (int c = 0; c < HK_CG_COUNT; c++) {
    _cleanup_free_ char *rel = NULL, *mnt = NULL;
    if (!(v1_have & (1u << c)))
      continue;
    rel = below_root(req, own.v1[c]);
    mnt = hk_xasprintf(CGROUP_ROOT "/%s", c == HK_CG_SYSTEMD ? "systemd" : v1_names[c]);
    cg->v1[c] = hk_xasprintf("%s%s", mnt, rel);
    if (make_dirs(mnt, rel, &created, &made, err) < 0) {
      if (!created) /* not ours to remove */
        free(steal_pointer(&cg->v1[c]));
      goto fail;
    }
    if (c == HK_CG_CPUSET && cpuset_init(cg->v1[c], err) < 0)
      goto fail;
  }
  if (v2_root) {
    /* Enable every v2 controller the host offers (so `update` can use
     * them later), not just the ones this config needs. */
    unsigned all = v2_root_avail & ~v1_have;
    cg->v2 = hk_xasprintf("%s%s", v2_root, v2_rel);
    if (make_dirs(v2_root, v2_rel, &cg->created_v2, &made, err) < 0) {
      if (!cg->created_v2)
        free(steal_pointer(&cg->v2));
      goto fail;
    }
    if (all && v2_enable(v2_root, v2_rel, all, v2_root_avail, err) < 0)
      goto fail;
    cg->v2_mask = v2_available(cg->v2) & ~v1_have;
  }
  *out = steal_pointer(&cg);
  for (size_t i = 0; i < made.n; i++)
    free(made.top[i]);
  return 0;
fail:
  hk_cgroup_destroy(cg, NULL);
  for (size_t i = 0; i < made.n; i++) {
    remove_tree(made.top[i]);
    free(made.top[i]);
  }
  return -1;
}

/* Values no kernel takes, refused before anything is written.  Zero means
 * "unset" for the values engines send as zero (as runc treats them). */
static int check_values(const struct hk_resources *res, const char *what, hk_error_t **err)
{
  const struct hk_memory *m = &res->memory;
  const struct {
    bool has;
    int64_t v;
    const char *name;
  } mem[] = {{m->has_limit, m->limit, "limit"},
             {m->has_reservation, m->reservation, "reservation"},
             {m->has_swap, m->swap, "swap"},
             {m->has_kernel, m->kernel, "kernel"},
             {m->has_kernel_tcp, m->kernel_tcp, "kernelTCP"}};

  for (size_t i = 0; res->has_memory && i < HK_ARRAY_SIZE(mem); i++)
    if (mem[i].has && mem[i].v < -1)
      return hk_error_plain(err, EINVAL,
                           "%s: linux.resources.memory.%s: %lld is not a size in bytes (or -1 "
                           "for unlimited)",
                           what, mem[i].name, (long long)mem[i].v);
  if (res->has_memory && m->has_limit && m->has_swap && m->limit > 0 && m->swap > 0 &&
      m->swap < m->limit)
    return hk_error_plain(err, EINVAL,
                         "%s: linux.resources.memory.swap: %lld is below memory.limit %lld (swap "
                         "counts memory+swap)",
                         what, (long long)m->swap, (long long)m->limit);
  if (res->has_memory && m->has_swappiness && m->swappiness > 100)
    return hk_error_plain(err, EINVAL, "%s: linux.resources.memory.swappiness: %llu is above 100",
                         what, (unsigned long long)m->swappiness);
  if (res->has_cpu && res->cpu.has_quota && res->cpu.quota < -1)
    return hk_error_plain(err, EINVAL, "%s: linux.resources.cpu.quota: %lld is negative", what,
                         (long long)res->cpu.quota);
  if (res->has_block_io && res->block_io.has_weight && res->block_io.weight &&
      (res->block_io.weight < 10 || res->block_io.weight > 1000))
    return hk_error_plain(err, EINVAL, "%s: linux.resources.blockIO.weight: %u is not in 10..1000",
                         what, res->block_io.weight);
  return 0;
}

static int check_device_rules(const struct hk_resources *res, const char *what,
                              hk_error_t **err)
{
  for (size_t i = 0; i < res->devices_len; i++) {
    const struct hk_device_cgroup *d = &res->devices[i];
    if (d->type && (strlen(d->type) != 1 || !strchr("acb", d->type[0])))
      return hk_error_plain(err, EINVAL,
                           "%s: linux.resources.devices[%zu].type: \"%s\" is not one of a, c, b",
                           what, i, d->type);
    if (d->access && (d->access[strspn(d->access, "rwm")] != '\0' || strlen(d->access) > 3))
      return hk_error_plain(err, EINVAL,
                           "%s: linux.resources.devices[%zu].access: \"%s\" is not made of r, w, m",
                           what, i, d->access);
    if ((d->has_major && (d->major < 0 || d->major > UINT32_MAX)) ||
        (d->has_minor && (d->minor < 0 || d->minor > UINT32_MAX)))
      return hk_error_plain(err, EINVAL, "%s: linux.resources.devices[%zu]: major/minor out of range",
                           what, i);
  }
  return 0;
}

/* Values of 0 that mean "not set", as runc reads them: Docker sends every
 * field it knows (`docker update --memory` comes with cpu quota, period,
 * realtime values and the pids limit at 0), and they must leave the
 * cgroup's values alone.  Shares, weights, memory limits and swap at 0 are
 * skipped where they are written. */
static struct hk_resources zero_is_unset(const struct hk_resources *res)
{
  struct hk_resources r = *res;

  r.cpu.has_quota = r.cpu.has_quota && r.cpu.quota != 0;
  r.cpu.has_period = r.cpu.has_period && r.cpu.period != 0;
  r.cpu.has_realtime_runtime = r.cpu.has_realtime_runtime && r.cpu.realtime_runtime != 0;
  r.cpu.has_realtime_period = r.cpu.has_realtime_period && r.cpu.realtime_period != 0;
  r.memory.has_kernel = r.memory.has_kernel && r.memory.kernel != 0;
  r.memory.has_kernel_tcp = r.memory.has_kernel_tcp && r.memory.kernel_tcp != 0;
  r.has_pids = r.has_pids && r.pids_limit != 0;
  return r;
}

/* The controllers whose files are the same on v1 and v2: cpuset, pids and
 * rdma, in whichever hierarchy serves them. */
static int apply_same_files(const struct hk_cgroup *cg, const struct hk_resources *res,
                            const char *what, hk_error_t **err)
{
  const char *d;

  /* mems before cpus: a v1 cpuset takes no cpus while it has no mems */
  if (res->has_cpu && (d = hk_cg_dir(cg, HK_CG_CPUSET, NULL))) {
    if (res->cpu.mems && *res->cpu.mems &&
        hk_cg_set(d, "cpuset.mems", what, "linux.resources.cpu.mems", err, "%s",
                  res->cpu.mems) < 0)
      return -1;
    if (res->cpu.cpus && *res->cpu.cpus &&
        hk_cg_set(d, "cpuset.cpus", what, "linux.resources.cpu.cpus", err, "%s",
                  res->cpu.cpus) < 0)
      return -1;
  }
  if (res->has_pids && (d = hk_cg_dir(cg, HK_CG_PIDS, NULL)) &&
      hk_cg_set(d, "pids.max", what, "linux.resources.pids.limit", err,
                res->pids_limit > 0 ? "%lld" : "max", (long long)res->pids_limit) < 0)
    return -1;
  for (size_t i = 0; i < res->rdma_len && (d = hk_cg_dir(cg, HK_CG_RDMA, NULL)); i++) {
    const struct hk_rdma *r = &res->rdma[i];
    char h[32] = "", o[32] = "";
    if (r->has_hca_handles)
      snprintf(h, sizeof(h), " hca_handle=%u", r->hca_handles);
    if (r->has_hca_objects)
      snprintf(o, sizeof(o), " hca_object=%u", r->hca_objects);
    if (hk_cg_set(d, "rdma.max", what, "linux.resources.rdma", err, "%s%s%s", r->device, h, o) < 0)
      return -1;
  }
  return 0;
}

int hk_cgroup_apply(struct hk_cgroup *cg, const struct hk_resources *given,
                    const struct hk_device *devs, size_t ndevs, bool update, const char *what,
                    hk_error_t **err)
{
  _cleanup_free_ struct hk_device_cgroup *all = NULL;
  struct hk_cg_rules rules = {0};
  struct hk_resources unzeroed;
  const struct hk_resources *res = &unzeroed;

  if (given == NULL)
    return 0;
  unzeroed = zero_is_unset(given);
  if (check_values(res, what, err) < 0 || check_device_rules(res, what, err) < 0)
    return -1;
  /* No rule at all leaves the devices cgroup as it was (all allowed on
   * create): the defaults only matter after a deny. */
  if (res->devices_len) {
    size_t n = 0;
    all = hk_xmalloc0((res->devices_len + hk_cg_default_device_rules_len + ndevs) * sizeof(*all));
    for (size_t i = 0; i < res->devices_len; i++)
      all[n++] = res->devices[i];
    for (size_t i = 0; i < hk_cg_default_device_rules_len; i++)
      all[n++] = hk_cg_default_device_rules[i];
    for (size_t i = 0; i < ndevs; i++) {
      const char *t = devs[i].type && strcmp(devs[i].type, "b") == 0 ? "b" : "c";
      if (devs[i].type && strcmp(devs[i].type, "p") == 0)
        continue; /* fifos are not device-controlled */
      all[n++] = (struct hk_device_cgroup){.allow = true, .type = (char *)t, .has_major = true,
                                           .major = devs[i].major, .has_minor = true,
                                           .minor = devs[i].minor, .access = (char *)"rwm"};
    }
    rules = (struct hk_cg_rules){all, n};
  }
  if (apply_same_files(cg, res, what, err) < 0 ||
      hk_cg_v1_apply(cg, res, &rules, update, what, err) < 0 ||
      hk_cg_v2_apply(cg, res, &rules, update, what, err) < 0)
    return -1;
  return 0;
}

size_t hk_cg_hugepage_sizes(char (*names)[16], size_t max)
{
  DIR *d = opendir("/sys/kernel/mm/hugepages");
  struct dirent *de;
  size_t n = 0;

  if (d == NULL)
    return 0;
  while ((de = readdir(d)) && n < max) {
    unsigned kb;
    if (sscanf(de->d_name, "hugepages-%ukB", &kb) != 1)
      continue;
    if (kb >= 1024 * 1024)
      snprintf(names[n++], 16, "%uGB", kb / (1024 * 1024));
    else if (kb >= 1024)
      snprintf(names[n++], 16, "%uMB", kb / 1024);
    else
      snprintf(names[n++], 16, "%uKB", kb);
  }
  closedir(d);
  return n;
}

/* Each distinct directory once (v1 controllers may share a hierarchy). */
static size_t dirs(const struct hk_cgroup *cg, const char **out)
{
  size_t n = 0;
  for (int c = 0; c < HK_CG_COUNT; c++) {
    bool dup = false;
    if (cg->v1[c] == NULL)
      continue;
    for (size_t i = 0; i < n; i++)
      dup |= strcmp(out[i], cg->v1[c]) == 0;
    if (!dup)
      out[n++] = cg->v1[c];
  }
  if (cg->v2)
    out[n++] = cg->v2;
  return n;
}

int hk_cgroup_enter(const struct hk_cgroup *cg, pid_t pid, bool v2_done, hk_error_t **err)
{
  const char *d[HK_CG_COUNT + 1];
  size_t n = dirs(cg, d);

  for (size_t i = 0; i < n; i++) {
    bool v2 = d[i] == cg->v2;
    int r;
    if (v2 && v2_done)
      continue;
    /* "0" in a v1 `tasks` file moves the calling thread without taking
     * the kernel's global threadgroup lock, whose RCU grace period costs
     * milliseconds per move; cgroup.procs always takes it. */
    if (pid == 0 && !v2)
      r = hk_cg_write(d[i], "tasks", "0", err);
    else
      r = hk_cg_writef(d[i], "cgroup.procs", err, "%d", (int)pid);
    if (r < 0)
      return hk_error_wrap(err, "join the container's cgroup");
  }
  return 0;
}

int hk_cgroup_v2_clone_fd(const struct hk_cgroup *cg)
{
  if (cg == NULL || cg->v2 == NULL)
    return -1;
  return hk_cg_open(cg->v2, O_PATH | O_DIRECTORY);
}

/* ---- freezer ---- */

static void pause_ms(int ms)
{
  struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000L};
  nanosleep(&ts, NULL);
}

bool hk_cgroup_frozen(const struct hk_cgroup *cg)
{
  _cleanup_free_ char *s = NULL;

  if (cg->v1[HK_CG_FREEZER]) {
    s = hk_cg_read(cg->v1[HK_CG_FREEZER], "freezer.state");
    return s && strncmp(s, "FROZEN", 6) == 0;
  }
  if (cg->v2) {
    s = hk_cg_read(cg->v2, "cgroup.events");
    return s && strstr(s, "frozen 1") != NULL;
  }
  return false;
}

bool hk_cgroup_paths_frozen(const struct hk_kv_list *kv)
{
  struct hk_cgroup cg = {0};

  for (size_t i = 0; i < kv->len; i++) {
    if (strcmp(kv->items[i].key, "freezer") == 0)
      cg.v1[HK_CG_FREEZER] = kv->items[i].value;
    else if (strcmp(kv->items[i].key, UNIFIED_KEY) == 0)
      cg.v2 = kv->items[i].value;
  }
  return hk_cgroup_frozen(&cg);
}

int hk_cgroup_freeze(const struct hk_cgroup *cg, bool freeze, hk_error_t **err)
{
  if (cg->v1[HK_CG_FREEZER]) {
    const char *want = freeze ? "FROZEN" : "THAWED";
    /* FREEZING can last while tasks are in uninterruptible sleep; the
     * kernel retries each time the state is written again. */
    for (int i = 0; i < 2000; i++) {
      _cleanup_free_ char *s = NULL;
      if (hk_cg_write(cg->v1[HK_CG_FREEZER], "freezer.state", want, err) < 0)
        return -1;
      s = hk_cg_read(cg->v1[HK_CG_FREEZER], "freezer.state");
      if (s && strncmp(s, want, strlen(want)) == 0)
        return 0;
      pause_ms(1);
    }
    return hk_error_plain(err, ETIMEDOUT, "cgroup `%s` did not reach %s",
                         cg->v1[HK_CG_FREEZER], want);
  }
  if (cg->v2 == NULL)
    return hk_error_plain(err, ENOTSUP, "no freezer: the container has no cgroup");
  if (hk_cg_write(cg->v2, "cgroup.freeze", freeze ? "1" : "0", err) < 0)
    return -1;
  for (int i = 0; i < 2000; i++) {
    if (hk_cgroup_frozen(cg) == freeze)
      return 0;
    pause_ms(1);
  }
  return hk_error_plain(err, ETIMEDOUT, "cgroup `%s` did not %s", cg->v2,
                       freeze ? "freeze" : "thaw");
}

/* ---- processes ---- */

static int cmp_pid(const void *a, const void *b)
{
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return (x > y) - (x < y);
}

static void collect(int dirfd, pid_t **pids, size_t *n, size_t *cap, int depth)
{
  _cleanup_fclose_ FILE *f = NULL;
  DIR *d;
  struct dirent *de;
  int fd;

  fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && (f = fdopen(fd, "re")) == NULL)
    close(fd);
  if (f) {
    int pid;
    while (fscanf(f, "%d", &pid) == 1) {
      if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *pids = hk_xrealloc(*pids, *cap * sizeof(**pids));
      }
      (*pids)[(*n)++] = pid;
    }
  }
  if (depth > 64 || (fd = dup(dirfd)) < 0 || (d = fdopendir(fd)) == NULL)
    return;
  while ((de = readdir(d))) {
    int sub;
    if (de->d_type != DT_DIR || de->d_name[0] == '.')
      continue;
    sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sub < 0)
      continue;
    collect(sub, pids, n, cap, depth + 1);
    close(sub);
  }
  closedir(d);
}

/* The hierarchy that lists processes best: cgroup2 sees every process,
 * then pids, freezer, memory, or whichever v1 hierarchy there is. */
static const char *procs_dir(const struct hk_cgroup *cg)
{
  static const enum hk_cg_controller order[] = {HK_CG_PIDS, HK_CG_FREEZER, HK_CG_MEMORY,
                                                HK_CG_CPU, HK_CG_DEVICES};
  if (cg->v2)
    return cg->v2;
  for (size_t i = 0; i < HK_ARRAY_SIZE(order); i++)
    if (cg->v1[order[i]])
      return cg->v1[order[i]];
  for (int c = 0; c < HK_CG_COUNT; c++)
    if (cg->v1[c])
      return cg->v1[c];
  return NULL;
}

int hk_cgroup_pids(const struct hk_cgroup *cg, pid_t **pids, size_t *n, hk_error_t **err)
{
  const char *dir = procs_dir(cg);
  _cleanup_close_ int fd = -1;
  size_t cap = 0;

  *pids = NULL;
  *n = 0;
  if (dir == NULL)
    return hk_error_plain(err, ENOENT, "the container has no cgroup");
  fd = hk_cg_open(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0 && errno == ENOENT)
    return 0; /* gone: no process either */
  if (fd < 0)
    return hk_error_make(err, errno, "open cgroup `%s`", dir);
  collect(fd, pids, n, &cap, 0);
  if (*n > 1)
    qsort(*pids, *n, sizeof(**pids), cmp_pid);
  return 0;
}

/* Nothing in it, nor in a child cgroup: cgroup2 keeps that in
 * cgroup.events, v1 only through the process lists. */
static bool is_empty(const struct hk_cgroup *cg)
{
  _cleanup_free_ pid_t *pids = NULL;
  _cleanup_free_ char *ev = NULL;
  size_t n;

  if (cg->v2 && (ev = hk_cg_read(cg->v2, "cgroup.events")))
    return strstr(ev, "populated 0") != NULL;
  return hk_cgroup_pids(cg, &pids, &n, NULL) == 0 && n == 0;
}

int hk_cgroup_signal_all(const struct hk_cgroup *cg, int signo, hk_error_t **err)
{
  _cleanup_free_ pid_t *pids = NULL;
  size_t n;
  bool was_frozen, can_freeze;

  /* Nobody to signal, and none to fork meanwhile: no freezing either (a
   * stopped container with its own PID namespace leaves its cgroup so). */
  if (is_empty(cg))
    return 0;

  if (signo == SIGKILL && cg->v2 && hk_cg_exists(cg->v2, "cgroup.kill") &&
      hk_cg_write(cg->v2, "cgroup.kill", "1", NULL) == 0) {
    /* A v1 freezer holds its tasks even against SIGKILL. */
    if (cg->v1[HK_CG_FREEZER] && hk_cgroup_frozen(cg))
      hk_cgroup_freeze(cg, false, NULL);
    return 0;
  }
  /* Freeze, so that nothing forks past the list; thaw to let signals
   * land (SIGKILL lands on frozen tasks too). */
  was_frozen = hk_cgroup_frozen(cg);
  can_freeze = cg->v1[HK_CG_FREEZER] || cg->v2;
  if (can_freeze && !was_frozen && hk_cgroup_freeze(cg, true, NULL) < 0)
    can_freeze = false;
  if (hk_cgroup_pids(cg, &pids, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (kill(pids[i], signo) < 0 && errno != ESRCH)
      hk_debug("kill %d: %s", (int)pids[i], strerror(errno));
  /* Frozen tasks die of SIGKILL only once thawed (on v1). */
  if (can_freeze && (!was_frozen || signo == SIGKILL))
    hk_cgroup_freeze(cg, false, NULL);
  return 0;
}

/* rmdir a cgroup and, depth first, the child cgroups below it.  Most have
 * none: try the rmdir alone first (the kernel says EBUSY otherwise). */
static int remove_tree(const char *path)
{
  const char *rel;
  int dirfd = hk_cg_at(path, &rel), fd;
  DIR *d;
  struct dirent *de;

  if (unlinkat(dirfd, rel, AT_REMOVEDIR) == 0 || errno == ENOENT)
    return 0;
  if (errno != EBUSY && errno != ENOTEMPTY)
    return -1;
  fd = openat(dirfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  d = fd < 0 ? NULL : fdopendir(fd);
  if (d == NULL) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    return e == ENOENT ? 0 : -1;
  }
  while ((de = readdir(d))) {
    if (de->d_type == DT_DIR && de->d_name[0] != '.') {
      _cleanup_free_ char *sub = hk_xasprintf("%s/%s", path, de->d_name);
      remove_tree(sub);
    }
  }
  closedir(d);
  if (unlinkat(dirfd, rel, AT_REMOVEDIR) == 0 || errno == ENOENT)
    return 0;
  return -1;
}

int hk_cgroup_destroy(const struct hk_cgroup *cg, hk_error_t **err)
{
  const char *d[HK_CG_COUNT + 1];
  size_t n;

  if (cg == NULL)
    return 0;
  n = dirs(cg, d);
  for (size_t i = 0; i < n; i++) {
    int tries = 0;
    /* A killed process leaves its cgroup a moment after it is reaped. */
    while (remove_tree(d[i]) < 0) {
      if (errno != EBUSY || ++tries > 500)
        return hk_error_make(err, errno, "remove cgroup `%s`", d[i]);
      pause_ms(2);
    }
  }
  return 0;
}

/* ---- state ---- */

void hk_cgroup_to_kv(const struct hk_cgroup *cg, struct hk_kv_list *kv)
{
  size_t n = 0;

  kv->items = hk_xmalloc0((HK_CG_COUNT + 1) * sizeof(*kv->items));
  for (int c = 0; c < HK_CG_COUNT; c++) {
    if (cg->v1[c] == NULL)
      continue;
    kv->items[n].key = hk_xstrdup(v1_names[c]);
    kv->items[n++].value = hk_xstrdup(cg->v1[c]);
  }
  if (cg->v2) {
    kv->items[n].key = hk_xstrdup(UNIFIED_KEY);
    kv->items[n++].value = hk_xstrdup(cg->v2);
  }
  kv->len = n;
}

/* A recorded directory must be a cgroup below /sys/fs/cgroup: state.json
 * is ours, but a bad one must not make `delete` rmdir elsewhere. */
static bool sane_dir(const char *p)
{
  return strncmp(p, CGROUP_ROOT "/", sizeof(CGROUP_ROOT)) == 0 && path_is_plain(p);
}

int hk_cgroup_from_kv(const struct hk_kv_list *kv, struct hk_cgroup **out, hk_error_t **err)
{
  _cleanup_cgroup_ struct hk_cgroup *cg = hk_xmalloc0(sizeof(*cg));
  unsigned v1 = 0;

  *out = NULL;
  for (size_t i = 0; i < kv->len; i++) {
    const char *k = kv->items[i].key, *v = kv->items[i].value;
    bool known = false;
    if (!sane_dir(v))
      return hk_error_plain(err, EINVAL, "state.json: cgroupPaths.%s: not a cgroup: \"%s\"", k, v);
    if (strcmp(k, UNIFIED_KEY) == 0) {
      free(cg->v2);
      cg->v2 = hk_xstrdup(v);
      continue;
    }
    for (int c = 0; c < HK_CG_COUNT && !known; c++) {
      if (strcmp(k, v1_names[c]) == 0) {
        free(cg->v1[c]);
        cg->v1[c] = hk_xstrdup(v);
        v1 |= 1u << c;
        known = true;
      }
    }
    if (!known)
      return hk_error_plain(err, EINVAL, "state.json: cgroupPaths: unknown controller \"%s\"", k);
  }
  /* The layout the cgroup was made for (nothing needs the host's here). */
  cg->layout = !cg->v2 ? HK_CGROUP_LEGACY : v1 ? HK_CGROUP_HYBRID : HK_CGROUP_UNIFIED;
  if (cg->v2)
    cg->v2_mask = v2_available(cg->v2) & ~v1;
  *out = steal_pointer(&cg);
  return 0;
}

void hk_cgroup_free(struct hk_cgroup *cg)
{
  if (cg == NULL)
    return;
  for (int c = 0; c < HK_CG_COUNT; c++)
    free(cg->v1[c]);
  free(cg->v2);
  free(cg);
}

/* ---- stats ---- */

int hk_cgroup_stats(const struct hk_cgroup *cg, struct hk_cgroup_stats *st, hk_error_t **err)
{
  (void)err;
  const char *d;

  memset(st, 0, sizeof(*st));
  hk_cg_v1_stats(cg, st);
  hk_cg_v2_stats(cg, st);
  if ((d = hk_cg_dir(cg, HK_CG_PIDS, NULL))) {
    hk_cg_read_u64(d, "pids.current", &st->pids_current);
    if (!hk_cg_read_u64(d, "pids.max", &st->pids_limit) || st->pids_limit == UINT64_MAX)
      st->pids_limit = 0;
  }
  return 0;
}

void hk_cgroup_stats_clear(struct hk_cgroup_stats *st)
{
  free(st->cpu_percpu);
  for (size_t i = 0; i < st->memory_raw.len; i++) {
    free(st->memory_raw.items[i].key);
    free(st->memory_raw.items[i].value);
  }
  free(st->memory_raw.items);
  free(st->io_service_bytes.items);
  free(st->io_serviced.items);
  free(st->hugetlb);
  free(st->cpu_percpu_kernel);
  free(st->cpu_percpu_user);
  free(st->io_queued.items);
  free(st->io_service_time.items);
  free(st->io_wait_time.items);
  free(st->io_merged.items);
  free(st->io_time.items);
  free(st->sectors.items);
  free(st->cpuset.cpus);
  free(st->cpuset.mems);
  memset(st, 0, sizeof(*st));
}

/* ---- devices ---- */

#define DEV_RULE(t, ma, mi, acc)                                                              \
  {                                                                                           \
    .allow = true, .type = (char *)(t), .has_major = (ma) >= 0, .major = (ma),                \
    .has_minor = (mi) >= 0, .minor = (mi), .access = (char *)(acc)                            \
  }

const struct hk_device_cgroup hk_cg_default_device_rules[] = {
    DEV_RULE("c", -1, -1, "m"), DEV_RULE("b", -1, -1, "m"), /* mknod of any node */
    DEV_RULE("c", 1, 3, "rwm"),                             /* null */
    DEV_RULE("c", 1, 5, "rwm"),                             /* zero */
    DEV_RULE("c", 1, 7, "rwm"),                             /* full */
    DEV_RULE("c", 1, 8, "rwm"),                             /* random */
    DEV_RULE("c", 1, 9, "rwm"),                             /* urandom */
    DEV_RULE("c", 5, 0, "rwm"),                             /* tty */
    DEV_RULE("c", 5, 2, "rwm"),                             /* ptmx */
    DEV_RULE("c", 136, -1, "rwm"),                          /* /dev/pts/N */
};
const size_t hk_cg_default_device_rules_len = HK_ARRAY_SIZE(hk_cg_default_device_rules);
