/* OverlayFS for the rootfs and for config.mounts; see overlay.h for where
 * each piece lives and why nothing outlives the container. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "log.h"
#include "mounts.h"
#include "namespaces.h"
#include "overlay.h"
#include "utils.h"

#define RECORD    "overlay.record" /* in <root>/<id>: what to remove at delete */
#define TMPFS_DIR "overlay"        /* in <root>/<id>: the ephemeral tmpfs mount point */

/* mount(2) copies at most one page of options. */
#define DATA_MAX 4096

void hk_overlay_plan_clear(struct hk_overlay_plan *p)
{
  hk_strv_free(p->lowers);
  free(p->upper);
  free(p->workdir);
  free(p->tmpfs_dir);
  memset(p, 0, sizeof(*p));
}

static const char *annotation(const struct hk_spec *s, const char *key)
{
  for (size_t i = 0; i < s->annotations.len; i++)
    if (strcmp(s->annotations.items[i].key, key) == 0)
      return s->annotations.items[i].value;
  return NULL;
}

static char *from_base(const char *base, const char *p)
{
  return p[0] == '/' ? hk_xstrdup(p) : hk_xasprintf("%s/%s", base, p);
}

/* Two clean absolute paths that are the same, or one below the other. */
static bool nested(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b), n = la < lb ? la : lb;
  const char *longer = la > lb ? a : b;

  if (strncmp(a, b, n) != 0)
    return false;
  return la == lb || n == 1 || longer[n] == '/';
}

static int overlap_error(const char *what, const char *a_name, const char *a, const char *b_name,
                         const char *b, hk_error_t **err)
{
  if (strcmp(a, b) == 0)
    return hk_error_plain(err, EINVAL, "%s: %s `%s` and %s are the same directory", what, a_name, a,
                          b_name);
  if (strlen(a) > strlen(b))
    return hk_error_plain(err, EINVAL, "%s: %s `%s` is inside %s `%s`", what, a_name, a, b_name, b);
  return hk_error_plain(err, EINVAL, "%s: %s `%s` is inside %s `%s`", what, b_name, b, a_name, a);
}

/* An existing directory, resolved to its real path. */
static int existing_dir(const char *what, const char *name, const char *path, char **out,
                        hk_error_t **err)
{
  struct stat st;

  if (path[0] == '\0')
    return hk_error_plain(err, EINVAL, "%s: empty %s path", what, name);
  *out = realpath(path, NULL);
  if (*out == NULL)
    return hk_error_make(err, errno, "%s: %s `%s`", what, name, path);
  if (stat(*out, &st) < 0 || !S_ISDIR(st.st_mode)) {
    free(steal_pointer(out));
    return hk_error_make(err, ENOTDIR, "%s: %s `%s`", what, name, path);
  }
  return 0;
}

/* The upper directory need not exist yet: resolve its parent. */
static int upper_dir(const char *what, const char *path, char **out, hk_error_t **err)
{
  _cleanup_free_ char *dup = NULL, *parent = NULL;
  char *slash, *base;
  struct stat st;

  if (path[0] == '\0')
    return hk_error_plain(err, EINVAL, "%s: empty path", what);
  if (stat(path, &st) == 0 || errno != ENOENT)
    return existing_dir(what, "upper directory", path, out, err);
  dup = hk_xstrdup(path);
  while (strlen(dup) > 1 && dup[strlen(dup) - 1] == '/')
    dup[strlen(dup) - 1] = '\0';
  slash = strrchr(dup, '/');
  base = slash ? slash + 1 : dup;
  if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || base[0] == '\0')
    return hk_error_plain(err, EINVAL, "%s: upper directory `%s`: not a directory name", what,
                          path);
  if (slash == dup)
    parent = hk_xstrdup("/");
  else if (slash)
    *slash = '\0', parent = realpath(dup, NULL);
  else
    parent = realpath(".", NULL);
  if (parent == NULL)
    return hk_error_make(err, errno, "%s: parent of upper directory `%s`", what, path);
  *out = hk_xasprintf("%s%s%s", parent, strcmp(parent, "/") ? "/" : "", base);
  return 0;
}

/* Split s at unescaped `sep`, unescaping each item. */
static char **split_escaped(const char *s, char sep)
{
  size_t n = 1, cap = 4, len = 0;
  char **v = hk_xmalloc0(cap * sizeof(char *));
  char *cur = hk_xmalloc0(strlen(s) + 1);

  for (;; s++) {
    if (*s == '\\' && s[1]) {
      cur[len++] = *++s;
      continue;
    }
    if (*s != sep && *s != '\0') {
      cur[len++] = *s;
      continue;
    }
    cur[len] = '\0';
    if (n + 1 >= cap)
      v = hk_xrealloc(v, (cap *= 2) * sizeof(char *));
    v[n - 1] = hk_xstrdup(cur);
    v[n++] = NULL;
    len = 0;
    if (*s == '\0')
      break;
  }
  free(cur);
  return v;
}

static const char *rootfs_of(const struct hk_overlay_plan *p)
{
  size_t i = 0;
  while (p->lowers[i + 1])
    i++;
  return p->lowers[i];
}

/* The layers (a colon-separated annotation, or the CLI's list) as absolute
 * real paths, root.path last; no two the same or nested. */
static int collect_lowers(struct hk_overlay_plan *p, const char *what, const char *list,
                          const char *const *cli, const char *bundle, const char *rootfs,
                          hk_error_t **err)
{
  _cleanup_strv_ char **split = list ? split_escaped(list, ':') : NULL;
  const char *const *items = cli ? cli : (const char *const *)split;
  size_t n = 0;

  while (items && items[n])
    n++;
  p->lowers = hk_xmalloc0((n + 2) * sizeof(char *));
  for (size_t i = 0; i < n; i++) {
    _cleanup_free_ char *path = from_base(bundle, items[i]);
    if (existing_dir(what, "layer", items[i][0] ? path : "", &p->lowers[i], err) < 0)
      return -1;
  }
  p->lowers[n] = hk_xstrdup(rootfs);
  for (size_t i = 0; p->lowers[i]; i++) {
    for (size_t j = i + 1; p->lowers[j]; j++) {
      if (nested(p->lowers[i], p->lowers[j]))
        return overlap_error(what, "layer", p->lowers[i], p->lowers[j + 1] ? "layer" : "root.path",
                             p->lowers[j], err);
    }
  }
  return 0;
}

static int check_upper(struct hk_overlay_plan *p, const char *id, hk_error_t **err)
{
  const char *base = strrchr(p->upper, '/') + 1;

  if (strchr(p->upper, '\n'))
    return hk_error_plain(err, EINVAL, "%s: upper directory `%s`: newline in path", p->what,
                          p->upper);
  if (strlen(base) + strlen(".work-") + strlen(id) > NAME_MAX)
    return hk_error_plain(err, ENAMETOOLONG,
                          "%s: upper directory `%s`: name too long to add \".work-%s\"", p->what,
                          p->upper, id);
  p->workdir = hk_xasprintf("%s.work-%s", p->upper, id);
  for (size_t i = 0; p->lowers[i]; i++) {
    const char *kind = p->lowers[i + 1] ? "layer" : "root.path";
    if (nested(p->upper, p->lowers[i]))
      return overlap_error(p->what, "upper directory", p->upper, kind, p->lowers[i], err);
    if (nested(p->workdir, p->lowers[i]))
      return overlap_error(p->what, "workdir", p->workdir, kind, p->lowers[i], err);
  }
  return 0;
}

int hk_overlay_plan_build(struct hk_overlay_plan *p, const struct hk_spec *spec, const char *bundle,
                          const char *rootfs, const char *cli_overlay,
                          const char *const *cli_layers, const char *id, bool new_mntns,
                          bool userns, hk_error_t **err)
{
  const char *ov = cli_overlay, *layers = NULL;
  const char *layers_what = "--layer";
  const struct hk_linux *lx = &spec->linux_;
  uint32_t uid = 0, gid = 0;

  memset(p, 0, sizeof(*p));
  p->what = "--overlay";
  if (ov == NULL) {
    ov = annotation(spec, HK_ANNOTATION_OVERLAY);
    p->what = "annotation " HK_ANNOTATION_OVERLAY;
  }
  if (cli_layers == NULL) {
    layers = annotation(spec, HK_ANNOTATION_LAYERS);
    layers_what = "annotation " HK_ANNOTATION_LAYERS;
  }
  if (ov && ov[0] == '\0')
    ov = NULL; /* an empty annotation asks for nothing */
  if (layers && layers[0] == '\0')
    layers = NULL;
  if (ov == NULL && layers == NULL && (cli_layers == NULL || cli_layers[0] == NULL))
    return 0;
  if (ov == NULL)
    p->what = layers_what;
  if (!new_mntns)
    return hk_error_plain(err, EINVAL,
                          "%s: needs a new mount namespace (linux.namespaces joins one by path)",
                          ov ? p->what : layers_what);
  p->enabled = true;
  if (collect_lowers(p, layers_what, layers, cli_layers, bundle, rootfs, err) < 0)
    return -1;
  if (userns) {
    p->userxattr = true;
    hk_userns_host_id(lx->uid_mappings, lx->uid_mappings_len, 0, &uid);
    hk_userns_host_id(lx->gid_mappings, lx->gid_mappings_len, 0, &gid);
  }
  p->root_uid = uid;
  p->root_gid = gid;
  if (ov == NULL)
    return 0; /* read-only layers, no upper */
  if (strcmp(ov, "ephemeral") == 0) {
    p->ephemeral = true;
    return 0;
  }
  {
    _cleanup_free_ char *path = from_base(bundle, ov);
    if (upper_dir(p->what, path, &p->upper, err) < 0)
      return -1;
  }
  return check_upper(p, id, err);
}

static int write_record(int dirfd, const char *upper, const char *workdir, hk_error_t **err)
{
  _cleanup_free_ char *text =
      hk_xasprintf("%s%s%s%s%s%s", upper ? "upper " : "", upper ? upper : "", upper ? "\n" : "",
                   workdir ? "workdir " : "", workdir ? workdir : "", workdir ? "\n" : "");
  return hk_write_file_atomic(dirfd, RECORD, text, strlen(text), 0600, err);
}

int hk_overlay_prepare(struct hk_overlay_plan *p, int state_dirfd, const char *state_root,
                       const char *id, hk_error_t **err)
{
  struct stat st, rs;
  bool made_upper = false;

  if (!p->enabled)
    return 0;
  if (p->ephemeral) {
    _cleanup_free_ char *root = realpath(state_root, NULL);
    if (root == NULL)
      return hk_error_make(err, errno, "state root `%s`", state_root);
    if (mkdirat(state_dirfd, TMPFS_DIR, 0700) < 0)
      return hk_error_make(err, errno, "%s: create `%s/%s/%s`", p->what, root, id, TMPFS_DIR);
    p->tmpfs_dir = hk_xasprintf("%s/%s/%s", root, id, TMPFS_DIR);
    return 0;
  }
  if (p->upper == NULL)
    return 0;
  if (stat(p->upper, &st) < 0) {
    /* The upper directory's owner and mode become those of the
     * container's "/": take them from root.path. */
    const char *rootfs = rootfs_of(p);
    if (stat(rootfs, &rs) < 0)
      return hk_error_make(err, errno, "root.path `%s`", rootfs);
    if (write_record(state_dirfd, p->upper, NULL, err) < 0)
      return -1;
    if (mkdir(p->upper, 0700) < 0)
      return hk_error_make(err, errno, "%s: create upper directory `%s`", p->what, p->upper);
    made_upper = true;
    if (chown(p->upper, rs.st_uid, rs.st_gid) < 0 || chmod(p->upper, rs.st_mode & 07777) < 0)
      return hk_error_make(err, errno, "%s: upper directory `%s`", p->what, p->upper);
  }
  /* Made first, recorded second: a directory that was already there is
   * never recorded, so never removed. */
  if (mkdir(p->workdir, 0700) < 0) {
    if (errno == EEXIST)
      return hk_error_plain(err, EEXIST,
                            "%s: workdir `%s` already exists (left by an earlier container with "
                            "this ID?): remove it first",
                            p->what, p->workdir);
    return hk_error_make(err, errno, "%s: create workdir `%s`", p->what, p->workdir);
  }
  if (write_record(state_dirfd, made_upper ? p->upper : NULL, p->workdir, err) < 0) {
    rmdir(p->workdir);
    return -1;
  }
  if ((p->root_uid || p->root_gid) && chown(p->workdir, p->root_uid, p->root_gid) < 0)
    return hk_error_make(err, errno, "%s: workdir `%s`", p->what, p->workdir);
  return 0;
}

/* Overlay option values escape the characters that separate options and
 * layers. */
static void put_escaped(FILE *f, const char *s)
{
  for (; *s; s++) {
    if (*s == '\\' || *s == ',' || *s == ':')
      fputc('\\', f);
    fputc(*s, f);
  }
}

static char *build_data(char *const *lowers, const char *upper, const char *work, bool userxattr,
                        const char *extra)
{
  char *data = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&data, &len);

  if (f == NULL)
    abort();
  fputs("lowerdir=", f);
  for (size_t i = 0; lowers[i]; i++) {
    if (i)
      fputc(':', f);
    put_escaped(f, lowers[i]);
  }
  if (upper) {
    fputs(",upperdir=", f);
    put_escaped(f, upper);
    fputs(",workdir=", f);
    put_escaped(f, work);
  }
  if (userxattr)
    fputs(",userxattr", f);
  if (extra && extra[0])
    fprintf(f, ",%s", extra);
  if (fclose(f) != 0)
    abort();
  return data;
}

/* The ephemeral upper layer: a tmpfs that only this mount namespace sees. */
static int mount_ephemeral(const struct hk_overlay_plan *p, const char *rootfs, char **upper,
                           char **work, hk_error_t **err)
{
  _cleanup_close_ int fd = -1, tfd = -1;
  char dp[HK_FD_PATH_MAX];
  struct stat rs;

  fd = open(p->tmpfs_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return hk_error_make(err, errno, "%s: open `%s`", p->what, p->tmpfs_dir);
  hk_fd_path(dp, fd);
  if (mount("tmpfs", dp, "tmpfs", 0, "mode=0700") < 0)
    return hk_error_make(err, errno, "%s: mount tmpfs on `%s`", p->what, p->tmpfs_dir);
  tfd = open(p->tmpfs_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (tfd < 0 || stat(rootfs, &rs) < 0)
    return hk_error_make(err, errno, "%s: open `%s`", p->what, tfd < 0 ? p->tmpfs_dir : rootfs);
  if (mkdirat(tfd, "upper", 0700) < 0 || mkdirat(tfd, "work", 0700) < 0)
    return hk_error_make(err, errno, "%s: create upper and work directories", p->what);
  /* "/" of the container shows the upper directory's owner and mode. */
  if (fchownat(tfd, "upper", rs.st_uid, rs.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    hk_debug("overlay: keep the upper layer's owner: %s", strerror(errno));
  if (fchmodat(tfd, "upper", rs.st_mode & 07777, 0) < 0)
    return hk_error_make(err, errno, "%s: chmod upper directory", p->what);
  *upper = hk_xasprintf("%s/upper", p->tmpfs_dir);
  *work = hk_xasprintf("%s/work", p->tmpfs_dir);
  return 0;
}

int hk_overlay_mount_rootfs(const struct hk_overlay_plan *p, const char *rootfs, hk_error_t **err)
{
  _cleanup_free_ char *upper = NULL, *work = NULL, *data = NULL;
  _cleanup_close_ int fd = -1;
  char dp[HK_FD_PATH_MAX];

  if (p == NULL || !p->enabled)
    return 0;
  if (p->ephemeral) {
    if (mount_ephemeral(p, rootfs, &upper, &work, err) < 0)
      return -1;
  } else if (p->upper) {
    upper = hk_xstrdup(p->upper);
    work = hk_xstrdup(p->workdir);
  }
  data = build_data(p->lowers, upper, work, p->userxattr, NULL);
  if (strlen(data) >= DATA_MAX)
    return hk_error_plain(err, E2BIG,
                          "%s: the overlay's options exceed %d bytes: use fewer or "
                          "shorter layer paths",
                          p->what, DATA_MAX - 1);
  fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return hk_error_make(err, errno, "open rootfs `%s`", rootfs);
  hk_fd_path(dp, fd);
  if (mount("overlay", dp, "overlay", 0, data) < 0) {
    if (errno == ENODEV)
      return hk_error_plain(
          err, ENODEV, "%s: overlayfs is not available in this kernel (modprobe overlay)", p->what);
    return hk_error_make(err, errno, "%s: mount overlay on `%s` (%s)", p->what, rootfs, data);
  }
  hk_debug("rootfs: overlay %s", data);
  return 0;
}

int hk_overlay_cleanup(int state_dirfd, bool failed_create, hk_error_t **err)
{
  _cleanup_close_ int fd = openat(state_dirfd, RECORD, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  _cleanup_free_ char *text = NULL;
  char *line, *save = NULL;
  size_t len;
  int r = 0;

  if (fd < 0)
    return errno == ENOENT ? 0 : hk_error_make(err, errno, "open `%s`", RECORD);
  if (hk_read_fd(fd, RECORD, 1 << 16, &text, &len, err) < 0)
    return -1;
  for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (strncmp(line, "workdir /", 9) == 0) {
      if (hk_rmtree_at(AT_FDCWD, line + 8, r < 0 ? NULL : err) < 0)
        r = -1;
    } else if (strncmp(line, "upper /", 7) == 0 && failed_create) {
      /* Only when still empty: never anything a container wrote. */
      if (rmdir(line + 6) < 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
        hk_debug("overlay: rmdir `%s`: %s", line + 6, strerror(errno));
    }
  }
  if (r == 0 && unlinkat(state_dirfd, RECORD, 0) < 0 && errno != ENOENT)
    r = hk_error_make(err, errno, "remove `%s`", RECORD);
  return r;
}

struct mount_dirs {
  char **lowers;
  char *upper, *work;
  FILE *extra;
  bool any_extra;
};

static int take_option(struct mount_dirs *d, const char *opt, const char *bundle, hk_error_t **err)
{
  const char *eq = strchr(opt, '=');
  size_t klen = eq ? (size_t)(eq - opt) : strlen(opt);
  _cleanup_free_ char *path = NULL;

  if (eq && klen == 8 && strncmp(opt, "lowerdir", 8) == 0) {
    _cleanup_strv_ char **items = split_escaped(eq + 1, ':');
    size_t n = 0;
    while (items[n])
      n++;
    hk_strv_free(d->lowers);
    d->lowers = hk_xmalloc0((n + 1) * sizeof(char *));
    for (size_t i = 0; i < n; i++) {
      path = from_base(bundle, items[i]);
      if (existing_dir("lowerdir", "layer", items[i][0] ? path : "", &d->lowers[i], err) < 0)
        return -1;
      free(steal_pointer(&path));
    }
    return 0;
  }
  if (eq && ((klen == 8 && strncmp(opt, "upperdir", 8) == 0) ||
             (klen == 7 && strncmp(opt, "workdir", 7) == 0))) {
    _cleanup_strv_ char **items = split_escaped(eq + 1, '\0');
    char **slot = opt[0] == 'u' ? &d->upper : &d->work;
    free(steal_pointer(slot));
    path = from_base(bundle, items[0]);
    return existing_dir(opt[0] == 'u' ? "upperdir" : "workdir", "directory",
                        items[0][0] ? path : "", slot, err);
  }
  /* Anything else (userxattr, volatile, index=off, ...) goes as given. */
  if (d->any_extra)
    fputc(',', d->extra);
  for (const char *c = opt; *c; c++) {
    if (*c == '\\' || *c == ',')
      fputc('\\', d->extra);
    fputc(*c, d->extra);
  }
  d->any_extra = true;
  return 0;
}

int hk_overlay_mount_data(const char *data, const char *bundle, char **out, hk_error_t **err)
{
  struct mount_dirs d = {0};
  _cleanup_strv_ char **opts = split_escaped(data ? data : "", ',');
  _cleanup_free_ char *extra = NULL;
  size_t extra_len = 0;
  int r = 0;

  d.extra = open_memstream(&extra, &extra_len);
  if (d.extra == NULL)
    abort();
  for (size_t i = 0; r == 0 && opts[i]; i++)
    if (opts[i][0])
      r = take_option(&d, opts[i], bundle, err);
  fclose(d.extra);
  if (r == 0 && d.lowers == NULL)
    r = hk_error_plain(err, EINVAL, "overlay: no lowerdir option");
  if (r == 0 && (d.upper == NULL) != (d.work == NULL))
    r = hk_error_plain(err, EINVAL, "overlay: upperdir and workdir go together");
  if (r == 0 && d.upper && nested(d.upper, d.work))
    r = overlap_error("overlay", "upperdir", d.upper, "workdir", d.work, err);
  for (size_t i = 0; r == 0 && d.upper && d.lowers[i]; i++) {
    if (nested(d.upper, d.lowers[i]))
      r = overlap_error("overlay", "upperdir", d.upper, "lowerdir", d.lowers[i], err);
    else if (nested(d.work, d.lowers[i]))
      r = overlap_error("overlay", "workdir", d.work, "lowerdir", d.lowers[i], err);
  }
  if (r == 0) {
    *out = build_data(d.lowers, d.upper, d.work, false, extra);
    if (strlen(*out) >= DATA_MAX) {
      free(steal_pointer(out));
      r = hk_error_plain(err, E2BIG, "overlay: options exceed %d bytes", DATA_MAX - 1);
    }
  }
  hk_strv_free(d.lowers);
  free(d.upper);
  free(d.work);
  return r;
}

bool hk_overlay_supported(void)
{
  _cleanup_free_ char *fs = NULL, *deps = NULL, *path = NULL;
  struct utsname u;
  size_t len;

  if (hk_read_file("/proc/filesystems", 1 << 16, &fs, &len, NULL) == 0 && strstr(fs, "\toverlay\n"))
    return true;
  /* Not loaded yet: the kernel loads the module on the first mount. */
  if (uname(&u) < 0)
    return false;
  path = hk_xasprintf("/lib/modules/%s/modules.dep", u.release);
  return hk_read_file(path, 16 << 20, &deps, &len, NULL) == 0 && strstr(deps, "/overlay.ko");
}
