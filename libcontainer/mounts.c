/* config.mounts: every destination is resolved inside the root and mounted
 * through its O_PATH descriptor, so a symlink in the rootfs cannot redirect a
 * mount onto the host. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "cgroups.h"
#include "log.h"
#include "mounts.h"
#include "overlay.h"
#include "path.h"
#include "utils.h"

#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif

static const struct {
  const char *name;
  bool clear;
  unsigned long flag;
} flag_options[] = {
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
};

static const struct {
  const char *name;
  unsigned long flags;
} propagation_options[] = {
    {"private", MS_PRIVATE},
    {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},
    {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},
    {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},
    {"runbindable", MS_UNBINDABLE | MS_REC},
};

void hk_fd_path(char buf[HK_FD_PATH_MAX], int fd)
{
  snprintf(buf, HK_FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

void hk_mount_opts_clear(struct hk_mount_opts *o)
{
  free(o->data);
  o->data = NULL;
}

static void append_data(struct hk_mount_opts *o, const char *opt)
{
  char *d = o->data ? hk_xasprintf("%s,%s", o->data, opt) : hk_xstrdup(opt);
  free(o->data);
  o->data = d;
}

int hk_mount_parse_options(const struct hk_mount *m, struct hk_mount_opts *o, hk_error_t **err)
{
  memset(o, 0, sizeof(*o));
  if (m->type && strcmp(m->type, "bind") == 0)
    o->bind = true;
  for (size_t i = 0; i < m->options.len; i++) {
    const char *opt = m->options.v[i];
    bool done = false;

    if (strcmp(opt, "bind") == 0 || strcmp(opt, "rbind") == 0) {
      o->bind = true;
      o->recursive |= opt[0] == 'r';
      continue;
    }
    if (strcmp(opt, "tmpcopyup") == 0) {
      o->tmpcopyup = true;
      continue;
    }
    if (strcmp(opt, "idmap") == 0 || strcmp(opt, "ridmap") == 0) {
      o->idmap = true;
      o->ridmap |= opt[0] == 'r';
      continue;
    }
    for (size_t j = 0; !done && j < HK_ARRAY_SIZE(flag_options); j++) {
      if (strcmp(opt, flag_options[j].name) != 0)
        continue;
      if (flag_options[j].clear)
        o->flags &= ~flag_options[j].flag;
      else
        o->flags |= flag_options[j].flag;
      done = true;
    }
    for (size_t j = 0; !done && j < HK_ARRAY_SIZE(propagation_options); j++) {
      if (strcmp(opt, propagation_options[j].name) != 0)
        continue;
      o->propagation = propagation_options[j].flags;
      done = true;
    }
    if (!done)
      append_data(o, opt);
  }
  if (o->bind && o->data) {
    hk_mount_opts_clear(o);
    return hk_error_plain(err, EINVAL, "unsupported option for a bind mount");
  }
  return 0;
}

/* Re-open the destination so the descriptor refers to what was just mounted
 * on it (the old one still points at the covered directory). */
static int reopen_dest(int rootfd, const char *dest, int *fd, hk_error_t **err)
{
  int nfd = hk_path_open_in_root(rootfd, dest, HK_PATH_NO_CREATE, err);
  if (nfd < 0)
    return -1;
  close(*fd);
  *fd = nfd;
  return 0;
}

/* Remount a bind mount with its flags; in a user namespace the kernel keeps
 * the source's nosuid/nodev/noexec/ro locked, so add them and retry. */
int hk_remount_bind(int fd, unsigned long flags, hk_error_t **err)
{
  char p[HK_FD_PATH_MAX];
  struct statvfs sv;

  hk_fd_path(p, fd);
  if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | flags, NULL) == 0)
    return 0;
  if (errno == EPERM && fstatvfs(fd, &sv) == 0) {
    unsigned long locked = 0;
    if (sv.f_flag & ST_NOSUID)
      locked |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV)
      locked |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC)
      locked |= MS_NOEXEC;
    if (sv.f_flag & ST_RDONLY)
      locked |= MS_RDONLY;
    if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | flags | locked, NULL) == 0)
      return 0;
  }
  return hk_error_make(err, errno, "remount");
}

static int mount_bind(int rootfd, const char *bundle, const struct hk_mount *m,
                      const char *dest, const struct hk_mount_opts *o, bool *done_flags,
                      int *dfd, hk_error_t **err)
{
  _cleanup_free_ char *src = NULL;
  _cleanup_close_ int sfd = -1;
  char sp[HK_FD_PATH_MAX], dp[HK_FD_PATH_MAX];
  struct stat st;

  if (m->source == NULL)
    return hk_error_plain(err, EINVAL, "bind mount without a source");
  src = m->source[0] == '/' ? hk_xstrdup(m->source) : hk_xasprintf("%s/%s", bundle, m->source);
  sfd = open(src, O_PATH | O_CLOEXEC);
  if (sfd < 0 || fstat(sfd, &st) < 0)
    return hk_error_make(err, errno, "source `%s`", src);
  *dfd = hk_path_open_in_root(rootfd, dest,
                              S_ISDIR(st.st_mode) ? HK_PATH_CREATE_DIR : HK_PATH_CREATE_FILE, err);
  if (*dfd < 0)
    return -1;
  hk_fd_path(sp, sfd);
  hk_fd_path(dp, *dfd);
  if (mount(sp, dp, NULL, MS_BIND | (o->recursive ? MS_REC : 0), NULL) < 0)
    return hk_error_make(err, errno, "bind `%s`", src);
  if (reopen_dest(rootfd, dest, dfd, err) < 0)
    return -1;
  *done_flags = (o->flags & ~MS_REMOUNT) == 0;
  if (!*done_flags && hk_remount_bind(*dfd, o->flags & ~MS_REMOUNT, err) < 0)
    return -1;
  *done_flags = true;
  return 0;
}

/* An idmapped bind mount: attach the tree the parent cloned and idmapped
 * (see idmap.h) at the destination, then apply the flags. */
static int mount_idmapped(int rootfd, const char *dest, int tree_fd,
                          const struct hk_mount_opts *o, int *dfd, hk_error_t **err)
{
  struct stat st;

  if (fstat(tree_fd, &st) < 0)
    return hk_error_make(err, errno, "idmapped mount");
  *dfd = hk_path_open_in_root(rootfd, dest,
                              S_ISDIR(st.st_mode) ? HK_PATH_CREATE_DIR : HK_PATH_CREATE_FILE, err);
  if (*dfd < 0)
    return -1;
  if (syscall(SYS_move_mount, tree_fd, "", *dfd, "",
              MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return hk_error_make(err, errno, "attach the idmapped mount");
  if (reopen_dest(rootfd, dest, dfd, err) < 0)
    return -1;
  if ((o->flags & ~MS_REMOUNT) && hk_remount_bind(*dfd, o->flags & ~MS_REMOUNT, err) < 0)
    return -1;
  return 0;
}

/* A "cgroup" mount: cgroup2 where the host is unified, else a tmpfs with one
 * v1 hierarchy per controller, as runc lays it out. */
static int mount_cgroup_v1(int rootfd, const char *dest, const struct hk_mount_opts *o,
                           bool own_cgroupns, hk_error_t **err);

/* tmpcopyup: copy what the covered directory `from` held into the new tmpfs
 * `to`.  Both are descriptors, and nothing is followed: the rootfs is the
 * container's, so its symlinks are copied as symlinks, and only regular
 * files, directories, symlinks, fifos and device nodes are copied. */
static int copy_tree(int from, int to, int depth, hk_error_t **err)
{
  DIR *d;
  struct dirent *de;
  int dupfd, r = 0;

  if (depth > 64)
    return hk_error_plain(err, ELOOP, "tmpcopyup: directories nested too deep");
  if ((dupfd = dup(from)) < 0 || (d = fdopendir(dupfd)) == NULL) {
    if (dupfd >= 0)
      close(dupfd);
    return hk_error_make(err, errno, "tmpcopyup: read directory");
  }
  while (r == 0 && (de = readdir(d))) {
    const char *n = de->d_name;
    struct stat st;
    if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
      continue;
    if (fstatat(from, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      r = hk_error_make(err, errno, "tmpcopyup: stat `%s`", n);
      break;
    }
    if (S_ISDIR(st.st_mode)) {
      int sfd, dfd;
      if (mkdirat(to, n, st.st_mode & 07777) < 0 && errno != EEXIST) {
        r = hk_error_make(err, errno, "tmpcopyup: mkdir `%s`", n);
        break;
      }
      sfd = openat(from, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      dfd = openat(to, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sfd < 0 || dfd < 0)
        r = hk_error_make(err, errno, "tmpcopyup: open `%s`", n);
      else
        r = copy_tree(sfd, dfd, depth + 1, err);
      if (sfd >= 0)
        close(sfd);
      if (dfd >= 0)
        close(dfd);
    } else if (S_ISREG(st.st_mode)) {
      _cleanup_close_ int sfd = openat(from, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      _cleanup_close_ int dfd = openat(to, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                       st.st_mode & 07777);
      off_t left = st.st_size;
      if (sfd < 0 || dfd < 0) {
        r = hk_error_make(err, errno, "tmpcopyup: open `%s`", n);
        break;
      }
      while (left > 0) {
        ssize_t k = sendfile(dfd, sfd, NULL, left > (1 << 30) ? (1 << 30) : (size_t)left);
        if (k <= 0) {
          if (k < 0)
            r = hk_error_make(err, errno, "tmpcopyup: copy `%s`", n);
          break;
        }
        left -= k;
      }
    } else if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t k = readlinkat(from, n, target, sizeof(target) - 1);
      if (k < 0 || (target[k] = '\0', symlinkat(target, to, n) < 0))
        r = hk_error_make(err, errno, "tmpcopyup: symlink `%s`", n);
    } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      if (mknodat(to, n, st.st_mode, st.st_rdev) < 0)
        r = hk_error_make(err, errno, "tmpcopyup: mknod `%s`", n);
    } else {
      continue; /* sockets and the like are not copied */
    }
    if (r == 0) {
      struct timespec ts[2] = {st.st_atim, st.st_mtim};
      if (fchownat(to, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        hk_debug("tmpcopyup: chown `%s`: %s", n, strerror(errno));
      if (!S_ISLNK(st.st_mode) && fchmodat(to, n, st.st_mode & 07777, 0) < 0)
        hk_debug("tmpcopyup: chmod `%s`: %s", n, strerror(errno));
      utimensat(to, n, ts, AT_SYMLINK_NOFOLLOW);
    }
  }
  closedir(d);
  return r;
}

/* proc and sysfs hold the kernel's knobs, which masked and read-only paths
 * and LSM profiles expect at their usual place: a rootfs must not move them
 * elsewhere with a symlink (/proc -> /etc), so their destination may not go
 * through one (runc refuses this too).  Both descriptors were resolved in
 * root; what they point to, seen from here, must differ by dest exactly. */
static int check_not_redirected(int rootfd, int dfd, const char *type, const char *dest,
                                hk_error_t **err)
{
  char rp[HK_FD_PATH_MAX], dp[HK_FD_PATH_MAX], root[4096], real[4096];
  ssize_t n, k;

  hk_fd_path(rp, rootfd);
  hk_fd_path(dp, dfd);
  n = readlink(rp, root, sizeof(root) - 1);
  k = readlink(dp, real, sizeof(real) - 1);
  if (n < 0 || k < 0)
    return hk_error_make(err, errno, "resolve `%s`", dest);
  root[n] = real[k] = '\0';
  if (strcmp(root, "/") == 0)
    n = 0;
  if (strncmp(real, root, n) != 0 || strcmp(real + n, dest) != 0)
    return hk_error_plain(err, ELOOP,
                          "%s must be mounted on an ordinary directory: `%s` goes through a "
                          "symlink in the rootfs (to `%s`)",
                          type, dest, strncmp(real, root, n) == 0 ? real + n : real);
  return 0;
}

static int mount_fs(int rootfd, const struct hk_mount *m, const char *dest,
                    const struct hk_mount_opts *o, const struct hk_mount_ctx *ctx, int *dfd,
                    hk_error_t **err)
{
  char dp[HK_FD_PATH_MAX];
  const char *type = m->type, *data = o->data;
  _cleanup_free_ char *overlay_data = NULL;

  if (type == NULL || type[0] == '\0')
    return hk_error_plain(err, EINVAL, "missing type");
  /* Its directories are host paths, relative ones from the bundle. */
  if (strcmp(type, "overlay") == 0) {
    if (hk_overlay_mount_data(o->data, ctx->bundle, &overlay_data, err) < 0)
      return -1;
    data = overlay_data;
  }
  *dfd = hk_path_open_in_root(rootfd, dest, HK_PATH_CREATE_DIR, err);
  if (*dfd < 0)
    return -1;
  if ((strcmp(type, "proc") == 0 || strcmp(type, "sysfs") == 0) &&
      check_not_redirected(rootfd, *dfd, type, dest, err) < 0)
    return -1;
  hk_fd_path(dp, *dfd);
  if (strcmp(type, "cgroup") == 0) {
    const char *rel;
    int at = hk_cg_at("/sys/fs/cgroup/cgroup.controllers", &rel);
    if (faccessat(at, rel, F_OK, 0) < 0)
      return mount_cgroup_v1(rootfd, dest, o, ctx->own_cgroupns, err);
    type = "cgroup2";
  }
  if (o->tmpcopyup && strcmp(type, "tmpfs") != 0)
    return hk_error_plain(err, EINVAL, "tmpcopyup: only for tmpfs, not %s", type);
  if (o->tmpcopyup) {
    /* Opened before the mount, this still reaches the covered directory. */
    _cleanup_close_ int below = openat(*dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int top = -1;
    struct stat st;
    if (below < 0)
      return hk_error_make(err, errno, "tmpcopyup: open `%s`", dest);
    if (mount(m->source ? m->source : type, dp, type, o->flags & ~(MS_REMOUNT | MS_RDONLY), data) < 0)
      return hk_error_make(err, errno, "mount %s", type);
    if (reopen_dest(rootfd, dest, dfd, err) < 0)
      return -1;
    top = openat(*dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (top < 0)
      return hk_error_make(err, errno, "tmpcopyup: open the new tmpfs");
    if (copy_tree(below, top, 0, err) < 0)
      return -1;
    if (fstat(below, &st) == 0 && !strstr(data ? data : "", "mode=") && fchmod(top, st.st_mode & 07777) < 0)
      return hk_error_make(err, errno, "tmpcopyup: chmod");
    if (o->flags & MS_RDONLY)
      return hk_remount_bind(*dfd, (o->flags & ~MS_REMOUNT) | MS_RDONLY, err);
    return 0;
  }
  if (mount(m->source ? m->source : type, dp, type, o->flags & ~MS_REMOUNT, data) == 0)
    return 0;
  if (errno == EPERM && ctx->in_userns &&
      (strcmp(type, "sysfs") == 0 || strcmp(type, "cgroup2") == 0)) {
    /* Not ours to mount in a user namespace without its own network
     * namespace: show the host's instead, read-only. */
    const char *host = strcmp(type, "sysfs") == 0 ? "/sys" : "/sys/fs/cgroup";
    hk_debug("mount %s on `%s`: EPERM in user namespace, binding `%s`", type, dest, host);
    if (mount(host, dp, NULL, MS_BIND | MS_REC, NULL) < 0)
      return hk_error_make(err, errno, "bind `%s`", host);
    if (reopen_dest(rootfd, dest, dfd, err) < 0)
      return -1;
    return hk_remount_bind(*dfd, (o->flags & ~MS_REMOUNT) | MS_RDONLY, err);
  }
  return hk_error_make(err, errno, "mount %s", type);
}

/* Is the n bytes at w one of the comma-separated items of list? */
static bool list_has(const char *list, const char *w, size_t n)
{
  for (const char *o = list;;) {
    size_t len = strcspn(o, ",");
    if (len == n && strncmp(o, w, n) == 0)
      return true;
    if (o[len] == '\0')
      return false;
    o += len + 1;
  }
}

/* Do a mount's super options hold every controller of `ctrl` ("cpu,cpuacct",
 * "name=systemd")? */
static bool has_controllers(const char *opts, const char *ctrl)
{
  for (const char *c = ctrl;;) {
    size_t len = strcspn(c, ",");
    if (!list_has(opts, c, len))
      return false;
    if (c[len] == '\0')
      return true;
    c += len + 1;
  }
}

/* Where the host shows the cgroup `path` of hierarchy `ctrl` ("" for
 * cgroup2): from the first mount of that hierarchy whose root holds it. */
static char *cgroup_host_dir(const char *ctrl, const char *path)
{
  _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
  _cleanup_free_ char *line = NULL;
  size_t cap = 0;

  while (f && getline(&line, &cap, f) > 0) {
    char root[4096], mnt[4096], fstype[64], opts[1024];
    const char *sep = strstr(line, " - ");
    size_t rl;

    if (sep == NULL || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
        sscanf(sep + 3, "%63s %*s %1023s", fstype, opts) != 2)
      continue;
    if (ctrl[0] ? strcmp(fstype, "cgroup") != 0 || !has_controllers(opts, ctrl)
                : strcmp(fstype, "cgroup2") != 0)
      continue;
    rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
    if (strncmp(path, root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))
      continue;
    return hk_xasprintf("%s%s", mnt, path + rl);
  }
  return NULL;
}

/* One hierarchy below the tmpfs `tfd`, in the directory `name` made there:
 * a fresh cgroup mount in the container's own cgroup namespace (its root is
 * the container's cgroup), else a bind of the container's cgroup directory,
 * as runc does, so that the host's tree stays out of sight.  The tmpfs is
 * ours and new, so the walk goes from its descriptor: no path through the
 * rootfs (and its sysfs) again for each hierarchy. */
static int mount_cgroup_hierarchy(int tfd, const char *name, const char *sub, const char *ctrl,
                                  const char *path, unsigned long flags, bool own_cgroupns,
                                  hk_error_t **err)
{
  _cleanup_close_ int sfd = -1;
  _cleanup_free_ char *host = NULL;
  const char *fstype = ctrl[0] ? "cgroup" : "cgroup2";
  char sp[HK_FD_PATH_MAX];

  if (name[0] == '\0' || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return hk_error_plain(err, EINVAL, "cgroup hierarchy \"%s\": not a directory name", name);
  if (mkdirat(tfd, name, 0755) < 0 && errno != EEXIST)
    return hk_error_make(err, errno, "mkdir `%s`", sub);
  sfd = openat(tfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sfd < 0)
    return hk_error_make(err, errno, "open `%s`", sub);
  hk_fd_path(sp, sfd);
  if (own_cgroupns) {
    if (mount(fstype, sp, fstype, flags, ctrl[0] ? ctrl : NULL) < 0)
      return hk_error_make(err, errno, "mount %s `%s`", fstype, sub);
    return 0;
  }
  host = cgroup_host_dir(ctrl, path);
  if (host == NULL)
    return hk_error_plain(err, ENOENT, "no mount of the %s hierarchy holds `%s`",
                          ctrl[0] ? ctrl : "cgroup2", path);
  if (mount(host, sp, NULL, MS_BIND, NULL) < 0)
    return hk_error_make(err, errno, "bind `%s` on `%s`", host, sub);
  close(sfd);
  sfd = openat(tfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sfd < 0)
    return hk_error_make(err, errno, "open `%s`", sub);
  if (hk_remount_bind(sfd, flags, err) < 0)
    return hk_error_wrap(err, "`%s`", sub);
  return 0;
}

static int mount_cgroup_v1(int rootfd, const char *dest, const struct hk_mount_opts *o,
                           bool own_cgroupns, hk_error_t **err)
{
  _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
  char line[4096], dp[HK_FD_PATH_MAX];
  _cleanup_close_ int dfd = hk_path_open_in_root(rootfd, dest, HK_PATH_CREATE_DIR, err);
  _cleanup_close_ int tfd = -1;
  unsigned long flags = (o->flags & ~MS_REMOUNT) | MS_NOSUID | MS_NODEV | MS_NOEXEC;

  if (dfd < 0)
    return -1;
  if (f == NULL)
    return hk_error_make(err, errno, "open /proc/self/cgroup");
  hk_fd_path(dp, dfd);
  if (mount("tmpfs", dp, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
    return hk_error_make(err, errno, "mount tmpfs");
  if (reopen_dest(rootfd, dest, &dfd, err) < 0)
    return -1;
  tfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (tfd < 0)
    return hk_error_make(err, errno, "open the tmpfs on `%s`", dest);
  while (fgets(line, sizeof(line), f)) {
    char *ctrl = strchr(line, ':'), *end;
    _cleanup_free_ char *sub = NULL;
    const char *name;

    if (ctrl == NULL || (end = strchr(++ctrl, ':')) == NULL)
      continue;
    *end++ = '\0';
    end[strcspn(end, "\n")] = '\0';
    /* An empty controller list is the v2 hierarchy of a hybrid host. */
    name = ctrl[0] == '\0' ? "unified" : strncmp(ctrl, "name=", 5) == 0 ? ctrl + 5 : ctrl;
    sub = hk_xasprintf("%s/%s", dest, name);
    if (mount_cgroup_hierarchy(tfd, name, sub, ctrl, end, flags, own_cgroupns, err) < 0)
      return -1;
  }
  if (o->flags & MS_RDONLY)
    return hk_remount_bind(dfd, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
  return 0;
}

int hk_mount_apply(int rootfd, const struct hk_mount_ctx *ctx, const struct hk_mount *m, size_t idx,
                   int tree_fd, hk_error_t **err)
{
  struct hk_mount_opts o;
  _cleanup_free_ char *dest = NULL;
  _cleanup_close_ int dfd = -1, tree = tree_fd;
  bool flags_done = false;
  int r;

  if (m->destination == NULL || m->destination[0] == '\0')
    return hk_error_plain(err, EINVAL, "mounts[%zu].destination: must not be empty", idx);
  dest = hk_path_clean(m->destination);
  if (hk_mount_parse_options(m, &o, err) < 0)
    return hk_error_wrap(err, "mounts[%zu].options", idx);
  if (tree >= 0)
    r = mount_idmapped(rootfd, dest, tree, &o, &dfd, err);
  else if (o.idmap || m->uid_mappings_len || m->gid_mappings_len)
    r = hk_error_plain(err, EINVAL, "idmapped mount not prepared"); /* see idmap.h */
  else if (o.bind)
    r = mount_bind(rootfd, ctx->bundle, m, dest, &o, &flags_done, &dfd, err);
  else
    r = mount_fs(rootfd, m, dest, &o, ctx, &dfd, err);
  if (r == 0 && o.propagation) {
    char dp[HK_FD_PATH_MAX];
    if (dfd >= 0 && reopen_dest(rootfd, dest, &dfd, err) < 0)
      r = -1;
    hk_fd_path(dp, dfd);
    if (r == 0 && mount(NULL, dp, NULL, o.propagation, NULL) < 0)
      r = hk_error_make(err, errno, "set propagation");
  }
  hk_mount_opts_clear(&o);
  if (r < 0)
    return hk_error_wrap(err, "mounts[%zu]: mount `%s` on `%s`", idx,
                         m->source ? m->source : "", m->destination);
  return 0;
}
