/* Device nodes and /dev links; see devices.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devices.h"
#include "mounts.h"
#include "path.h"
#include "utils.h"

struct dev_node {
  const char *path;
  char type;
  unsigned major, minor;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

static const struct dev_node default_devices[] = {
    {"/dev/null", 'c', 1, 3, 0666, 0, 0},    {"/dev/zero", 'c', 1, 5, 0666, 0, 0},
    {"/dev/full", 'c', 1, 7, 0666, 0, 0},    {"/dev/random", 'c', 1, 8, 0666, 0, 0},
    {"/dev/urandom", 'c', 1, 9, 0666, 0, 0}, {"/dev/tty", 'c', 5, 0, 0666, 0, 0},
};

static const struct {
  const char *target, *link;
} default_links[] = {
    {"/proc/self/fd", "/dev/fd"},     {"/proc/self/fd/0", "/dev/stdin"},
    {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
    {"pts/ptmx", "/dev/ptmx"},
};

/* Split an absolute container path into its parent (opened, created if
 * missing) and its last component. */
static int open_parent(int rootfd, const char *path, char **base, hk_error_t **err)
{
  _cleanup_free_ char *clean = hk_path_clean(path);
  char *slash = strrchr(clean, '/');
  _cleanup_free_ char *dir = NULL;

  if (slash == NULL || slash[1] == '\0')
    return hk_error_plain(err, EINVAL, "invalid device path `%s`", path);
  *base = hk_xstrdup(slash + 1);
  dir = slash == clean ? hk_xstrdup("/") : strndup(clean, slash - clean);
  return hk_path_open_in_root(rootfd, dir, HK_PATH_CREATE_DIR, err);
}

/* In a user namespace mknod is refused, so the host's node at the same
 * path is bound instead.  It must be that very device: a config naming
 * /etc/passwd as a device must not get the host's file. */
static int bind_host_node(int rootfd, const struct dev_node *d, mode_t type, hk_error_t **err)
{
  _cleanup_close_ int src = open(d->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  _cleanup_close_ int dfd = -1;
  char sp[HK_FD_PATH_MAX], dp[HK_FD_PATH_MAX];
  struct stat st;

  if (src < 0 || fstat(src, &st) < 0)
    return hk_error_make(err, errno, "bind host device `%s` (user namespace)", d->path);
  if ((st.st_mode & S_IFMT) != type || st.st_rdev != makedev(d->major, d->minor))
    return hk_error_plain(err, EINVAL,
                          "`%s` on the host is not the %s device %u:%u (in a user namespace "
                          "the host's node is bound, so it must be)",
                          d->path, type == S_IFBLK ? "block" : "character", d->major, d->minor);
  dfd = hk_path_open_in_root(rootfd, d->path, HK_PATH_CREATE_FILE, err);
  if (dfd < 0)
    return -1;
  hk_fd_path(sp, src);
  hk_fd_path(dp, dfd);
  if (mount(sp, dp, NULL, MS_BIND, NULL) < 0)
    return hk_error_make(err, errno, "bind host device `%s`", d->path);
  return 0;
}

/* Who creates nodes here: mknod gives them that owner, sparing a chown. */
struct creator {
  uid_t uid;
  gid_t gid;
};

/* Make node `base` in directory pfd, replacing whatever is there (a file
 * from the image, a stale node).  The caller's umask is 0. */
static int make_node_in(int pfd, const char *base, const struct dev_node *d, mode_t type,
                        const struct creator *me, hk_error_t **err)
{
  mode_t mode = d->mode & 07777;

  if (mknodat(pfd, base, type | mode, makedev(d->major, d->minor)) < 0) {
    if (errno != EEXIST)
      return hk_error_make(err, errno, "mknod `%s`", d->path);
    if (unlinkat(pfd, base, 0) < 0 && errno != ENOENT && errno != EISDIR)
      return hk_error_make(err, errno, "remove `%s`", d->path);
    if (mknodat(pfd, base, type | mode, makedev(d->major, d->minor)) < 0)
      return hk_error_make(err, errno, "mknod `%s`", d->path);
  }
  /* mknod may drop the set-id and sticky bits: set them explicitly. */
  if ((mode & 07000) && fchmodat(pfd, base, mode, 0) < 0)
    return hk_error_make(err, errno, "chmod `%s`", d->path);
  if ((d->uid != me->uid || d->gid != me->gid) &&
      fchownat(pfd, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return hk_error_make(err, errno, "chown `%s`", d->path);
  return 0;
}

static int node_type(const struct dev_node *d, mode_t *type, hk_error_t **err)
{
  switch (d->type) {
  case 'c':
  case 'u':
    *type = S_IFCHR;
    return 0;
  case 'b':
    *type = S_IFBLK;
    return 0;
  case 'p':
    *type = S_IFIFO;
    return 0;
  default:
    return hk_error_plain(err, EINVAL, "device `%s`: unknown type '%c'", d->path, d->type);
  }
}

/* devfd: the container's /dev when the caller has it open and d->path is
 * directly in it (the defaults), else -1. */
static int make_node(int rootfd, int devfd, const struct dev_node *d, bool in_userns,
                     const struct creator *me, hk_error_t **err)
{
  _cleanup_free_ char *base = NULL;
  _cleanup_close_ int pfd = -1;
  mode_t type = 0;

  if (node_type(d, &type, err) < 0)
    return -1;
  if (in_userns && type != S_IFIFO)
    return bind_host_node(rootfd, d, type, err);
  if (devfd >= 0)
    return make_node_in(devfd, d->path + 5, d, type, me, err);
  pfd = open_parent(rootfd, d->path, &base, err);
  if (pfd < 0)
    return -1;
  return make_node_in(pfd, base, d, type, me, err);
}

static int make_link(int rootfd, int devfd, const char *target, const char *link, hk_error_t **err)
{
  _cleanup_free_ char *base = NULL;
  _cleanup_close_ int pfd = -1;

  if (devfd < 0 && (pfd = open_parent(rootfd, link, &base, err)) < 0)
    return -1;
  if (symlinkat(target, devfd >= 0 ? devfd : pfd, devfd >= 0 ? link + 5 : base) < 0 &&
      errno != EEXIST)
    return hk_error_make(err, errno, "symlink `%s` -> `%s`", link, target);
  return 0;
}

static int setup(int rootfd, const struct hk_spec *spec, bool with_defaults, bool in_userns,
                 hk_error_t **err)
{
  const struct hk_linux *lx = spec->has_linux ? &spec->linux_ : NULL;
  const struct creator me = {geteuid(), getegid()};
  _cleanup_close_ int devfd = -1;

  if (with_defaults) {
    /* Every default lives directly in /dev: resolve it once. */
    devfd = hk_path_open_in_root(rootfd, "/dev", HK_PATH_CREATE_DIR, err);
    if (devfd < 0)
      return -1;
    for (size_t i = 0; i < HK_ARRAY_SIZE(default_devices); i++)
      if (make_node(rootfd, devfd, &default_devices[i], in_userns, &me, err) < 0)
        return -1;
    for (size_t i = 0; i < HK_ARRAY_SIZE(default_links); i++)
      if (make_link(rootfd, devfd, default_links[i].target, default_links[i].link, err) < 0)
        return -1;
  }
  for (size_t i = 0; lx && i < lx->devices_len; i++) {
    const struct hk_device *d = &lx->devices[i];
    struct dev_node n = {
        .path = d->path,
        .type = d->type ? d->type[0] : '?',
        .major = d->major,
        .minor = d->minor,
        .mode = d->has_file_mode ? d->file_mode : 0666,
        .uid = d->has_uid ? d->uid : 0,
        .gid = d->has_gid ? d->gid : 0,
    };
    if (d->path == NULL || d->path[0] != '/')
      return hk_error_plain(err, EINVAL, "linux.devices[%zu].path: must be absolute", i);
    if (make_node(rootfd, -1, &n, in_userns, &me, err) < 0)
      return hk_error_wrap(err, "linux.devices[%zu]", i);
  }
  return 0;
}

int hk_devices_setup(int rootfd, const struct hk_spec *spec, bool with_defaults, bool in_userns,
                     hk_error_t **err)
{
  /* Nodes get their modes from mknod itself: no umask in the way. */
  mode_t old = umask(0);
  int r = setup(rootfd, spec, with_defaults, in_userns, err);
  umask(old);
  return r;
}
