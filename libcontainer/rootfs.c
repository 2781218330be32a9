/* Building the container's filesystem view; see rootfs.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "devices.h"
#include "fault.h"
#include "log.h"
#include "lsm.h"
#include "mounts.h"
#include "path.h"
#include "rootfs.h"
#include "utils.h"

static int propagation_flags(const char *name, unsigned long *flags, hk_error_t **err)
{
  static const struct {
    const char *name;
    unsigned long flags;
  } table[] = {
      {"private", MS_PRIVATE}, {"rprivate", MS_PRIVATE | MS_REC},
      {"slave", MS_SLAVE},     {"rslave", MS_SLAVE | MS_REC},
      {"shared", MS_SHARED},   {"rshared", MS_SHARED | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  for (size_t i = 0; i < HK_ARRAY_SIZE(table); i++) {
    if (strcmp(table[i].name, name) == 0) {
      *flags = table[i].flags;
      return 0;
    }
  }
  return hk_error_plain(err, EINVAL, "linux.rootfsPropagation: unknown value \"%s\"", name);
}

/* /dev gets the default nodes when the config mounts a fresh filesystem
 * there (the usual tmpfs), not when it binds the host's. */
static bool dev_is_fresh(const struct hk_spec *spec)
{
  for (size_t i = 0; i < spec->mounts_len; i++) {
    const struct hk_mount *m = &spec->mounts[i];
    _cleanup_free_ char *d = m->destination ? hk_path_clean(m->destination) : NULL;
    struct hk_mount_opts o;
    hk_error_t *e = NULL;
    bool bind;

    if (d == NULL || strcmp(d, "/dev") != 0)
      continue;
    if (hk_mount_parse_options(m, &o, &e) < 0) {
      hk_error_free(e);
      return false;
    }
    bind = o.bind;
    hk_mount_opts_clear(&o);
    return !bind;
  }
  return false;
}

/* mounts[i], with linux.mountLabel added to its options where it applies. */
static int apply_mount(int rootfd, const struct hk_rootfs_opts *o, const struct hk_mount_ctx *mc,
                       size_t i, hk_error_t **err)
{
  const struct hk_mount *m = &o->spec->mounts[i];
  int tree = o->idmap_fds ? o->idmap_fds[i] : -1;
  _cleanup_free_ char *ctx = hk_lsm_mount_option(m, o->spec->linux_.mount_label);
  _cleanup_free_ char **v = NULL;
  struct hk_mount labeled;

  if (ctx == NULL) {
    if (hk_mount_apply(rootfd, mc, m, i, tree, err) < 0)
      return -1;
    return hk_lsm_label_mount_root(rootfd, m, o->spec->linux_.mount_label, err);
  }
  labeled = *m;
  v = hk_xmalloc0((m->options.len + 2) * sizeof(char *));
  for (size_t j = 0; j < m->options.len; j++)
    v[j] = m->options.v[j];
  v[m->options.len] = ctx;
  labeled.options.v = v;
  labeled.options.len = m->options.len + 1;
  return hk_mount_apply(rootfd, mc, &labeled, i, tree, err);
}

static int enter_root(int rootfd, const struct hk_rootfs_opts *o, hk_error_t **err)
{
  if (fchdir(rootfd) < 0)
    return hk_error_make(err, errno, "chdir to rootfs `%s`", o->rootfs);
  if (o->no_pivot) {
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
      return hk_error_make(err, errno, "move rootfs `%s` to /", o->rootfs);
    if (chroot(".") < 0)
      return hk_error_make(err, errno, "chroot to `%s`", o->rootfs);
  } else {
    /* pivot_root(".", ".") stacks the old root under the new one; make it
     * a slave so detaching it cannot propagate to the host, then drop it. */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
      return hk_error_make(err, errno, "pivot_root to `%s`", o->rootfs);
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
      return hk_error_make(err, errno, "make the old root a slave");
    if (umount2(".", MNT_DETACH) < 0)
      return hk_error_make(err, errno, "detach the old root");
  }
  if (chdir("/") < 0)
    return hk_error_make(err, errno, "chdir /");
  return 0;
}

int hk_rootfs_setup(const struct hk_rootfs_opts *o, hk_error_t **err)
{
  const struct hk_spec *spec = o->spec;
  _cleanup_close_ int rootfd = -1;
  unsigned long prop = MS_SLAVE | MS_REC;
  const struct hk_mount_ctx mc = {
      .bundle = o->bundle, .in_userns = o->in_userns, .own_cgroupns = o->own_cgroupns};

  if (spec->has_linux && spec->linux_.rootfs_propagation &&
      propagation_flags(spec->linux_.rootfs_propagation, &prop, err) < 0)
    return -1;
  /* Shared propagation of "/" would let our mounts leak to the host. */
  if (mount(NULL, "/", NULL, (prop & MS_SHARED) ? MS_SLAVE | MS_REC : prop, NULL) < 0)
    return hk_error_make(err, errno, "set propagation of /");
  if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return hk_error_make(err, errno, "bind rootfs `%s`", o->rootfs);
  if (hk_overlay_mount_rootfs(o->overlay, o->rootfs, err) < 0)
    return -1;
  rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return hk_error_make(err, errno, "open rootfs `%s`", o->rootfs);
  for (size_t i = 0; i < spec->mounts_len; i++)
    if (apply_mount(rootfd, o, &mc, i, err) < 0)
      return -1;
  HK_FAULT("init-mounts");
  if (hk_devices_setup(rootfd, spec, dev_is_fresh(spec), o->in_userns, err) < 0)
    return -1;
  if (spec->process.cwd && spec->process.cwd[0] == '/') {
    int fd = hk_path_open_in_root(rootfd, spec->process.cwd, HK_PATH_CREATE_DIR, err);
    if (fd < 0)
      return hk_error_wrap(err, "process.cwd");
    close(fd);
  }
  if (o->before_enter && o->before_enter(o->data, err) < 0)
    return -1;
  return enter_root(rootfd, o, err);
}

/* Open a path of maskedPaths/readonlyPaths inside the (entered) root; a
 * path the image does not have is not an error: *fd stays -1.  rootfd is
 * "/", opened once for all of them (a mount over "/" itself does not
 * change what "/" opens either). */
static int open_optional(int rootfd, const char *setting, const char *path, int *fd,
                         hk_error_t **err)
{
  hk_error_t *e = NULL;

  *fd = hk_path_open_in_root(rootfd, path, HK_PATH_NO_CREATE, &e);
  if (*fd >= 0)
    return 0;
  if (e->code == ENOENT) {
    hk_error_free(e);
    return 0;
  }
  *err = e;
  return hk_error_wrap(err, "linux.%s", setting);
}

static int mask_path(int rootfd, const char *path, hk_error_t **err)
{
  _cleanup_close_ int fd = -1;
  char dp[HK_FD_PATH_MAX];
  struct stat st;

  if (open_optional(rootfd, "maskedPaths", path, &fd, err) < 0 || fd < 0)
    return fd < 0 && !*err ? 0 : -1;
  if (fstat(fd, &st) < 0)
    return hk_error_make(err, errno, "linux.maskedPaths: stat `%s`", path);
  hk_fd_path(dp, fd);
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", dp, "tmpfs", MS_RDONLY, "size=0k,mode=0555") < 0)
      return hk_error_make(err, errno, "linux.maskedPaths: mask `%s`", path);
  } else if (mount("/dev/null", dp, NULL, MS_BIND, NULL) < 0) {
    return hk_error_make(err, errno, "linux.maskedPaths: mask `%s`", path);
  }
  return 0;
}

static int readonly_path(int rootfd, const char *path, hk_error_t **err)
{
  _cleanup_close_ int fd = -1;
  char dp[HK_FD_PATH_MAX];

  if (open_optional(rootfd, "readonlyPaths", path, &fd, err) < 0 || fd < 0)
    return fd < 0 && !*err ? 0 : -1;
  hk_fd_path(dp, fd);
  if (mount(dp, dp, NULL, MS_BIND | MS_REC, NULL) < 0)
    return hk_error_make(err, errno, "linux.readonlyPaths: bind `%s`", path);
  /* Reopen: the descriptor still names the directory under the new mount. */
  close(fd);
  if (open_optional(rootfd, "readonlyPaths", path, &fd, err) < 0 || fd < 0)
    return -1;
  if (hk_remount_bind(fd, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err) < 0)
    return hk_error_wrap(err, "linux.readonlyPaths: remount `%s` read-only", path);
  return 0;
}

int hk_rootfs_finalize(const struct hk_rootfs_opts *o, hk_error_t **err)
{
  const struct hk_spec *spec = o->spec;
  const struct hk_linux *lx = &spec->linux_;
  _cleanup_close_ int rootfd = -1;

  if (spec->has_linux && (lx->masked_paths.len || lx->readonly_paths.len)) {
    rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
      return hk_error_make(err, errno, "open /");
  }
  if (spec->has_linux) {
    for (size_t i = 0; i < lx->masked_paths.len; i++)
      if (mask_path(rootfd, lx->masked_paths.v[i], err) < 0)
        return -1;
    for (size_t i = 0; i < lx->readonly_paths.len; i++)
      if (readonly_path(rootfd, lx->readonly_paths.v[i], err) < 0)
        return -1;
    if (lx->rootfs_propagation) {
      unsigned long prop;
      if (propagation_flags(lx->rootfs_propagation, &prop, err) < 0)
        return -1;
      if (mount(NULL, "/", NULL, prop, NULL) < 0)
        return hk_error_make(err, errno, "linux.rootfsPropagation: set `%s` on /",
                             lx->rootfs_propagation);
    }
  }
  if (spec->root.readonly) {
    _cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || hk_remount_bind(fd, MS_RDONLY, err) < 0)
      return hk_error_wrap(err, "root.readonly: remount / read-only");
  }
  return 0;
}
