/* ID mappings and idmapped mounts; see idmap.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "idmap.h"
#include "log.h"
#include "mounts.h"
#include "utils.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif

/* struct mount_attr of the kernel, under our own name: older C libraries
 * lack it, newer ones define it in <sys/mount.h>. */
struct hk_mount_attr {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/* The kernel takes at most this many lines in uid_map/gid_map. */
#define MAX_EXTENTS 340

/* One list of mappings, `what` being its JSON path ("linux.uidMappings",
 * "mounts[2].gidMappings"): what the kernel would refuse, named here. */
static int check_ranges(const struct hk_id_mapping *m, size_t n, const char *cfg,
                        const char *what, hk_error_t **err)
{
  if (n > MAX_EXTENTS)
    return hk_error_plain(err, EINVAL, "%s: %s: %zu ranges, the kernel takes at most %d", cfg,
                          what, n, MAX_EXTENTS);
  for (size_t i = 0; i < n; i++) {
    if (m[i].size == 0)
      return hk_error_plain(err, EINVAL, "%s: %s[%zu].size: must not be 0", cfg, what, i);
    if ((uint64_t)m[i].container_id + m[i].size > UINT32_MAX ||
        (uint64_t)m[i].host_id + m[i].size > UINT32_MAX)
      return hk_error_plain(err, EINVAL,
                            "%s: %s[%zu]: containerID %u or hostID %u + size %u goes past the "
                            "largest ID, %u",
                            cfg, what, i, m[i].container_id, m[i].host_id, m[i].size,
                            UINT32_MAX - 1);
    for (size_t j = 0; j < i; j++) {
      bool in = m[i].container_id < (uint64_t)m[j].container_id + m[j].size &&
                m[j].container_id < (uint64_t)m[i].container_id + m[i].size;
      bool host = m[i].host_id < (uint64_t)m[j].host_id + m[j].size &&
                  m[j].host_id < (uint64_t)m[i].host_id + m[i].size;
      if (in || host)
        return hk_error_plain(err, EINVAL, "%s: %s[%zu]: its %s range overlaps that of %s[%zu]",
                              cfg, what, i, in ? "containerID" : "hostID", what, j);
    }
  }
  return 0;
}

static bool is_mapped(const struct hk_id_mapping *m, size_t n, uint32_t id)
{
  uint32_t host;
  return hk_userns_host_id(m, n, id, &host);
}

/* process.user in a new user namespace: an unmapped uid 0 would leave init
 * with no identity there (and nothing to become but the overflow uid). */
static int check_user(const struct hk_user *u, const struct hk_linux *lx, const char *cfg,
                      hk_error_t **err)
{
  if (!is_mapped(lx->uid_mappings, lx->uid_mappings_len, u->uid))
    return hk_error_plain(err, EINVAL,
                          "%s: process.user.uid: %u is not mapped in linux.uidMappings%s", cfg,
                          u->uid, u->uid == 0 ? " (the container has no root to run as)" : "");
  if (!is_mapped(lx->gid_mappings, lx->gid_mappings_len, u->gid))
    return hk_error_plain(err, EINVAL, "%s: process.user.gid: %u is not mapped in linux.gidMappings",
                          cfg, u->gid);
  for (size_t i = 0; i < u->additional_gids_len; i++)
    if (!is_mapped(lx->gid_mappings, lx->gid_mappings_len, u->additional_gids[i]))
      return hk_error_plain(err, EINVAL,
                            "%s: process.user.additionalGids[%zu]: %u is not mapped in "
                            "linux.gidMappings",
                            cfg, i, u->additional_gids[i]);
  return 0;
}

bool hk_mount_is_idmapped(const struct hk_mount *m)
{
  if (m->uid_mappings_len || m->gid_mappings_len)
    return true;
  for (size_t i = 0; i < m->options.len; i++)
    if (strcmp(m->options.v[i], "idmap") == 0 || strcmp(m->options.v[i], "ridmap") == 0)
      return true;
  return false;
}

static int check_mount(const struct hk_mount *m, size_t i, bool userns, const char *cfg,
                       hk_error_t **err)
{
  struct hk_mount_opts o;
  bool bind, ridmap;
  char what[64];

  if (!hk_mount_is_idmapped(m))
    return 0;
  if (hk_mount_parse_options(m, &o, err) < 0)
    return hk_error_wrap(err, "%s: mounts[%zu].options", cfg, i);
  bind = o.bind;
  ridmap = o.ridmap;
  hk_mount_opts_clear(&o);
  if (!bind)
    return hk_error_plain(err, EINVAL,
                          "%s: mounts[%zu]: uidMappings, gidMappings and the idmap and ridmap "
                          "options need a bind mount (type \"bind\", or option \"bind\" or "
                          "\"rbind\"), not type \"%s\"",
                          cfg, i, m->type ? m->type : "");
  if ((m->uid_mappings_len == 0) != (m->gid_mappings_len == 0))
    return hk_error_plain(err, EINVAL,
                          "%s: mounts[%zu].%s: missing; an idmapped mount needs both uidMappings "
                          "and gidMappings",
                          cfg, i, m->uid_mappings_len ? "gidMappings" : "uidMappings");
  if (m->uid_mappings_len == 0 && !userns)
    return hk_error_plain(err, EINVAL,
                          "%s: mounts[%zu].options: \"%s\" without uidMappings and gidMappings "
                          "takes the mappings of the container's user namespace, but the "
                          "container has none (linux.namespaces)",
                          cfg, i, ridmap ? "ridmap" : "idmap");
  snprintf(what, sizeof(what), "mounts[%zu].uidMappings", i);
  if (check_ranges(m->uid_mappings, m->uid_mappings_len, cfg, what, err) < 0)
    return -1;
  snprintf(what, sizeof(what), "mounts[%zu].gidMappings", i);
  if (check_ranges(m->gid_mappings, m->gid_mappings_len, cfg, what, err) < 0)
    return -1;
  if (geteuid() != 0)
    return hk_error_plain(err, EPERM,
                          "%s: mounts[%zu]: idmapped mounts need husk to run as root "
                          "(mount_setattr needs CAP_SYS_ADMIN over the source's file system)",
                          cfg, i);
  return 0;
}

int hk_idmap_check_spec(const struct hk_spec *spec, const struct hk_ns_plan *plan,
                        const char *cfg, hk_error_t **err)
{
  const struct hk_linux *lx = &spec->linux_;
  bool userns = (plan->new_flags | plan->join_flags) & CLONE_NEWUSER;

  if (spec->has_linux) {
    if (check_ranges(lx->uid_mappings, lx->uid_mappings_len, cfg, "linux.uidMappings", err) < 0 ||
        check_ranges(lx->gid_mappings, lx->gid_mappings_len, cfg, "linux.gidMappings", err) < 0)
      return -1;
    if (!userns && (lx->uid_mappings_len || lx->gid_mappings_len))
      return hk_error_plain(err, EINVAL,
                            "%s: linux.%s: given, but the container has no user namespace (add "
                            "{\"type\": \"user\"} to linux.namespaces)",
                            cfg, lx->uid_mappings_len ? "uidMappings" : "gidMappings");
  }
  if ((plan->new_flags & CLONE_NEWUSER) && spec->has_process && lx->uid_mappings_len &&
      lx->gid_mappings_len && check_user(&spec->process.user, lx, cfg, err) < 0)
    return -1;
  for (size_t i = 0; i < spec->mounts_len; i++)
    if (check_mount(&spec->mounts[i], i, userns, cfg, err) < 0)
      return -1;
  return 0;
}

/* ---- writing uid_map and gid_map ---- */

static char *format_map(const struct hk_id_mapping *m, size_t n, size_t *len)
{
  char *buf = hk_xmalloc0(n * 36 + 1);
  *len = 0;
  for (size_t i = 0; i < n; i++)
    *len += sprintf(buf + *len, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
  return buf;
}

static int write_map(pid_t pid, bool gid, const struct hk_id_mapping *m, size_t n,
                     hk_error_t **err)
{
  char path[64];
  size_t len;
  _cleanup_free_ char *buf = format_map(m, n, &len);

  snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, gid ? "gid_map" : "uid_map");
  return hk_write_file(path, buf, len, err);
}

/* The first executable `name` on $PATH, or NULL. */
static char *find_in_path(const char *name)
{
  const char *path = getenv("PATH");

  for (const char *s = path ? path : "/usr/bin:/bin"; *s;) {
    const char *end = strchrnul(s, ':');
    if (end > s) {
      char *cand = hk_xasprintf("%.*s/%s", (int)(end - s), s, name);
      if (access(cand, X_OK) == 0)
        return cand;
      free(cand);
    }
    if (*end == '\0')
      break;
    s = end + 1;
  }
  return NULL;
}

/* newuidmap PID ID LOWER COUNT...: its own message (stderr) on failure. */
static int run_map_helper(const char *prog, pid_t pid, const struct hk_id_mapping *m, size_t n,
                          hk_error_t **err)
{
  _cleanup_strv_ char **argv = hk_xmalloc0((3 * n + 3) * sizeof(char *));
  char out[1024];
  size_t got = 0;
  int pfd[2], status;
  pid_t child;

  argv[0] = hk_xstrdup(prog);
  argv[1] = hk_xasprintf("%d", (int)pid);
  for (size_t i = 0; i < n; i++) {
    argv[2 + 3 * i] = hk_xasprintf("%u", m[i].container_id);
    argv[3 + 3 * i] = hk_xasprintf("%u", m[i].host_id);
    argv[4 + 3 * i] = hk_xasprintf("%u", m[i].size);
  }
  if (pipe2(pfd, O_CLOEXEC) < 0)
    return hk_error_make(err, errno, "pipe");
  child = fork();
  if (child < 0) {
    int e = errno;
    close(pfd[0]);
    close(pfd[1]);
    return hk_error_make(err, e, "fork `%s`", prog);
  }
  if (child == 0) {
    dup2(pfd[1], STDOUT_FILENO);
    dup2(pfd[1], STDERR_FILENO);
    execv(prog, argv);
    dprintf(STDERR_FILENO, "exec: %s", strerror(errno));
    _exit(127);
  }
  close(pfd[1]);
  for (;;) {
    ssize_t k = read(pfd[0], out + got, sizeof(out) - 1 - got);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      break;
    got += k;
    if (got == sizeof(out) - 1)
      break;
  }
  close(pfd[0]);
  out[got] = '\0';
  while (got > 0 && (out[got - 1] == '\n' || out[got - 1] == ' '))
    out[--got] = '\0';
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR)
      return hk_error_make(err, errno, "wait for `%s`", prog);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (got)
    return hk_error_plain(err, EPERM, "`%s %d ...` failed: %s", prog, (int)pid, out);
  return hk_error_plain(err, EPERM, "`%s %d ...` failed with status %d", prog, (int)pid,
                        WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static int write_one(pid_t pid, bool gid, const struct hk_id_mapping *m, size_t n,
                     hk_error_t **err)
{
  const char *what = gid ? "linux.gidMappings" : "linux.uidMappings";
  const char *helper_name = gid ? "newgidmap" : "newuidmap";
  _cleanup_free_ char *helper = NULL;
  hk_error_t *e = NULL;

  if (n == 0)
    return 0;
  /* Root (CAP_SETUID/CAP_SETGID here) may write any map itself, and then
   * setgroups(2) stays allowed in the container. */
  if (geteuid() == 0) {
    if (write_map(pid, gid, m, n, err) < 0)
      return hk_error_wrap(err, "%s", what);
    return 0;
  }
  helper = find_in_path(helper_name);
  if (helper) {
    hk_debug("%s: writing with %s", what, helper);
    if (run_map_helper(helper, pid, m, n, err) < 0)
      return hk_error_wrap(err, "%s", what);
    return 0;
  }
  /* Unprivileged and alone: the kernel takes only our own ID, and a
   * gid_map only once setgroups(2) is denied in the namespace. */
  hk_debug("%s: %s not found on $PATH, writing the map directly", what, helper_name);
  if (gid) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
    if (hk_write_file(path, "deny", 4, &e) < 0 && e->code != ENOENT) {
      *err = e;
      return hk_error_wrap(err, "%s", what);
    }
    hk_error_free(steal_pointer(&e));
  }
  if (write_map(pid, gid, m, n, &e) < 0) {
    hk_error_plain(err, e->code,
                   "%s: %s; without root, only one's own %s can be mapped unless %s (Debian "
                   "package uidmap) is on $PATH and /etc/sub%s grants the ranges",
                   what, e->msg, gid ? "gid" : "uid", helper_name, gid ? "gid" : "uid");
    hk_error_free(e);
    return -1;
  }
  return 0;
}

int hk_userns_write_maps(pid_t pid, const struct hk_linux *lx, hk_error_t **err)
{
  if (write_one(pid, false, lx->uid_mappings, lx->uid_mappings_len, err) < 0)
    return -1;
  return write_one(pid, true, lx->gid_mappings, lx->gid_mappings_len, err);
}

/* Whether `id` is inside a range of /proc/self/{uid,gid}_map. */
static int id_in_own_map(const char *file, uint32_t id, bool *mapped, hk_error_t **err)
{
  _cleanup_fclose_ FILE *f = fopen(file, "re");
  unsigned long first, lower, count;

  *mapped = false;
  if (f == NULL)
    return hk_error_make(err, errno, "open `%s`", file);
  while (fscanf(f, "%lu %lu %lu", &first, &lower, &count) == 3)
    if (id >= first && id - first < count)
      *mapped = true;
  return 0;
}

/* *id through the map in `file` ("inside outside count" lines). */
static int map_through(const char *file, uint32_t *id, hk_error_t **err)
{
  _cleanup_fclose_ FILE *f = fopen(file, "re");
  unsigned long first, lower, count;

  if (f == NULL)
    return hk_error_make(err, errno, "open `%s`", file);
  while (fscanf(f, "%lu %lu %lu", &first, &lower, &count) == 3) {
    if (*id >= first && *id - first < count) {
      *id = lower + (*id - first);
      break;
    }
  }
  return 0;
}

int hk_userns_map_ids(pid_t pid, uint32_t *uid, uint32_t *gid, hk_error_t **err)
{
  char path[64];

  snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
  if (map_through(path, uid, err) < 0)
    return -1;
  snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
  return map_through(path, gid, err);
}

int hk_userns_check_user(const struct hk_user *u, hk_error_t **err)
{
  bool ok;

  if (id_in_own_map("/proc/self/uid_map", u->uid, &ok, err) < 0)
    return -1;
  if (!ok)
    return hk_error_plain(err, EINVAL,
                          "process.user.uid: %u has no mapping in the container's user "
                          "namespace%s",
                          u->uid, u->uid == 0 ? " (the container has no root to run as)" : "");
  if (id_in_own_map("/proc/self/gid_map", u->gid, &ok, err) < 0)
    return -1;
  if (!ok)
    return hk_error_plain(err, EINVAL,
                          "process.user.gid: %u has no mapping in the container's user namespace",
                          u->gid);
  for (size_t i = 0; i < u->additional_gids_len; i++) {
    if (id_in_own_map("/proc/self/gid_map", u->additional_gids[i], &ok, err) < 0)
      return -1;
    if (!ok)
      return hk_error_plain(err, EINVAL,
                            "process.user.additionalGids[%zu]: %u has no mapping in the "
                            "container's user namespace",
                            i, u->additional_gids[i]);
  }
  return 0;
}

/* ---- idmapped mounts ---- */

/* User namespaces carrying the mappings of idmapped mounts: one per
 * distinct pair of uid and gid mappings. */
struct userns_entry {
  const struct hk_id_mapping *uid, *gid;
  size_t nuid, ngid;
  int fd;
};

struct userns_cache {
  struct userns_entry *v;
  size_t len;
  int joined_fd; /* the container's joined user namespace, opened once */
};

static void userns_cache_clear(struct userns_cache *c)
{
  for (size_t i = 0; i < c->len; i++)
    close(c->v[i].fd);
  free(c->v);
  if (c->joined_fd >= 0)
    close(c->joined_fd);
}

static bool same_mappings(const struct hk_id_mapping *a, size_t na, const struct hk_id_mapping *b,
                          size_t nb)
{
  return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

/* A user namespace with these maps: a child unshares it and waits on a
 * pipe while we write its maps and open it, then exits. */
static int make_userns(const struct hk_id_mapping *uid, size_t nuid,
                       const struct hk_id_mapping *gid, size_t ngid, hk_error_t **err)
{
  char path[64];
  int pfd[2], fd = -1, r = 0;
  pid_t child;

  if (pipe2(pfd, O_CLOEXEC) < 0)
    return hk_error_make(err, errno, "pipe");
  child = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
  if (child == 0) {
    char b;
    close(pfd[1]);
    while (read(pfd[0], &b, 1) < 0 && errno == EINTR)
      ;
    _exit(0);
  }
  close(pfd[0]);
  if (child < 0) {
    close(pfd[1]);
    return hk_error_make(err, errno, "create a user namespace for the mapping");
  }
  if (write_map(child, false, uid, nuid, err) < 0 || write_map(child, true, gid, ngid, err) < 0) {
    r = -1;
  } else {
    snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)child);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      r = hk_error_make(err, errno, "open `%s`", path);
  }
  close(pfd[1]); /* the child reads EOF and exits */
  while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
    ;
  return r < 0 ? -1 : fd;
}

/* The user namespace fd for config mount m. */
static int userns_for(struct userns_cache *c, const struct hk_mount *m, const struct hk_spec *spec,
                      const struct hk_ns_plan *plan, hk_error_t **err)
{
  const struct hk_id_mapping *uid = m->uid_mappings, *gid = m->gid_mappings;
  size_t nuid = m->uid_mappings_len, ngid = m->gid_mappings_len;
  int fd;

  if (nuid == 0 && !(plan->new_flags & CLONE_NEWUSER)) {
    /* The container joins a user namespace: idmap with that one. */
    const char *p = plan->join_path[hk_ns_index(CLONE_NEWUSER)];
    /* O_NONBLOCK: a fifo given as the path must not hang us; anything but
     * a user namespace is refused by mount_setattr. */
    if (c->joined_fd < 0 &&
        (c->joined_fd = open(p, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
      return hk_error_make(err, errno, "open user namespace `%s`", p);
    return c->joined_fd;
  }
  if (nuid == 0) { /* the container's new user namespace's mappings */
    uid = spec->linux_.uid_mappings;
    nuid = spec->linux_.uid_mappings_len;
    gid = spec->linux_.gid_mappings;
    ngid = spec->linux_.gid_mappings_len;
  }
  for (size_t i = 0; i < c->len; i++)
    if (same_mappings(c->v[i].uid, c->v[i].nuid, uid, nuid) &&
        same_mappings(c->v[i].gid, c->v[i].ngid, gid, ngid))
      return c->v[i].fd;
  fd = make_userns(uid, nuid, gid, ngid, err);
  if (fd < 0)
    return -1;
  hk_debug("idmapped mounts: new user namespace, uid map %u:%u:%u (%zu ranges), gid map "
           "%u:%u:%u (%zu ranges)",
           uid[0].container_id, uid[0].host_id, uid[0].size, nuid, gid[0].container_id,
           gid[0].host_id, gid[0].size, ngid);
  c->v = hk_xrealloc(c->v, (c->len + 1) * sizeof(*c->v));
  c->v[c->len++] = (struct userns_entry){uid, gid, nuid, ngid, fd};
  return fd;
}

/* The detached clone of m's source, idmapped with the user namespace usernsfd. */
static int idmapped_tree(const struct hk_mount *m, const char *bundle, int usernsfd,
                         hk_error_t **err)
{
  _cleanup_free_ char *src = NULL;
  _cleanup_close_ int tree = -1;
  struct hk_mount_opts o;
  struct hk_mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = usernsfd};
  bool recursive, ridmap;

  if (hk_mount_parse_options(m, &o, err) < 0)
    return hk_error_wrap(err, "options");
  recursive = o.recursive;
  ridmap = o.ridmap;
  hk_mount_opts_clear(&o);
  if (m->source == NULL || m->source[0] == '\0')
    return hk_error_plain(err, EINVAL, "source: missing");
  src = m->source[0] == '/' ? hk_xstrdup(m->source) : hk_xasprintf("%s/%s", bundle, m->source);
  tree = syscall(SYS_open_tree, AT_FDCWD, src,
                 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
  if (tree < 0)
    return hk_error_make(err, errno, "source `%s`: open_tree", src);
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (ridmap ? AT_RECURSIVE : 0), &attr,
              sizeof(attr)) < 0) {
    int e = errno;
    if (e == EINVAL)
      return hk_error_make(err, e,
                           "idmap `%s` (does its file system%s support idmapped mounts?)", src,
                           ridmap ? ", and that of every mount below it," : "");
    return hk_error_make(err, e, "idmap `%s`", src);
  }
  return steal_fd(&tree);
}

int hk_idmap_mounts_prepare(const struct hk_spec *spec, const char *bundle,
                            const struct hk_ns_plan *plan, struct hk_idmap_mounts *out,
                            hk_error_t **err)
{
  struct userns_cache cache = {.joined_fd = -1};
  int r = 0;

  memset(out, 0, sizeof(*out));
  for (size_t i = 0; i < spec->mounts_len && out->fds == NULL; i++)
    if (hk_mount_is_idmapped(&spec->mounts[i]))
      out->fds = hk_xmalloc0(spec->mounts_len * sizeof(int));
  if (out->fds == NULL)
    return 0;
  out->len = spec->mounts_len;
  for (size_t i = 0; i < out->len; i++)
    out->fds[i] = -1;
  for (size_t i = 0; i < out->len && r == 0; i++) {
    const struct hk_mount *m = &spec->mounts[i];
    int ufd;
    if (!hk_mount_is_idmapped(m))
      continue;
    ufd = userns_for(&cache, m, spec, plan, err);
    if (ufd < 0 || (out->fds[i] = idmapped_tree(m, bundle, ufd, err)) < 0)
      r = hk_error_wrap(err, "mounts[%zu]", i);
  }
  userns_cache_clear(&cache);
  if (r < 0)
    hk_idmap_mounts_clear(out);
  return r;
}

void hk_idmap_mounts_clear(struct hk_idmap_mounts *m)
{
  for (size_t i = 0; i < m->len; i++)
    if (m->fds[i] >= 0)
      close(m->fds[i]);
  free(m->fds);
  m->fds = NULL;
  m->len = 0;
}
