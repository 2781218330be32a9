/* Path resolution inside a root (libcontainer/path.c), with openat2 and
 * with the fallback walker: symlinks and ".." never leave the root, missing
 * components are created inside it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libcontainer/path.h"
#include "libcontainer/utils.h"
#include "unit.h"

static char root[] = "/tmp/hk-test-path-XXXXXX";
static int rootfd = -1;

/* Where fd points, relative to the root ("/" for the root itself), or the
 * absolute host path when it is outside. */
static char *where(int fd)
{
  char link[64], buf[4096];
  ssize_t n;
  size_t rl = strlen(root);

  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  n = readlink(link, buf, sizeof(buf) - 1);
  if (n < 0)
    return hk_xstrdup("?");
  buf[n] = '\0';
  if (strncmp(buf, root, rl) == 0 && (buf[rl] == '/' || buf[rl] == '\0'))
    return hk_xstrdup(buf[rl] ? buf + rl : "/");
  return hk_xstrdup(buf);
}

static void expect(const char *path, enum hk_path_create create, const char *want)
{
  hk_error_t *err = NULL;
  int fd = hk_path_open_in_root(rootfd, path, create, &err);
  if (want == NULL) {
    CHECK(fd < 0);
    if (fd >= 0)
      close(fd);
    hk_error_free(err);
    return;
  }
  if (fd < 0) {
    fprintf(stderr, "# %s: %s\n", path, err ? err->msg : "?");
    hk_error_free(err);
    CHECK(fd >= 0);
    return;
  }
  {
    _cleanup_free_ char *w = where(fd);
    CHECK_STR(w, want);
  }
  close(fd);
}

static void build_tree(void)
{
  CHECK(mkdtemp(root) != NULL);
  rootfd = open(root, O_PATH | O_DIRECTORY);
  CHECK(mkdirat(rootfd, "etc", 0755) == 0);
  CHECK(mkdirat(rootfd, "usr", 0755) == 0);
  CHECK(mkdirat(rootfd, "usr/lib", 0755) == 0);
  CHECK(symlinkat("/etc", rootfd, "abs") == 0);           /* absolute, inside */
  CHECK(symlinkat("../../../../..", rootfd, "up") == 0);  /* climbs past the root */
  CHECK(symlinkat("/", rootfd, "usr/lib/root") == 0);
  CHECK(symlinkat("/nonexistent/dir", rootfd, "dangling") == 0);
  CHECK(symlinkat("loop2", rootfd, "loop1") == 0);
  CHECK(symlinkat("loop1", rootfd, "loop2") == 0);
  CHECK(symlinkat("lib", rootfd, "usr/rel") == 0);        /* relative */
  CHECK(symlinkat("/nonexistent2/dir", rootfd, "dangling2") == 0);
}

static void resolve_cases(void)
{
  expect("/", HK_PATH_NO_CREATE, "/");
  expect("/etc", HK_PATH_NO_CREATE, "/etc");
  expect("/abs", HK_PATH_NO_CREATE, "/etc");
  expect("/../../etc", HK_PATH_NO_CREATE, "/etc");
  expect("/up", HK_PATH_NO_CREATE, "/");
  expect("/up/etc", HK_PATH_NO_CREATE, "/etc");
  expect("/usr/lib/root/etc", HK_PATH_NO_CREATE, "/etc");
  expect("/usr/rel", HK_PATH_NO_CREATE, "/usr/lib");
  expect("/usr/rel/../..", HK_PATH_NO_CREATE, "/");
  expect("/nope", HK_PATH_NO_CREATE, NULL);
  expect("/loop1", HK_PATH_NO_CREATE, NULL);
}

static void create_cases(void)
{
  expect("/new/a/b", HK_PATH_CREATE_DIR, "/new/a/b");
  expect("/up/new2", HK_PATH_CREATE_DIR, "/new2");
  /* A dangling absolute symlink is followed inside the root. */
  expect("/dangling", HK_PATH_CREATE_DIR, "/nonexistent/dir");
  expect("/etc/file", HK_PATH_CREATE_FILE, "/etc/file");
  {
    struct stat st;
    CHECK(fstatat(rootfd, "etc/file", &st, 0) == 0 && S_ISREG(st.st_mode));
    CHECK(fstatat(rootfd, "nonexistent/dir", &st, 0) == 0 && S_ISDIR(st.st_mode));
  }
  CHECK(access("/nonexistent/dir", F_OK) != 0);
}

/* With openat2, a missing last component takes a shortcut (create_last):
 * it must land where the walk would. */
static void openat2_create(void)
{
  struct stat st;

  hk_path_force_fallback(false);
  expect("/etc/newdir", HK_PATH_CREATE_DIR, "/etc/newdir");
  expect("/etc/newdir/", HK_PATH_CREATE_DIR, "/etc/newdir");
  expect("/abs/viaabs", HK_PATH_CREATE_DIR, "/etc/viaabs");
  expect("/up/new3", HK_PATH_CREATE_DIR, "/new3");
  expect("/usr/rel/../new4", HK_PATH_CREATE_DIR, "/usr/new4");
  expect("/new5/a/b", HK_PATH_CREATE_DIR, "/new5/a/b");
  expect("/dangling2", HK_PATH_CREATE_DIR, "/nonexistent2/dir");
  expect("/etc/file2", HK_PATH_CREATE_FILE, "/etc/file2");
  CHECK(fstatat(rootfd, "etc/file2", &st, 0) == 0 && S_ISREG(st.st_mode));
  CHECK(fstatat(rootfd, "etc/viaabs", &st, 0) == 0 && S_ISDIR(st.st_mode));
  CHECK(fstatat(rootfd, "nonexistent2/dir", &st, 0) == 0 && S_ISDIR(st.st_mode));
  CHECK(access("/new3", F_OK) != 0 && access("/nonexistent2", F_OK) != 0);
}

static void openat2_resolve(void)
{
  hk_path_force_fallback(false);
  resolve_cases();
}

static void fallback_resolve(void)
{
  hk_path_force_fallback(true);
  resolve_cases();
}

static void fallback_create(void)
{
  hk_path_force_fallback(true);
  create_cases();
}

/* /proc magic links lead wherever the kernel says: both resolvers refuse
 * them (ELOOP), while procfs's plain symlinks such as "self" work. */
static void magic_links_refused(bool fallback)
{
  _cleanup_close_ int slash = open("/", O_PATH | O_DIRECTORY);
  const char *magic[] = {"/proc/self/cwd", "/proc/self/root/etc", "/proc/self/exe",
                         "/proc/self/fd/0", "/proc/self/ns/net"};
  hk_error_t *err = NULL;
  int fd;

  hk_path_force_fallback(fallback);
  for (size_t i = 0; i < sizeof(magic) / sizeof(magic[0]); i++) {
    fd = hk_path_open_in_root(slash, magic[i], HK_PATH_NO_CREATE, &err);
    CHECK(fd < 0 && err && err->code == ELOOP);
    if (fd >= 0) {
      fprintf(stderr, "# %s was followed\n", magic[i]);
      close(fd);
    }
    hk_error_free(err);
    err = NULL;
  }
  fd = hk_path_open_in_root(slash, "/proc/self/status", HK_PATH_NO_CREATE, &err);
  CHECK(fd >= 0);
  if (fd >= 0)
    close(fd);
  hk_error_free(err);
}

static void openat2_magic(void)
{
  magic_links_refused(false);
}

static void fallback_magic(void)
{
  magic_links_refused(true);
}

static void clean_paths(void)
{
  const char *cases[][2] = {{"/", "/"},         {"", "/"},          {"a/b", "/a/b"},
                            {"/a//b/", "/a/b"}, {"/../..", "/"},    {"/a/./b/../c", "/a/c"},
                            {"/a/..", "/"},     {"..a/b", "/..a/b"}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    _cleanup_free_ char *c = hk_path_clean(cases[i][0]);
    CHECK_STR(c, cases[i][1]);
  }
}

int main(void)
{
  char cmd[128];

  build_tree();
  RUN(openat2_resolve);
  RUN(fallback_resolve);
  RUN(fallback_create);
  RUN(openat2_magic);
  RUN(fallback_magic);
  RUN(openat2_create);
  RUN(clean_paths);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
  if (system(cmd) != 0)
    fprintf(stderr, "# could not remove %s\n", root);
  UNIT_DONE();
}
